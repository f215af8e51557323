from allauth.account.apps import AccountConfig
from allauth.mfa.apps import MFAConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    # The one Django picks for "clara.accounts" (this module holds allauth's two as well).
    default = True
    name = "clara.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from clara.accounts import login_lockout

        user_login_failed.connect(login_lockout.log_login_failed)
        user_logged_in.connect(login_lockout.log_logged_in)
        user_locked_out.connect(login_lockout.log_locked_out)


class AllauthAccountConfig(AccountConfig):
    """django-allauth's accounts app, named apart from ours in the admin (both would read
    "Comptes")."""

    verbose_name = _("Adresses e-mail des comptes")


class AllauthMFAConfig(MFAConfig):
    verbose_name = _("Seconds facteurs d'authentification")
