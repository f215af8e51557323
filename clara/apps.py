from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaraConfig(AppConfig):
    name = "clara"
    verbose_name = _("Réseau CLARA")
