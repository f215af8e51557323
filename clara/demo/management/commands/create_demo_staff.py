"""Create (or reset) the local demo staff account used by `make run`.

The password is public (it is printed and written in the README), so the command refuses to
run unless DEBUG is on.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_STAFF_EMAIL = "staff@demo.clara.local"
DEMO_STAFF_PASSWORD = "demo-clara-2025"  # noqa: S105 - public on purpose, DEBUG only


class Command(BaseCommand):
    help = (
        "Crée ou réinitialise le compte de démonstration staff@demo.clara.local "
        "(superutilisateur, développement uniquement : refuse hors DEBUG)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_demo_staff refuse de s'exécuter hors du mode DEBUG : le mot de passe "
                "de ce compte de démonstration est public."
            )

        user_model = get_user_model()
        with transaction.atomic():
            user = user_model._default_manager.filter(email__iexact=DEMO_STAFF_EMAIL).first()
            if user is None:
                user_model._default_manager.create_superuser(
                    email=DEMO_STAFF_EMAIL, password=DEMO_STAFF_PASSWORD
                )
                action = "créé"
            else:
                user.set_password(DEMO_STAFF_PASSWORD)
                user.is_staff = True
                user.is_superuser = True
                user.is_active = True
                user.save()
                action = "réinitialisé"

        self.stdout.write(
            self.style.SUCCESS(
                f"Compte de démonstration (développement uniquement) {action} : "
                f"{DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}"
            )
        )
