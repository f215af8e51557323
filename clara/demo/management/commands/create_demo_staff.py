"""Create (or reset) the local demo staff account used by `make run`.

The password and the second factor's secret are public (they are printed and written in the
README), so the command refuses to run unless DEBUG is on.

The admin requires a second factor from every staff session (clara/accounts/mfa.py). The demo
account gets an authenticator (TOTP) with a fixed secret, DEMO_STAFF_TOTP_SECRET: a developer
types the code that `manage.py demo_staff_totp` prints (or that `oathtool --totp -b <secret>`
or any authenticator app given the secret computes). Nothing in the request path knows about
this account: the admin checks it like any other.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_STAFF_EMAIL = "staff@demo.clara.local"
DEMO_STAFF_PASSWORD = "demo-clara-2025"  # noqa: S105 - public on purpose, DEBUG only
# base32 of b"clara-demo-staff-dev": public on purpose, DEBUG only.
DEMO_STAFF_TOTP_SECRET = "MNWGC4TBFVSGK3LPFVZXIYLGMYWWIZLW"  # noqa: S105


def refuse_outside_debug(command: str) -> None:
    if not settings.DEBUG:
        raise CommandError(
            f"{command} refuse de s'exécuter hors du mode DEBUG : le mot de passe et le "
            "second facteur du compte de démonstration sont publics."
        )


class Command(BaseCommand):
    help = (
        "Crée ou réinitialise le compte de démonstration staff@demo.clara.local "
        "(superutilisateur, adresse vérifiée, second facteur TOTP au secret public ; "
        "développement uniquement : refuse hors DEBUG)."
    )

    def handle(self, *args, **options):
        refuse_outside_debug("create_demo_staff")

        user_model = get_user_model()
        with transaction.atomic():
            user = user_model._default_manager.filter(email__iexact=DEMO_STAFF_EMAIL).first()
            if user is None:
                user = user_model._default_manager.create_superuser(
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
            # Logging in requires a verified address (ACCOUNT_EMAIL_VERIFICATION).
            EmailAddress.objects.filter(user=user).exclude(email__iexact=DEMO_STAFF_EMAIL).delete()
            EmailAddress.objects.update_or_create(
                user=user, email=DEMO_STAFF_EMAIL,
                defaults={"verified": True, "primary": True},
            )
            Authenticator.objects.filter(user=user).delete()
            Authenticator.objects.create(
                user=user, type=Authenticator.Type.TOTP,
                data={"secret": encrypt(DEMO_STAFF_TOTP_SECRET)},
            )

        self.stdout.write(
            self.style.SUCCESS(
                f"Compte de démonstration (développement uniquement) {action} : "
                f"{DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}\n"
                f"Second facteur (application d'authentification, secret TOTP public) : "
                f"{DEMO_STAFF_TOTP_SECRET} ; code du moment : "
                f"`python manage.py demo_staff_totp`."
            )
        )
