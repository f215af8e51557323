"""Print the current second-factor code of the demo staff account (development only)."""

from django.core.management.base import BaseCommand

from clara.accounts.totp import totp_code
from clara.demo.management.commands.create_demo_staff import (
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_TOTP_SECRET,
    refuse_outside_debug,
)


class Command(BaseCommand):
    help = (
        "Affiche le code à six chiffres du moment pour le second facteur du compte de "
        "démonstration staff@demo.clara.local (développement uniquement : refuse hors DEBUG)."
    )

    def handle(self, *args, **options):
        refuse_outside_debug("demo_staff_totp")
        self.stdout.write(f"{totp_code(DEMO_STAFF_TOTP_SECRET)}  ({DEMO_STAFF_EMAIL})")
