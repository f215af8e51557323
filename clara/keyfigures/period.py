"""The key figures over a span of years, the figures of the history "since the creation", and
each figure year by year (the trends).

Every figure is still the catalogue's (clara/keyfigures/selectors.py): its family, its condition
and its measure. A span only changes which records the family holds. Each family has here its
span version (`SPAN_FAMILIES`): a base queryset, a condition `within(start, end)` true for the
records of at least one year of the span, and, for the families whose entities are recorded
again each year, which of those records stand for the period (`latest`). For a single year the
span family is exactly the yearly family, and over a span it is exactly their union (tests
check both for every family, on random records and on the demo data).

How each kind of figure is counted over a period (the rule is shown beside each figure):

- `sum` — records that belong to one year only (applications, calls, awards, contributions,
  investments, events and their speakers, posters and prizes, outcomes, support and
  international actions): counting or summing them over the span's records is the sum of the
  yearly figures. The days of events are summed the same way.
- `once` — entities that can be counted in several years: companies active in oncology,
  working groups, innovation domains, entry keys, funders, the partner companies of Preuve du
  Concept projects, the countries of mobilities (a `count_distinct` measure) and the projects
  of the yearly statuses. The span family holds each entity once (a company active in 2023
  and 2024 counts once); a project's statuses keep, for each status, its latest year of the
  span (a project ongoing in 2023 and 2024 counts once among the ongoing projects).
- `latest` — the team census: each team once, with its latest census of the span; the
  headcounts (researchers, health professionals) are those of that census, never the sum of
  a team's censuses over several years (that would count the same people again each year).
- `recomputed` — shares and means (the public evenings' survey): recomputed over all the
  span's records, never an average of the yearly values.

Each family is asked once for the whole span (conditional aggregation over a date range): the
figures of any span cost the same number of queries, one per family, whether the span covers
one year or twenty. The trend of one figure is one query for every year
(`figure_by_year`: the same conditional aggregation with one filter per year).

The history figures (`HISTORY_FIGURES`) are catalogue-shaped figures too (family, condition,
measure), or the sum of two of them (`FigureSum`), and get the same drill-downs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from clara.keyfigures import selectors
from clara.keyfigures.selectors import Figure, count, total
from clara.network.models import Organisation, TeamCensus
from events.models import (
    Event,
    EventSpeaker,
    InternationalAction,
    Poster,
    Prize,
    SurveyResponse,
    WorkingGroup,
)
from funding.models import Award, CompanyInvestment, Contribution, Funder
from programmes.models import Application, Call, InnovationDomain, Programme, Track
from projects.models import Outcome, ProjectYearStatus, SupportAction

P = Programme.Kind
MIN_YEAR, MAX_YEAR = 1900, 2100


# --- Families over a span --------------------------------------------------------------------


def _years(path: str, start: int, end: int) -> Q:
    """The date or date-time at `path` falls in a year of the span (Europe/Paris, as `__year`
    does for the yearly families)."""
    return Q(**{f"{path}__year__gte": start, f"{path}__year__lte": end})


def _active(first: str, last: str, start: int, end: int) -> Q:
    """An activity period (`first`, `last` or none) overlapping a year of the span."""
    return Q(**{f"{first}__year__lte": end}) & (
        Q(**{f"{last}__isnull": True}) | Q(**{f"{last}__year__gte": start}))


@dataclass(frozen=True)
class SpanFamily:
    """The records of a family over the years `start`–`end`.

    `within(start, end)`: the records of at least one year of the span (the union of the
    yearly families). `latest(start, end)`, for records made again each year about the same
    entity, keeps those that stand for the period (see the module's docstring)."""

    base: Callable[[], QuerySet]
    within: Callable[[int, int], Q]
    latest: Callable[[int, int], Q] | None = None

    def records(self, start: int, end: int) -> QuerySet:
        records = self.base().filter(self.within(start, end))
        if self.latest is not None and start != end:
            # A single year holds one record per entity (unique team and year, project and
            # year): nothing to choose.
            records = records.filter(self.latest(start, end))
        return records


def _latest_census(start: int, end: int) -> Q:
    later = TeamCensus.objects.filter(team=OuterRef("team"), year__gt=OuterRef("year"),
                                      year__lte=end)
    return ~Q(Exists(later))


def _latest_status(start: int, end: int) -> Q:
    later = ProjectYearStatus.objects.filter(project=OuterRef("project"),
                                             status=OuterRef("status"),
                                             year__gt=OuterRef("year"), year__lte=end)
    return ~Q(Exists(later))


def _submitted():
    return Application.objects.submitted()


def _event_years(start: int, end: int) -> Q:
    return _years("event__start_date", start, end)


def _poc_partner_companies(start: int, end: int) -> Q:
    partners = Application.partner_companies.through.objects.filter(
        _years("application__award__decided_at", start, end),
        application__call__programme__kind=P.PROOF_OF_CONCEPT,
    )
    return Q(pk__in=partners.values("organisation_id"))


SPAN_FAMILIES: dict[str, SpanFamily] = {
    "census": SpanFamily(TeamCensus.objects.all,
                         lambda s, e: Q(year__gte=s, year__lte=e), _latest_census),
    "companies": SpanFamily(
        lambda: Organisation.objects.filter(kind=Organisation.Kind.COMPANY,
                                            develops_oncology_products=True),
        lambda s, e: _active("active_from", "active_until", s, e)),
    "calls": SpanFamily(Call.objects.all, lambda s, e: _years("closes_at", s, e)),
    "tracks": SpanFamily(Track.objects.all, lambda s, e: Q(pk__in=Call.objects.filter(
        _years("closes_at", s, e), programme__kind=P.ONCOSTARTER).values("track_id"))),
    "applications": SpanFamily(_submitted, lambda s, e: _years("call__closes_at", s, e)),
    "domains": SpanFamily(InnovationDomain.objects.all, lambda s, e: Q(pk__in=_submitted().filter(
        _years("call__closes_at", s, e)).values("domain_id"))),
    "awards": SpanFamily(Award.objects.all, lambda s, e: _years("decided_at", s, e)),
    "contributions": SpanFamily(Contribution.objects.all,
                                lambda s, e: _years("award__decided_at", s, e)),
    "oncostarter_funders": SpanFamily(Funder.objects.all, lambda s, e: Q(
        pk__in=Contribution.objects.filter(
            _years("award__decided_at", s, e),
            award__application__call__programme__kind=P.ONCOSTARTER).values("funder_id"))),
    "investments": SpanFamily(CompanyInvestment.objects.all,
                              lambda s, e: _years("award__decided_at", s, e)),
    "statuses": SpanFamily(ProjectYearStatus.objects.all,
                           lambda s, e: Q(year__gte=s, year__lte=e), _latest_status),
    "support": SpanFamily(SupportAction.objects.all, lambda s, e: _years("date", s, e)),
    "outcomes": SpanFamily(Outcome.objects.all, lambda s, e: _years("date", s, e)),
    "events": SpanFamily(Event.objects.all, lambda s, e: _years("start_date", s, e)),
    "speakers": SpanFamily(EventSpeaker.objects.all, _event_years),
    "posters": SpanFamily(Poster.objects.all, _event_years),
    "prizes": SpanFamily(Prize.objects.all, _event_years),
    "surveys": SpanFamily(SurveyResponse.objects.all, _event_years),
    "working_groups": SpanFamily(WorkingGroup.objects.all,
                                 lambda s, e: _active("started_on", "ended_on", s, e)),
    "international": SpanFamily(InternationalAction.objects.all,
                                lambda s, e: _years("start_date", s, e)),
    # History only: the partner companies of the Preuve du Concept awards decided in the span.
    "poc_companies": SpanFamily(Organisation.objects.all, _poc_partner_companies),
}


def _span_family(family: str) -> SpanFamily:
    """The span version of `family`; a family added to the catalogue without one is the union
    of its yearly families (correct, one subquery per year)."""
    if family in SPAN_FAMILIES:
        return SPAN_FAMILIES[family]

    def within(start: int, end: int) -> Q:
        return reduce(operator.or_, (Q(pk__in=selectors.FAMILIES[family](year).values("pk"))
                                     for year in range(start, end + 1)))

    return SpanFamily(lambda: selectors.FAMILIES[family](MIN_YEAR).model._default_manager.all(),
                      within)


# --- How each figure is counted over a period ------------------------------------------------

SUM, ONCE, LATEST, RECOMPUTED = "sum", "once", "latest", "recomputed"
RULES = {
    SUM: _("additionné"),
    ONCE: _("compté une fois"),
    LATEST: _("dernier recensement"),
    RECOMPUTED: _("recalculé"),
}
RULE_DEFINITIONS = {
    SUM: _("Somme des chiffres de chaque année : chaque dossier appartient à une seule année."),
    ONCE: _("Chaque entreprise, groupe, domaine, clef d'entrée, financeur, pays ou projet est "
            "compté une seule fois sur la période, même s'il revient plusieurs années."),
    LATEST: _("Chaque équipe est comptée une fois, avec son dernier recensement de la "
              "période : les effectifs ne s'additionnent pas d'une année sur l'autre."),
    RECOMPUTED: _("Part ou moyenne recalculée sur toutes les réponses de la période, et non "
                  "moyenne des chiffres annuels."),
}
ENTITY_FAMILIES = frozenset({"companies", "working_groups", "domains", "tracks",
                             "oncostarter_funders", "poc_companies", "statuses"})


def _counts_distinct(figure: Figure) -> bool:
    return any(isinstance(part, Count) and part.distinct
               for part in figure.measure.parts(None).values())


def rule_of(figure) -> str:
    """How `figure` is counted over a period (see the module's docstring)."""
    if isinstance(figure, FigureSum):
        return SUM
    if figure.family == "census":
        return LATEST
    if figure.family in ENTITY_FAMILIES or _counts_distinct(figure):
        return ONCE
    if figure.unit in ("percent", "rating"):
        return RECOMPUTED
    return SUM


def period_records(figure: Figure, start: int, end: int) -> QuerySet:
    """The records behind `figure` over the span: its span family filtered by its condition.
    Its measure over them (`figure.value_of`) is the period's figure."""
    records = _span_family(figure.family).records(start, end)
    return records.filter(figure.condition) if figure.condition is not None else records


# --- History figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureSum:
    """A figure that adds up other figures (all in euros): its drill-down is theirs."""

    key: str
    section: str
    label: object
    definition: object
    parts: tuple[str, ...]
    unit: str = "eur"
    lists_projects: bool = False
    condition: None = field(default=None)


HISTORY_SECTIONS = {
    "history": _("Depuis la création"),
    "programmes": _("Par programme"),
    "poc": _("Preuve du Concept : argent public et investissement des entreprises"),
    "outcomes": _("Résultats des projets financés"),
}

PROGRAMME = "application__call__programme__kind"
SHORT = {P.ONCOSTARTER: "oncostarter", P.PROOF_OF_CONCEPT: "poc", P.STRUCTURING: "structuring"}


def _programme_figures() -> list[Figure]:
    figures = []
    for kind, short in SHORT.items():
        name = Programme.Kind(kind).label
        figures += [
            Figure(f"history.{short}.projects", "programmes",
                   format_lazy(_("projets financés — {programme}"), programme=name),
                   _("Financements décidés pour les projets de ce programme (date de décision, "
                     "heure de Paris)."), "awards", count(), Q(**{PROGRAMME: kind}),
                   lists_projects=True),
            Figure(f"history.{short}.amount_eur", "programmes",
                   format_lazy(_("décidés pour les projets — {programme}"), programme=name),
                   _("Somme des montants des financements décidés pour les projets de ce "
                     "programme."), "awards", total("amount", "eur"), Q(**{PROGRAMME: kind}),
                   lists_projects=True),
        ]
    return figures


# Figures defined here; the others named by the history pages are the catalogue's.
OWN_FIGURES: dict[str, Figure] = {figure.key: figure for figure in [
    Figure("history.company_investment_eur", "history",
           _("d'investissement prévu par les entreprises partenaires"),
           _("Investissements prévus des entreprises partenaires sur les financements des "
             "programmes de recherche."), "investments", total("planned_amount", "eur"),
           Q(award__application__call__programme__kind__in=Programme.RESEARCH_KINDS)),
    Figure("history.companies", "history", _("entreprises partenaires accompagnées"),
           _("Entreprises partenaires des projets Preuve du Concept financés, comptées une "
             "fois chacune."), "poc_companies", count()),
    *_programme_figures(),
]}

TOTAL = FigureSum(
    "history.total_eur", "history", _("pour la recherche et l'innovation"),
    _("Financements publics des programmes de recherche et investissement prévu par les "
      "entreprises partenaires."), ("awards.amount_eur", "history.company_investment_eur"))

# The history pages, in order: (section, keys).
HISTORY_LAYOUT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("history", ("history.total_eur", "awards.amount_eur", "history.company_investment_eur",
                 "awards.count", "history.companies")),
    ("programmes", tuple(f"history.{short}.{what}" for short in SHORT.values()
                         for what in ("projects", "amount_eur"))),
    ("poc", ("history.poc.projects", "poc.public_eur", "poc.company_investment_eur")),
    ("outcomes", ("outcomes.clinical_trials", "outcomes.products", "outcomes.jobs")),
)


