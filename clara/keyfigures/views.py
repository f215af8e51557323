"""Views of the yearly key figures: the public page, the drill-down lists, the CSV download and
the staff dashboard. They only read, through `clara.selectors`."""

import csv
from decimal import Decimal

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.formatting import format_figure
from clara.keyfigures import selectors
from clara.keyfigures.checks import consistency_warnings
from clara.keyfigures.drilldown import drilldown_table

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404(_("Année hors de la période couverte."))


def last_complete_year() -> int:
    return timezone.localdate().year - 1


def admin_changelist_url(figure, year: int) -> str | None:
    """The admin changelist of the records behind a figure, filtered to exactly those rows."""
    key = figure.key
    opts = figure.admin_model._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        return None
    return f"{url}?chiffre={year}:{key}"


def build_sections(year: int, *, staff: bool) -> list[dict]:
    """Figures of `year` grouped in the report's sections, with last year's value beside."""
    catalogue = selectors.figure_catalogue()
    current = selectors.key_figures_for_year(year, catalogue)
    previous = selectors.key_figures_for_year(year - 1, catalogue)
    sections: dict[str, dict] = {}
    for key, figure in catalogue.items():
        section = sections.setdefault(
            figure.section,
            {"slug": figure.section, "title": selectors.SECTIONS[figure.section], "rows": []},
        )
        value, before = current[key], previous[key]
        delta = value - before
        section["rows"].append(
            {
                "key": key,
                "label": figure.label,
                "definition": figure.definition,
                "value": value,
                "display": format_figure(value, figure.unit),
                "previous_display": format_figure(before, figure.unit),
                "delta": delta,
                "delta_display": format_figure(abs(delta), figure.unit),
                "url": reverse("keyfigures:records", args=[year, key]),
                "admin_url": admin_changelist_url(figure, year) if staff else None,
            }
        )
    return list(sections.values())


def index(request: HttpRequest) -> HttpResponse:
    return redirect("keyfigures:year", year=last_complete_year())


def year_page(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    sections = build_sections(year, staff=request.user.is_staff)
    return render(
        request,
        "keyfigures/year.html",
        {
            "year": year,
            "sections": sections,
            "years": _year_choices(year),
        },
    )


def _year_choices(year: int) -> list[int]:
    years = set(selectors.years_with_records()) | {year}
    return sorted(years, reverse=True)


def records_page(request: HttpRequest, year: int, key: str) -> HttpResponse:
    _check_year(year)
    figure = selectors.figure_for_key(key)
    if figure is None:
        raise Http404(_("Ce chiffre clef n'existe pas."))
    records = figure.records(year)
    value = figure.value_of(records)
    table = drilldown_table(records)
    return render(
        request,
        "keyfigures/records.html",
        {
            "year": year,
            "figure": figure,
            "display": format_figure(value, figure.unit),
            "table": table,
            "admin_url": admin_changelist_url(figure, year) if request.user.is_staff else None,
        },
    )


def csv_download(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    catalogue = selectors.figure_catalogue()
    figures = selectors.key_figures_for_year(year, catalogue)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chiffres-clefs-{year}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(["cle", "section", "libelle", "valeur", "unite"])
    for key, figure in catalogue.items():
        writer.writerow(
            [key, selectors.SECTIONS[figure.section], figure.label,
             json_number(figures[key]), figure.unit]
        )
    return response


def json_number(value: int | Decimal) -> int | float:
    """A figure as a JSON number: whole values as integers, others (the rating) as floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _admin_link(record) -> dict:
    opts = record._meta
    return {
        "label": str(record),
        "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]),
    }


def dashboard(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """Staff dashboard inside the admin: the figures, links to the records, and warnings."""
    year = year or last_complete_year()
    _check_year(year)
    sections = build_sections(year, staff=True)
    context = {
        **admin.site.each_context(request),
        "title": _("Chiffres clefs %(year)s") % {"year": year},
        "year": year,
        "sections": sections,
        "years": _year_choices(year),
        "warnings": [
            {"message": warning.message, "records": [_admin_link(r) for r in warning.records]}
            for warning in consistency_warnings(year)
        ],
    }
    return render(request, "admin/keyfigures/dashboard.html", context)
