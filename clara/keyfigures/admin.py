"""Admin list filter that narrows a changelist to the records behind one key figure.

The key-figures page and the staff dashboard link to `<changelist>?chiffre=<year>:<key>`; the
filter applies `clara.keyfigures.selectors.figure_records(key, year)`, the same queryset the public
drill-down lists, so the changelist shows exactly the rows that make the figure.
"""

import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from clara.keyfigures import selectors
from clara.keyfigures.views import MAX_YEAR, MIN_YEAR


def parse_figure_value(value: str | None) -> tuple[int, str] | None:
    """"2025:calls.applications" -> (2025, "calls.applications"); None when malformed: the year
    is not one the key figures cover, or the key names no figure."""
    if not value or ":" not in value:
        return None
    year, _sep, key = value.partition(":")
    if not re.fullmatch(r"[0-9]{4}", year) or not MIN_YEAR <= int(year) <= MAX_YEAR:
        return None
    if not key.isprintable() or selectors.figure_for_key(key) is None:
        return None
    return int(year), key


class KeyFigureFilter(admin.SimpleListFilter):
    title = _("chiffre clef")
    parameter_name = "chiffre"

    def lookups(self, request, model_admin):
        # Only the figure being looked at is listed: there is one per key and year.
        parsed = parse_figure_value(self.value())
        if parsed is None:
            return []
        year, key = parsed
        return [(self.value(), f"{selectors.figure_for_key(key).label} ({year})")]

    def queryset(self, request, queryset):
        parsed = parse_figure_value(self.value())
        if parsed is None:
            return queryset
        year, key = parsed
        records = selectors.figure_records(key, year)
        if records.model is not queryset.model:
            return queryset.none()
        return queryset.filter(pk__in=records.values("pk"))


def add_key_figure_filter(site=admin.site) -> None:
    """Give the changelist of every model that a figure counts the "chiffre clef" filter.

    Called when the app is ready (after the admin modules registered their models), so that
    the domain apps' admin modules need not import the key figures.
    """
    for model in {family(2000).model for family in selectors.FAMILIES.values()}:
        model_admin = site._registry.get(model)
        if model_admin is not None and KeyFigureFilter not in model_admin.list_filter:
            model_admin.list_filter = (*model_admin.list_filter, KeyFigureFilter)
