"""Load the demo data: the CLARA network in 2023, 2024 and 2025 (see `clara/demo/`).

Idempotent: a second run changes nothing. Development only: it refuses to run unless DEBUG is
on, because the demo accounts share a public password.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clara.demo.loader import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo, row_counts


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration du réseau CLARA (2023 à 2025). Idempotent ; "
        "développement uniquement : refuse hors DEBUG."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo refuse de s'exécuter hors du mode DEBUG : ce sont des données "
                "fictives et les comptes de démonstration ont un mot de passe public."
            )
        before = row_counts()
        started = time.monotonic()
        load_demo()
        elapsed = time.monotonic() - started
        after = row_counts()
        added = sum(after.values()) - sum(before.values())
        self.stdout.write(self.style.SUCCESS(
            f"Données de démonstration chargées en {elapsed:.1f} s "
            f"({added} lignes ajoutées, {sum(after.values())} au total)."
        ))
        if options["verbosity"] >= 2:
            for label, count in sorted(after.items()):
                self.stdout.write(f"  {label}: {count} (+{count - before[label]})")
        accounts = ", ".join(DEMO_ACCOUNTS.values())
        self.stdout.write(f"Comptes de démonstration : {accounts} / {DEMO_PASSWORD}")
