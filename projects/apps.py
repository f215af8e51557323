from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projets financés")

    def ready(self):
        from django.db.backends.signals import connection_created

        from projects.search import register_sqlite_unaccent

        connection_created.connect(register_sqlite_unaccent,
                                   dispatch_uid="projects-sqlite-unaccent")
