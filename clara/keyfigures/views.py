"""Views of the yearly key figures: the public page, the drill-down lists, the CSV download and
the staff dashboard. They only read, through `clara.selectors`."""

import csv
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clara.formatting import format_euros, format_figure, format_number
from clara.keyfigures import publication, selectors
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


def build_sections(year: int, *, staff: bool, years: list[int],
                   catalogue: dict | None = None) -> list[dict]:
    """Figures of `year` grouped in the report's sections, with last year's value beside
    (none when nothing was recorded the year before: no growth against an empty year).
    `years` are the years with records (that this visitor may see)."""
    catalogue = catalogue if catalogue is not None else selectors.figure_catalogue()
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
    """The last complete year for staff; for the public, the last complete year if published,
    else the newest published year (none published: 404)."""
    year = last_complete_year()
    if not request.user.is_staff:
        published = publication.published_years()
        if not published:
            raise Http404(_("Aucune année n'est encore publiée."))
        if year not in published:
            year = published[0]
    return redirect("keyfigures:year", year=year)


def visible_years(request: HttpRequest) -> tuple[list[int], list[int]]:
    """The years whose figures `request`'s user may see, newest first, and the published
    ones. Years with records only (a future year would count the companies active today);
    the public sees the published ones, staff all of them (the others as drafts)."""
    years = selectors.years_with_records()
    published = publication.published_years()
    if not request.user.is_staff:
        years = [year for year in years if year in published]
    return years, published


def check_year_visible(request: HttpRequest, year: int) -> tuple[list[int], list[int]]:
    """404 for a year without records, and for the public a year not published."""
    _check_year(year)
    years, published = visible_years(request)
    if year not in years:
        raise Http404(_("Les chiffres de cette année ne sont pas publiés."))
    return years, published


@public_cache
def year_page(request: HttpRequest, year: int) -> HttpResponse:
    years, published = check_year_visible(request, year)
    # Compared with the year before only if this visitor may see it (the public: published).
    sections = build_sections(year, staff=request.user.is_staff, years=years)
    return render(
        request,
        "keyfigures/year.html",
        {"year": year, "sections": sections, "years": years, "published": published,
         "draft": year not in published},
    )


@public_cache
def records_page(request: HttpRequest, year: int, key: str) -> HttpResponse:
    figure = selectors.figure_for_key(key)
    if figure is None:
        raise Http404(_("Ce chiffre clef n'existe pas."))
    _years, published = check_year_visible(request, year)
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
            "draft": year not in published,
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
    check_year_visible(request, year)
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


def report_urls(year: int) -> dict[str, str]:
    """The printed report of `year` in each language (French without a prefix)."""
    urls = {}
    for code in ("fr", "en"):
        with translation.override(code):
            urls[code] = reverse("keyfigures:report", args=[year])
    return urls


def _dashboard_post(request: HttpRequest, year: int) -> HttpResponse:
    """Publish, republish or withdraw the year's figures: a decision of staff allowed to
    publish (the permission to add a publication), with an optional reason."""
    if not request.user.has_perm("keyfigures.add_yearpublication"):
        raise PermissionDenied
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")[:500]
    try:
        if action == "publish":
            republished = publication.publication_in_force(year) is not None
            publication.year_publish(year=year, user=request.user, reason=reason)
            messages.success(request, _("Chiffres %(year)s republiés : les écarts repartent de "
                                        "zéro.") % {"year": year} if republished
                             else _("Chiffres %(year)s publiés.") % {"year": year})
        elif action == "unpublish":
            publication.year_unpublish(year=year, user=request.user, reason=reason)
            messages.success(request, _("Publication des chiffres %(year)s retirée.")
                             % {"year": year})
        else:
            messages.error(request, _("Action inconnue."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("keyfigures-dashboard-year", year=year)


def dashboard(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """Staff dashboard inside the admin: the figures, links to the records, warnings, the
    year's publication and, once published, what the records have changed since."""
    year = year or last_complete_year()
    _check_year(year)
    if request.method == "POST":
        return _dashboard_post(request, year)
    years = selectors.years_with_records()
    catalogue = selectors.figure_catalogue()
    sections = build_sections(year, staff=True, years=years, catalogue=catalogue)
    current = {row["key"]: row["value"] for section in sections for row in section["rows"]}
    publications = publication.publication_history(year)
    in_force = next((p for p in publications if p.ended_at is None), None)
    context = {
        **admin.site.each_context(request),
        "title": _("Chiffres clefs %(year)s") % {"year": year},
        "year": year,
        "sections": sections,
        "years": sorted(set(years) | {year}, reverse=True),
        "has_records": year in years,
        "report_urls": report_urls(year),
        "published_years": publication.published_years(),
        "changes": publication.changes_since_publication(
            year, current, catalogue, publication=in_force) if in_force else None,
        "publications": publications,
        "can_publish": request.user.has_perm("keyfigures.add_yearpublication"),
        "warnings": [
            {"message": warning.message, "records": [_admin_link(r) for r in warning.records]}
            for warning in consistency_warnings(year)
        ],
    }
    return render(request, "admin/keyfigures/dashboard.html", context)
