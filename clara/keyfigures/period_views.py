"""Public pages of the key figures over a span of years, since the creation, and year by year
(the trends). They only read, through `clara.keyfigures.period`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clara.formatting import format_figure
from clara.keyfigures import period, publication, selectors
from clara.keyfigures.drilldown import drilldown_table
from clara.keyfigures.plurals import label_for
from clara.keyfigures.trends import trend_chart
from clara.keyfigures.views import visible_years
from clara.publiccache import public_cache
from programmes.models import Programme


def _check_span(request: HttpRequest, start: int, end: int) -> tuple[list[int], bool]:
    """404 for a span out of bounds, and for the public a span holding a year with records
    that is not published. Returns the years this visitor may see (oldest first) and whether
    the span holds unpublished years (a draft, for staff)."""
    if not period.check_span(start, end):
        raise Http404(_("Période hors de celles que couvrent les chiffres clefs."))
    everything, published = selectors.years_with_records(), publication.published_years()
    unpublished = [year for year in everything if start <= year <= end and year not in published]
    if unpublished and not request.user.is_staff:
        raise Http404(_("Les chiffres de cette période ne sont pas tous publiés."))
    years = everything if request.user.is_staff else [y for y in everything if y in published]
    return sorted(years), bool(unpublished)


def _figure(key: str):
    figure = period.period_figure_for_key(key)
    if figure is None:
        raise Http404(_("Ce chiffre clef n'existe pas."))
    return figure


def _label(figure, value) -> str:
    if isinstance(figure, period.FigureSum):
        return str(figure.label)
    if figure.key == "history.companies":
        return ngettext("entreprise partenaire accompagnée",
                        "entreprises partenaires accompagnées", int(value))
    return label_for(figure, value)


def _row(figure, value, start: int, end: int) -> dict:
    rule = period.rule_of(figure)
    return {
        "key": figure.key,
        "label": _label(figure, value),
        "definition": figure.definition,
        "display": format_figure(value, figure.unit),
        "url": reverse("keyfigures:period_records", args=[start, end, figure.key]),
        "trend_url": reverse("keyfigures:trend", args=[figure.key]),
        "rule": rule,
        "rule_label": period.RULES[rule],
    }


def _history_sections(values: dict, figures: dict, start: int, end: int) -> list[dict]:
    return [{"slug": f"bilan-{slug}", "title": period.HISTORY_SECTIONS[slug],
             "rows": [_row(figures[key], values[key], start, end) for key in keys]}
            for slug, keys in period.HISTORY_LAYOUT]


def _rules() -> list[dict]:
    return [{"rule": rule, "label": label, "definition": period.RULE_DEFINITIONS[rule]}
            for rule, label in period.RULES.items()]


@public_cache
def period_page(request: HttpRequest, start: int, end: int) -> HttpResponse:
    """Every figure of the catalogue over the years `start`–`end`, and the history's."""
    years, draft = _check_span(request, start, end)
    catalogue = selectors.figure_catalogue()
    history = period.history_figures()
    values = period.key_figures_for_period(start, end, {**catalogue, **history})
    sections = _history_sections(values, history, start, end)
    by_section: dict[str, dict] = {}
    for key, figure in catalogue.items():
        by_section.setdefault(figure.section, {
            "slug": figure.section, "title": selectors.SECTIONS[figure.section], "rows": [],
        })["rows"].append(_row(figure, values[key], start, end))
    return render(request, "keyfigures/period.html", {
        "mode": "period", "start": start, "end": end, "single": start == end,
        "groups": [{"title": _("L'essentiel de la période"), "sections": sections},
                   {"title": _("Tous les chiffres clefs"),
                    "sections": list(by_section.values())}],
        "rules": _rules(), "years": years, "draft": draft,
        "beyond": end >= timezone.localdate().year,
    })


def period_choose(request: HttpRequest) -> HttpResponse:
    """The span chosen in the period form (`?de=2003&a=2022`), as its own address; anything
    malformed leads to the history page."""
    try:
        start, end = int(request.GET.get("de", "")), int(request.GET.get("a", ""))
    except ValueError:
        return redirect("keyfigures:history")
    start, end = min(start, end), max(start, end)
    if not period.check_span(start, end):
        return redirect("keyfigures:history")
    return redirect("keyfigures:period", start=start, end=end)


