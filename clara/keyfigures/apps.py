from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyFiguresConfig(AppConfig):
    """The yearly key figures. They read the domain apps; no domain app imports them."""

    name = "clara.keyfigures"
    label = "keyfigures"
    verbose_name = _("Chiffres clefs")

    def ready(self) -> None:
        from clara.keyfigures.admin import add_key_figure_filter
        from clara.publiccache import connect_signals

        add_key_figure_filter()
        # The public list of funded projects narrows to the projects behind a figure.
        from clara.keyfigures.selectors import funded_projects_behind
        from projects.search import FIGURE_PROJECTS

        FIGURE_PROJECTS["resolve"] = funded_projects_behind
        # The key-figure pages are the public pages today: any change of the records they
        # read invalidates the cached pages.
        connect_signals()
