from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
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
