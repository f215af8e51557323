"""`manage.py refresh_project_facts`: recompute every funded project's derived facts (the
`facet_*` columns the public list `/projets/` reads), after writes that bypassed model
signals. Idempotent: a second run writes only the rows whose facts changed."""

from django.core.management.base import BaseCommand

from projects.models import FundedProject
from projects.services import project_facts_refresh


class Command(BaseCommand):
    help = "Recompute the derived facts of every funded project (public list /projets/)."

    def handle(self, *args, **options):
        project_facts_refresh()
        self.stdout.write(f"{FundedProject.objects.count()} projets à jour.")