@public_cache
def period_records_page(request: HttpRequest, start: int, end: int, key: str) -> HttpResponse:
    """The records behind one figure over the span (a sum of figures: its parts)."""
    figure = _figure(key)
    _years, draft = _check_span(request, start, end)
    context = {"mode": "records", "start": start, "end": end, "figure": figure, "draft": draft,
               "rule": period.rule_of(figure)}
    context["rule_label"] = period.RULES[context["rule"]]
    context["rule_definition"] = period.RULE_DEFINITIONS[context["rule"]]
    if isinstance(figure, period.FigureSum):
        parts = [period.period_figure_for_key(part) for part in figure.parts]
        values = period.key_figures_for_period(start, end, {part.key: part for part in parts})
        value = sum(values.values())
        context["parts"] = [_row(part, values[part.key], start, end) for part in parts]
        context["table"] = None
    else:
        records = period.period_records(figure, start, end)
        value = figure.value_of(records)
        context["table"] = drilldown_table(records, request.GET.get("page"))
    context.update(label=_label(figure, value), display=format_figure(value, figure.unit))
    return render(request, "keyfigures/period.html", context)


def _counted(singular: str, plural: str, value) -> str:
    return ngettext(singular, plural, int(value)) % {"n": format_figure(value, "count")}


def _headline(values: dict, figures: dict) -> dict:
    """The parts of the history's sentence, each agreeing with its number."""
    def euros(key):
        return format_figure(values[key], "eur")

    return {
        "total": euros("history.total_eur"),
        "public": euros("awards.amount_eur"),
        "projects": _counted("%(n)s projet de recherche", "%(n)s projets de recherche",
                             values["awards.count"]),
        "companies": _counted("%(n)s entreprise partenaire", "%(n)s entreprises partenaires",
                              values["history.companies"]),
        "trials": _counted("%(n)s essai clinique", "%(n)s essais cliniques",
                           values["outcomes.clinical_trials"]),
        "products": _counted("%(n)s produit mis sur le marché",
                             "%(n)s produits mis sur le marché", values["outcomes.products"]),
        "jobs": _counted("%(n)s emploi de R&D", "%(n)s emplois de R&D", values["outcomes.jobs"]),
    }


@public_cache
def history_page(request: HttpRequest) -> HttpResponse:
    """The history figures from the first year with records to the last complete year."""
    published = None if request.user.is_staff else publication.published_years()
    span = period.history_span(selectors.years_with_records(), published)
    context: dict = {"span": span}
    if span is not None:
        start, end = span
        figures = period.history_figures()
        values = period.key_figures_for_period(start, end, figures)
        context.update(
            start=start, end=end, sections=_history_sections(values, figures, start, end),
            headline=_headline(values, figures),
            programmes=[{
                "name": Programme.Kind(kind).label,
                "projects": _row(figures[f"history.{short}.projects"],
                                 values[f"history.{short}.projects"], start, end),
                "amount": _row(figures[f"history.{short}.amount_eur"],
                               values[f"history.{short}.amount_eur"], start, end),
            } for kind, short in period.SHORT.items()],
            rules=_rules(),
        )
    return render(request, "keyfigures/history.html", context)


@public_cache
def trend_page(request: HttpRequest, key: str) -> HttpResponse:
    """One figure for every year with records: a bar chart and its table, each year linking
    to its records."""
    figure = _figure(key)
    years = sorted(visible_years(request)[0])
    values = period.figure_by_year(figure, years)
    yearly = key not in period.OWN_FIGURES and not isinstance(figure, period.FigureSum)
    points = []
    for year, value in values.items():
        url = (reverse("keyfigures:records", args=[year, key]) if yearly
               else reverse("keyfigures:period_records", args=[year, year, key]))
        points.append((year, value, format_figure(value, figure.unit), url))
    chart = trend_chart(points)
    return render(request, "keyfigures/period.html", {
        "mode": "trend", "figure": figure, "label": str(figure.label), "chart": chart,
        "start": years[0] if years else None, "end": years[-1] if years else None,
        "section": (selectors.SECTIONS.get(figure.section)
                    or period.HISTORY_SECTIONS.get(figure.section)),
    })