def history_figures() -> dict[str, Figure | FigureSum]:
    """Every figure of the history pages, catalogue's and own, by key (no query)."""
    found = {**{key: selectors.FIGURES[key] for _s, keys in HISTORY_LAYOUT for key in keys
                if key in selectors.FIGURES}, **OWN_FIGURES, TOTAL.key: TOTAL}
    return {key: found[key] for _s, keys in HISTORY_LAYOUT for key in keys}


def period_figure_for_key(key: str) -> Figure | FigureSum | None:
    """A catalogue figure or a history figure by its key (a site figure costs one query)."""
    if key == TOTAL.key:
        return TOTAL
    if key in OWN_FIGURES:
        return OWN_FIGURES[key]
    return selectors.figure_for_key(key)


# --- Computing figures over a span ------------------------------------------------------------


def check_span(start: int, end: int) -> bool:
    return MIN_YEAR <= start <= end <= MAX_YEAR


def key_figures_for_period(start: int, end: int, figures: dict | None = None) -> dict:
    """Every figure of `figures` (default: the catalogue then the history's own figures) over
    the years `start`–`end`, keyed like `figures`. One query per family whatever the span
    (plus one to list the sites when no figures are given)."""
    if figures is None:
        figures = {**selectors.figure_catalogue(), **OWN_FIGURES, TOTAL.key: TOTAL}
    plain = {key: f for key, f in figures.items() if not isinstance(f, FigureSum)}
    sums = {key: f for key, f in figures.items() if isinstance(f, FigureSum)}
    for figure_sum in sums.values():
        for part in figure_sum.parts:
            plain.setdefault(part, period_figure_for_key(part))
    by_family: dict[str, list[Figure]] = {}
    for figure in plain.values():
        by_family.setdefault(figure.family, []).append(figure)
    results: dict = {}
    for family, members in by_family.items():
        records = _span_family(family).records(start, end).order_by()
        conditions = [figure.condition for figure in members]
        if all(condition is not None for condition in conditions):
            records = records.filter(reduce(operator.or_, conditions))
        aggregates = {f"f{index}_{part}": aggregate for index, figure in enumerate(members)
                      for part, aggregate in figure.aggregates.items()}
        row = records.aggregate(**aggregates)
        for index, figure in enumerate(members):
            results[figure.key] = figure.measure.finish(
                {part: row[f"f{index}_{part}"] for part in figure.aggregates})
    for key, figure_sum in sums.items():
        results[key] = sum((results[part] for part in figure_sum.parts), Decimal(0))
    return {key: results[key] for key in figures}


