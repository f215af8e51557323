"""The staff's second factor (QUALITY.md scenario 16): the admin refuses a staff session that
has not passed it (`ClaraAdminSite.has_permission`, clara/admin_site.py).

django-allauth records each way a session authenticated (password, password reset, second
factor...) in the session (`get_authentication_records`); a second factor passed at login or
afterwards (allauth's "reauthenticate" page) is a record of method "mfa". Logging out ends the
session and its records.
"""

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils.translation import gettext as _

MFA_METHOD = "mfa"


def session_passed_mfa(request) -> bool:
    """Whether the logged-in user of `request` passed a second factor in this session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(
        record.get("method") == MFA_METHOD for record in get_authentication_records(request, user)
    )


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def second_factor_url(request, next_url: str) -> str:
    """Where a logged-in staff member without a second factor in this session goes: the page
    that asks for a code of their authenticator app, or, when they have none yet, the page
    that sets one up (it then asks for a code the next time they open the admin)."""
    if has_totp(request.user):
        return f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}"
    return reverse("mfa_activate_totp")


def second_factor_message(user) -> str:
    if has_totp(user):
        return _(
            "L'administration demande un second facteur : saisissez le code de votre "
            "application d'authentification."
        )
    return _(
        "L'administration demande un second facteur : activez une application "
        "d'authentification (FreeOTP, Aegis, Google Authenticator…) pour votre compte."
    )
