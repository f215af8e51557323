"""Views of the yearly key figures: the public page, the drill-down lists, the CSV download and
the staff dashboard. They only read, through `clara.selectors`."""

import csv
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clara.formatting import format_euros, format_figure, format_number
from clara.keyfigures import selectors
from clara.keyfigures.checks import consistency_warnings
from clara.keyfigures.drilldown import drilldown_table
from clara.keyfigures.plurals import label_for
from clara.publiccache import public_cache

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


def format_change(delta: int | Decimal, unit: str) -> str:
    """The change against the previous year, one format per unit: money in full euros
    ("+51 000 €", "+116 000 €"), shares in points ("+5 points"), others as the figure."""
    sign = "+" if delta > 0 else ("−" if delta < 0 else "")
    size = abs(delta)
    if unit == "eur":
        text = format_euros(size)
    elif unit == "percent":
        text = ngettext("%(n)s point", "%(n)s points", int(size)) % {"n": format_number(size)}
    else:
        text = format_figure(size, unit)
    return f"{sign}{text}" if delta else "="


def projects_list_url(key: str, year: int) -> str:
    """The public list of the funded projects behind a figure that counts them."""
    return reverse("funded:list") + "?" + urlencode({"chiffre": key, "exercice": year})


def build_sections(year: int, *, staff: bool, years: list[int]) -> list[dict]:
    """Figures of `year` grouped in the report's sections, with last year's value beside
    (none when nothing was recorded the year before: no growth against an empty year).
    `years` are the years with records."""
    catalogue = selectors.figure_catalogue()
    current = selectors.key_figures_for_year(year, catalogue)
    compare = (year - 1) in years
    previous = selectors.key_figures_for_year(year - 1, catalogue) if compare else None
    sections: dict[str, dict] = {}
    for key, figure in catalogue.items():
        section = sections.setdefault(
            figure.section,
            {"slug": figure.section, "title": selectors.SECTIONS[figure.section], "rows": []},
        )
        value = current[key]
        row = {
            "key": key,
            "label": label_for(figure, value),
            "definition": figure.definition,
            "value": value,
            "display": format_figure(value, figure.unit),
            "url": reverse("keyfigures:records", args=[year, key]),
            "admin_url": admin_changelist_url(figure, year) if staff else None,
            "projects_url": projects_list_url(key, year) if figure.lists_projects else None,
            "compared": compare,
        }
        if compare:
            delta = value - previous[key]
            row.update(
                delta=delta,
                delta_display=format_change(delta, figure.unit),
                previous_display=format_figure(previous[key], figure.unit),
            )
        section["rows"].append(row)
    return list(sections.values())


def index(request: HttpRequest) -> HttpResponse:
    return redirect("keyfigures:year", year=last_complete_year())


def _check_year_has_records(year: int) -> list[int]:
    """The years with records; a year in which nothing was recorded has no figures to publish
    (and a future year would otherwise count the companies active today): 404."""
    _check_year(year)
    years = selectors.years_with_records()
    if year not in years:
        raise Http404(_("Aucun dossier n'est enregistré pour cette année."))
    return years


@public_cache
def year_page(request: HttpRequest, year: int) -> HttpResponse:
    years = _check_year_has_records(year)
    sections = build_sections(year, staff=request.user.is_staff, years=years)
    return render(
        request,
        "keyfigures/year.html",
        {"year": year, "sections": sections, "years": years},
    )


@public_cache
def records_page(request: HttpRequest, year: int, key: str) -> HttpResponse:
    figure = selectors.figure_for_key(key)
    if figure is None:
        raise Http404(_("Ce chiffre clef n'existe pas."))
    _check_year_has_records(year)
    records = figure.records(year)
    value = figure.value_of(records)
    table = drilldown_table(records, request.GET.get("page"))
    return render(
        request,
        "keyfigures/records.html",
        {
            "year": year,
            "figure": figure,
            "label": label_for(figure, value),
            "display": format_figure(value, figure.unit),
            "table": table,
            "admin_url": admin_changelist_url(figure, year) if request.user.is_staff else None,
            "projects_url": projects_list_url(key, year) if figure.lists_projects else None,
        },
    )


# The unit column of the CSV, in words.
UNIT_WORDS = {
    "count": gettext_lazy("nombre"),
    "sum": gettext_lazy("nombre de personnes"),
    "eur": gettext_lazy("euros"),
    "percent": gettext_lazy("pourcentage"),
    "rating": gettext_lazy("note sur 5"),
    "days": gettext_lazy("jours"),
}


def csv_number(value: int | Decimal) -> str:
    """A number as French spreadsheet software reads it: decimal comma, no grouping."""
    number = json_number(value)
    return str(number).replace(".", ",")


@public_cache
def csv_download(request: HttpRequest, year: int) -> HttpResponse:
    """The year's figures for French spreadsheet software: UTF-8 with a byte-order mark, `;`
    between columns, decimal comma, the unit in words. Headers stay French in both languages
    (a file is shared between people), the labels follow the page's language."""
    _check_year_has_records(year)
    catalogue = selectors.figure_catalogue()
    figures = selectors.key_figures_for_year(year, catalogue)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chiffres-clefs-{year}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(["cle", "section", "libelle", "valeur", "unite"])
    for key, figure in catalogue.items():
        writer.writerow(
            [key, selectors.SECTIONS[figure.section], figure.label,
             csv_number(figures[key]), UNIT_WORDS[figure.unit]]
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
    years = selectors.years_with_records()
    sections = build_sections(year, staff=True, years=years)
    context = {
        **admin.site.each_context(request),
        "title": _("Chiffres clefs %(year)s") % {"year": year},
        "year": year,
        "sections": sections,
        "years": sorted(set(years) | {year}, reverse=True),
        "warnings": [
            {"message": warning.message, "records": [_admin_link(r) for r in warning.records]}
            for warning in consistency_warnings(year)
        ],
    }
    return render(request, "admin/keyfigures/dashboard.html", context)
