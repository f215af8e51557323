from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Development data only: its commands refuse to run unless DEBUG is on."""

    name = "clara.demo"
    label = "demo"
    verbose_name = _("Données de démonstration")
