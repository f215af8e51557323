"""`manage.py send_reminders`: the reminders before deadlines, meant for cron (for example
every morning). Idempotent: each reminder is recorded when it is sent, so running the
command twice sends nothing twice.

The reminders are a list of functions, each taking `now=` and returning how many e-mails it
sent: the reviewers' reminders before the review deadline, and the follow-up report
reminders of funded projects when `projects.services.report_reminders_send` exists. A new
kind of reminder is one more entry in `reminder_functions()`."""

import datetime
from collections.abc import Callable
from importlib import import_module

from django.core.management.base import BaseCommand
from django.utils import timezone

from programmes.evaluation import review_reminders_send


def reminder_functions(*, days: int) -> list[tuple[str, Callable[..., int]]]:
    functions: list[tuple[str, Callable[..., int]]] = [
        ("evaluations", lambda now: review_reminders_send(now=now, days=days)),
    ]
    # Follow-up reports (projects app), when that app provides its reminders.
    try:
        projects_services = import_module("projects.services")
    except ImportError:  # pragma: no cover - the projects app is always installed today
        projects_services = None
    report_reminders = getattr(projects_services, "report_reminders_send", None)
    if report_reminders is not None:
        functions.append(("rapports de suivi", lambda now: report_reminders(now=now)))
    return functions


class Command(BaseCommand):
    help = ("Envoie les rappels avant les dates limites (évaluations, rapports de suivi). "
            "Sans effet s'il est relancé : chaque rappel n'est envoyé qu'une fois.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7,
            help="Rappeler les évaluations dont la date limite tombe dans ce nombre de jours.")
        parser.add_argument(
            "--now", type=datetime.datetime.fromisoformat, default=None,
            help="Moment de référence (ISO 8601, pour les essais) ; par défaut maintenant.")

    def handle(self, *args, days: int, now, **options):
        now = now or timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        for label, send in reminder_functions(days=days):
            count = send(now)
            self.stdout.write(f"{label} : {count} rappel(s) envoyé(s)")