def figure_by_year(figure: Figure | FigureSum, years: list[int]) -> dict[int, int | Decimal]:
    """`figure` for each year of `years` (any order), each equal to its yearly value: one
    query for all the years (a filtered aggregate per year), one per part of a sum."""
    if not years:
        return {}
    if isinstance(figure, FigureSum):
        parts = [figure_by_year(period_figure_for_key(key), years) for key in figure.parts]
        return {year: sum((part[year] for part in parts), Decimal(0)) for year in years}
    span = _span_family(figure.family)
    records = span.base().filter(span.within(min(years), max(years))).order_by()
    if figure.condition is not None:
        records = records.filter(figure.condition)
    aggregates = {f"y{year}_{part}": aggregate for year in years
                  for part, aggregate in figure.measure.parts(span.within(year, year)).items()}
    row = records.aggregate(**aggregates)
    parts = figure.measure.parts(None)
    return {year: figure.measure.finish({part: row[f"y{year}_{part}"] for part in parts})
            for year in sorted(years)}


def history_span(years: list[int] | None = None,
                 published: list[int] | None = None) -> tuple[int, int] | None:
    """From the first year with records to the last complete one (the year before the
    current one, Paris), or None when no complete year has records. With `published` (the
    public's view), the history stops before the first year with records not published: it
    never adds up figures the public may not see."""
    last_complete = timezone.localdate().year - 1
    years = selectors.years_with_records() if years is None else years
    years = sorted(year for year in years if year <= last_complete)
    if published is not None:
        shown = []
        for year in years:
            if year not in published:
                break
            shown.append(year)
        years = shown
    if not years:
        return None
    return years[0], years[-1]
