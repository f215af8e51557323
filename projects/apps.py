from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projets financés")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_save

        from funding.models import Award, Contribution
        from programmes.models import Application, Call
        from projects.models import FundedProject, ProjectYearStatus
        from projects.search import register_sqlite_unaccent
        from projects.services import project_facts_receiver

        connection_created.connect(register_sqlite_unaccent,
                                   dispatch_uid="projects-sqlite-unaccent")
        # The facts each project's row copies for the public list (`FundedProject`): kept
        # up to date on every save or delete of what they are read from.
        for model in (FundedProject, Award, Contribution, Application, Call,
                      ProjectYearStatus):
            uid = f"projects-facts-{model._meta.label_lower}"
            post_save.connect(project_facts_receiver, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(project_facts_receiver, sender=model,
                                dispatch_uid=f"{uid}-delete")
