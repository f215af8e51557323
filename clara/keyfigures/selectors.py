"""The yearly key figures of the activity report, computed from the records.

A figure is data, defined once in the catalogue below: the family of records it reads (a
base queryset of one year), a condition on those records (a `Q`) and a measure (a count, a
sum, a distinct count, a share, a mean). Nothing else defines it:

- `key_figures_for_year(year)` asks the database once per family, with conditional
  aggregation (`family(year).aggregate(key=Count("pk", filter=condition), ...)`): a fixed
  number of queries (one per family, plus one to list the sites) whatever the size of the data.
  Each family's query is compiled once per process and run with each year's bounds as
  parameters (see "compiled once" below): the same SQL and parameters `aggregate()` sends;
- `figure_records(key, year)` — the drill-down lists and the admin filter — is
  `family(year).filter(condition)`, and the measure applied to it gives the figure again
  (tests check this for every figure, on the demo data and on random records).

Conditions never cross a one-to-many relation inside a family (that would repeat rows in the
family-wide aggregate): such questions are asked with `Exists(...)` or by a family of their own.

How the year is decided (dates are read in Europe/Paris, the project's TIME_ZONE):
- calls and their applications: the call's closing date-time;
- awards, contributions and planned company investments: the award's decision date-time;
- project status and team census: the `year` stored on that yearly record;
- outcomes of funded projects (publications, patents, trials, products, jobs, follow-on
  funding): their date;
- events (and their speakers, posters, prizes, surveys), international actions and support
  actions: their (start) date;
- companies and working groups: their activity period overlaps the year.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache, reduce

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from clara.network.models import Organisation, Site, TeamCensus
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
from programmes.models import Application, Call, Decision, InnovationDomain, Programme, Track
from projects.models import Outcome, ProjectYearStatus, SupportAction

P = Programme.Kind
E = Event.Kind
ZERO = Decimal("0")

# Kinds of events that count among "événements organisés ou soutenus": workshops are counted
# with the skills, international conferences with the international actions.
ANIMATION_ROLES = (Event.Role.ORGANISED, Event.Role.SUPPORTED)


# --- Families: the records of one year ------------------------------------------------------


def _applications(year: int):
    """Applications to calls closing in `year`, submitted and not withdrawn."""
    return Application.objects.submitted().filter(call__closes_at__year=year)


def _contributions(year: int):
    return Contribution.objects.filter(award__decided_at__year=year)


def _events(year: int):
    return Event.objects.in_year(year)


FAMILIES: dict[str, Callable] = {
    "census": lambda year: TeamCensus.objects.filter(year=year),
    "companies": lambda year: Organisation.objects.companies_in_oncology(year),
    "calls": lambda year: Call.objects.closing_in(year),
    # The three families below are the rows named by the year's records (`pk__in` a subquery
    # that starts from the year), not an `Exists` per row: that probed each funder's or
    # domain's records of every year, and grew with the history.
    # Entry keys of the Oncostarter calls closing in the year.
    "tracks": lambda year: Track.objects.filter(pk__in=Call.objects.closing_in(year).filter(
        programme__kind=P.ONCOSTARTER).values("track_id")),
    "applications": _applications,
    # Innovation domains of the applications counted in the year.
    "domains": lambda year: InnovationDomain.objects.filter(
        pk__in=_applications(year).values("domain_id")
    ),
    "awards": lambda year: Award.objects.decided_in(year),
    "contributions": _contributions,
    # Funders of the Oncostarter awards decided in the year.
    "oncostarter_funders": lambda year: Funder.objects.filter(pk__in=_contributions(year).filter(
        award__application__call__programme__kind=P.ONCOSTARTER).values("funder_id")),
    "investments": lambda year: CompanyInvestment.objects.filter(award__decided_at__year=year),
    "statuses": lambda year: ProjectYearStatus.objects.filter(year=year),
    "support": lambda year: SupportAction.objects.filter(date__year=year),
    "outcomes": lambda year: Outcome.objects.filter(date__year=year),
    "events": _events,
    "speakers": lambda year: EventSpeaker.objects.filter(event__start_date__year=year),
    "posters": lambda year: Poster.objects.filter(event__start_date__year=year),
    "prizes": lambda year: Prize.objects.filter(event__start_date__year=year),
    "surveys": lambda year: SurveyResponse.objects.filter(event__start_date__year=year),
    "working_groups": lambda year: WorkingGroup.objects.filter(started_on__year__lte=year).filter(
        Q(ended_on__isnull=True) | Q(ended_on__year__gte=year)
    ),
    "international": lambda year: InternationalAction.objects.in_year(year),
}


# --- Measures: what is computed over the records that meet the condition -------------------


@dataclass(frozen=True)
class Measure:
    """How a figure is computed from its records: aggregate parts (each given the figure's
    condition as `filter`) and the arithmetic that turns them into the published value."""

    parts: Callable[[Q | None], dict]
    finish: Callable[[dict], int | Decimal]
    unit: str


def _int(value) -> int:
    return int(value or 0)


def count() -> Measure:
    return Measure(lambda q: {"n": Count("pk", filter=q)}, lambda r: _int(r["n"]), "count")


def count_distinct(field_name: str) -> Measure:
    return Measure(
        lambda q: {"n": Count(field_name, filter=q, distinct=True)},
        lambda r: _int(r["n"]), "count",
    )


def total(expression, unit: str = "sum") -> Measure:
    """A sum: of people ("sum") or of euros ("eur", a Decimal)."""
    if unit == "eur":
        return Measure(
            lambda q: {"total": Sum(expression, filter=q)},
            lambda r: Decimal(r["total"] or 0), unit,
        )
    return Measure(lambda q: {"total": Sum(expression, filter=q)}, lambda r: _int(r["total"]),
                   unit)


def share(condition: Q) -> Measure:
    """Percentage of the records meeting `condition`, rounded half up to a whole number."""

    def finish(r):
        if not r["all"]:
            return 0
        value = Decimal(100) * r["yes"] / r["all"]
        return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    return Measure(
        lambda q: {"all": Count("pk", filter=q),
                   "yes": Count("pk", filter=condition & q if q else condition)},
        finish, "percent",
    )


def mean(field_name: str) -> Measure:
    """Mean of a rating, rounded half up to one decimal place."""

    def finish(r):
        if r["mean"] is None:
            return ZERO
        return Decimal(str(r["mean"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    return Measure(lambda q: {"mean": Avg(field_name, filter=q)}, finish, "rating")


def days() -> Measure:
    """Days covered by events, first and last day included."""
    span = ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())

    def finish(r):
        return (r["span"].days if r["span"] else 0) + _int(r["n"])

    return Measure(
        lambda q: {"span": Sum(span, filter=q), "n": Count("pk", filter=q)}, finish, "days"
    )


# --- The catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One key figure: what it means, which records it reads and how it is computed."""

    key: str
    section: str
    label: object
    definition: object
    family: str
    measure: Measure
    condition: Q | None = field(default=None)
    # The figure counts funded projects (or sums their awards): it links to the public list
    # of those projects (`funded_projects_behind`).
    lists_projects: bool = False

    @property
    def unit(self) -> str:
        return self.measure.unit

    @property
    def admin_model(self):
        return FAMILIES[self.family](2000).model

    def records(self, year: int):
        """The records behind the figure: its family filtered by its condition."""
        records = FAMILIES[self.family](year)
        return records.filter(self.condition) if self.condition is not None else records

    def value_of(self, records) -> int | Decimal:
        """The figure computed over `records` (its drill-down, or any subset)."""
        return self.measure.finish(records.aggregate(**self.measure.parts(None)))

    @cached_property
    def aggregates(self) -> dict:
        """The measure's aggregate parts filtered by the figure's condition, as the family-wide
        query computes them. Built once: they do not depend on the year (Django copies an
        expression to resolve it, so they are never changed)."""
        return self.measure.parts(self.condition)


SECTIONS = {
    "network": _("Un réseau fertile en oncologie"),
    "year": _("Chiffres clefs de l'année"),
    "animation": _("Animation scientifique"),
    "forum": _("Forum de la recherche en cancérologie"),
    "supported_events": _("Manifestations scientifiques soutenues"),
    "public": _("Grand public"),
    "oncostarter": _("Dispositif de soutien Émergence — Oncostarter"),
    "poc": _("Valorisation et transfert — Preuve du Concept"),
    "structuring": _("Maillage du territoire — Projets structurants"),
    "outcomes": _("Résultats des projets financés"),
    "skills": _("Compétences"),
    "international": _("International"),
}

RESEARCHERS = F("researchers") + F("doctoral_students")
ANIMATION = (
    Q(parent__isnull=True, role__in=ANIMATION_ROLES, is_international=False)
    & ~Q(kind=E.WORKSHOP)
)
SUPPORTED_EVENT = Q(kind=E.SCIENTIFIC_EVENT, role=Event.Role.SUPPORTED)
RESEARCH = Q(application__call__programme__kind__in=Programme.RESEARCH_KINDS)
M = InternationalAction.Kind


def _application_figures() -> list[Figure]:
    kind = "call__programme__kind"
    selected = Q(status=Application.Status.SELECTED)
    figures = [
        Figure("calls.applications", "year", _("demandes de financement"),
               _("Demandes déposées (ni brouillon, ni retirée) aux appels clos dans l'année."),
               "applications", count()),
        Figure("oncostarter.submitted", "oncostarter",
               _("projets déposés dans le cadre du programme Émergence"),
               _("Demandes déposées aux appels Oncostarter clos dans l'année."),
               "applications", count(), Q(**{kind: P.ONCOSTARTER})),
    ]
    for short, programme in (("oncostarter", P.ONCOSTARTER), ("poc", P.PROOF_OF_CONCEPT),
                             ("structuring", P.STRUCTURING)):
        figures.append(Figure(
            f"{short}.selected", short, _("projets retenus"),
            _("Demandes retenues aux appels du programme clos dans l'année."),
            "applications", count(), Q(**{kind: programme}) & selected, lists_projects=True,
        ))
    for code, label in Track.Code.choices:
        figures.append(Figure(
            f"oncostarter.selected.{code}", "oncostarter",
            format_lazy(_("projets lauréats Oncostarter {track}"), track=label),
            _("Demandes retenues à l'appel Oncostarter de cette clef d'entrée."),
            "applications", count(),
            Q(**{kind: P.ONCOSTARTER, "call__track__code": code}) & selected,
            lists_projects=True,
        ))
    figures.append(Figure(
        "oncostarter.auditions", "oncostarter", _("auditions"),
        _("Demandes Oncostarter convoquées en audition (par exemple avec le groupe ECLAIR), aux "
          "appels clos dans l'année."),
        "applications", count(),
        Q(**{kind: P.ONCOSTARTER}) & Q(Exists(Decision.objects.filter(
            application=OuterRef("pk"), outcome=Decision.Outcome.AUDITION))),
    ))
    return figures


def _ongoing(short: str, programme: str) -> Figure:
    return Figure(
        f"{short}.ongoing", short, _("projets en cours de réalisation et de suivi"),
        _("Projets financés du programme dont le statut de l'année est « en cours »."),
        "statuses", count(),
        Q(status=ProjectYearStatus.Status.ONGOING,
          project__award__application__call__programme__kind=programme),
        lists_projects=True,
    )


def _outcome_figures() -> list[Figure]:
    """What the funded projects report as their results, in the year of each result's date
    (recorded by their principal investigators, or by staff)."""
    kind = Outcome.Kind
    return [
        Figure("outcomes.publications", "outcomes", _("publications des projets financés"),
               _("Publications (avec leur DOI) des projets financés, datées de l'année."),
               "outcomes", count(), Q(kind=kind.PUBLICATION)),
        Figure("outcomes.patents", "outcomes", _("brevets déposés"),
               _("Brevets des projets financés, datés de l'année."), "outcomes", count(),
               Q(kind=kind.PATENT)),
        Figure("outcomes.clinical_trials", "outcomes", _("essais cliniques"),
               _("Essais cliniques (avec leur numéro d'enregistrement) issus des projets "
                 "financés, datés de l'année."), "outcomes", count(), Q(kind=kind.CLINICAL_TRIAL)),
        Figure("outcomes.products", "outcomes", _("produits mis sur le marché"),
               _("Produits issus des projets financés mis sur le marché dans l'année."),
               "outcomes", count(), Q(kind=kind.PRODUCT)),
        Figure("outcomes.jobs", "outcomes", _("emplois R&D créés"),
               _("Somme des emplois R&D créés déclarés par les projets financés, datés de "
                 "l'année."), "outcomes", total("jobs"), Q(kind=kind.JOBS)),
        Figure("outcomes.follow_on_eur", "outcomes",
               _("de financements obtenus ensuite par les projets"),
               _("Somme des financements obtenus par les projets financés après le soutien du "
                 "CLARA, datés de l'année."), "outcomes", total("amount", "eur"),
               Q(kind=kind.FOLLOW_ON_FUNDING)),
    ]


def _event_kind(key, section, label, definition, kind, measure=None, **more) -> Figure:
    return Figure(key, section, label, definition, "events", measure or count(),
                  Q(kind=kind, **more))


def _static_catalogue() -> list[Figure]:
    contribution_programme = "award__application__call__programme__kind"
    forum_event = Q(event__kind=E.FORUM)
    return [
        Figure("network.teams", "year", _("équipes académiques et cliniques"),
               _("Équipes ayant un recensement pour l'année."), "census", count()),
        Figure("network.researchers", "year", _("chercheurs et doctorants en cancérologie"),
               _("Somme des chercheurs et des doctorants des recensements de l'année."),
               "census", total(RESEARCHERS)),
        Figure("network.health_professionals", "year",
               _("professionnels de santé en cancérologie"),
               _("Somme des professionnels de santé des recensements de l'année."),
               "census", total("health_professionals")),
        Figure("network.companies", "year", _("entreprises visant le marché de la cancérologie"),
               _("Entreprises développant des produits en cancérologie dont la période "
                 "d'activité couvre l'année."), "companies", count()),
        Figure("awards.count", "year", _("projets de recherche financés"),
               _("Financements décidés dans l'année (date de décision, heure de Paris) pour "
                 "Oncostarter, Preuve du Concept et Projets structurants."),
               "awards", count(), RESEARCH, lists_projects=True),
        Figure("awards.amount_eur", "year", _("alloués par le CLARA aux projets de recherche"),
               _("Somme des montants de ces financements."), "awards", total("amount", "eur"),
               RESEARCH, lists_projects=True),
        Figure("domains.count", "year", _("domaines d'innovation"),
               _("Domaines d'innovation distincts des demandes déposées aux appels clos "
                 "dans l'année."), "domains", count()),
        Figure("calls.count", "year", _("appels d'offres"),
               _("Appels dont la clôture tombe dans l'année."), "calls", count()),
        *_application_figures()[:1],
        Figure("support.count", "year", _("projets accompagnés et conseillés"),
               _("Actions d'accompagnement datées de l'année."), "support", count()),

        Figure("events.count", "animation", _("événements organisés ou soutenus"),
               _("Événements de l'année organisés ou soutenus par le CLARA, hors ateliers, "
                 "sessions d'un autre événement et actions internationales."),
               "events", count(), ANIMATION),
        Figure("events.participants", "animation", _("personnes réunies"),
               _("Somme des participants de ces événements."), "events",
               total("participants"), ANIMATION),
        Figure("working_groups.count", "animation", _("groupes de travail accompagnés"),
               _("Groupes de travail actifs pendant l'année."), "working_groups", count()),
        _event_kind("info_sessions.count", "animation", _("sessions d'information"),
                    _("Sessions d'information de l'année."), E.INFO_SESSION),

        _event_kind("forum.days", "forum", _("jours"),
                    _("Durée du Forum de l'année, en jours (premier et dernier inclus)."),
                    E.FORUM, days()),
        _event_kind("forum.participants", "forum", _("participants"),
                    _("Participants du Forum."), E.FORUM, total("participants")),
        Figure("forum.speakers", "forum", _("intervenants"), _("Interventions au Forum."),
               "speakers", count(), forum_event),
        Figure("forum.lay_posters", "forum", _("posters vulgarisés"),
               _("Posters vulgarisés présentés au Forum."), "posters", count(),
               forum_event & Q(kind=Poster.Kind.LAY)),
        Figure("forum.scientific_posters", "forum", _("posters scientifiques"),
               _("Posters scientifiques présentés au Forum."), "posters", count(),
               forum_event & Q(kind=Poster.Kind.SCIENTIFIC)),
        Figure("forum.poster_prizes", "forum", _("prix du meilleur poster"),
               _("Prix de poster remis au Forum."), "prizes", count(),
               forum_event & Q(kind=Prize.Kind.POSTER_PRIZE)),
        Figure("forum.startup_trophies", "forum", _("trophées à de jeunes start-up"),
               _("Trophées start-up remis au Forum."), "prizes", count(),
               forum_event & Q(kind=Prize.Kind.STARTUP_TROPHY)),
        _event_kind("forum.workshops", "forum", _("ateliers participatifs"),
                    _("Ateliers rattachés au Forum de l'année."), E.WORKSHOP,
                    parent__kind=E.FORUM),

        Figure("supported_events.count", "supported_events",
               _("événements soutenus financièrement"),
               _("Manifestations scientifiques de l'année soutenues par le CLARA."),
               "events", count(), SUPPORTED_EVENT),
        Figure("supported_events.poster_prizes", "supported_events",
               _("prix posters remis par le CLARA"),
               _("Prix de poster remis par le CLARA lors de ces manifestations."), "prizes",
               count(),
               Q(event__kind=E.SCIENTIFIC_EVENT, event__role=Event.Role.SUPPORTED,
                 kind=Prize.Kind.POSTER_PRIZE, awarded_by_clara=True)),
        Figure("supported_events.subsidies_eur", "supported_events", _("de subventions accordées"),
               _("Somme des subventions (financements) de ces manifestations."), "events",
               total("award__amount", "eur"), SUPPORTED_EVENT),

        _event_kind("public_evenings.count", "public", _("soirée grand public"),
                    _("Soirées grand public de l'année."), E.PUBLIC_EVENING),
        _event_kind("public_evenings.participants", "public", _("participants"),
                    _("Participants des soirées grand public."), E.PUBLIC_EVENING,
                    total("participants")),
        Figure("public_evenings.recommend_pct", "public",
               _("recommanderaient la soirée à leurs proches"),
               _("Part des réponses au questionnaire des soirées grand public qui "
                 "recommanderaient la soirée."),
               "surveys", share(Q(would_recommend=True)), Q(event__kind=E.PUBLIC_EVENING)),
        Figure("public_evenings.rating", "public", _("note moyenne"),
               _("Moyenne des notes sur 5 du questionnaire de satisfaction des soirées grand "
                 "public."), "surveys", mean("rating"), Q(event__kind=E.PUBLIC_EVENING)),

        _ongoing("oncostarter", P.ONCOSTARTER),
        *_application_figures()[1:],
        Figure("oncostarter.tracks", "oncostarter", _("clefs d'entrée"),
               _("Clefs d'entrée distinctes des appels Oncostarter clos dans l'année."),
               "tracks", count()),
        _event_kind("oncostarter.info_sessions", "oncostarter", _("sessions d'information dédiées"),
                    _("Sessions d'information de l'année présentant un appel Oncostarter."),
                    E.INFO_SESSION, call__programme__kind=P.ONCOSTARTER),
        Figure("oncostarter.amount_eur", "oncostarter", _("alloués aux projets"),
               _("Contributions des financeurs aux financements Oncostarter décidés dans "
                 "l'année."), "contributions", total("amount", "eur"),
               Q(**{contribution_programme: P.ONCOSTARTER})),
        Figure("oncostarter.ligue_committees", "oncostarter",
               _("comités départementaux de la Ligue contre le cancer"),
               _("Comités de la Ligue contribuant aux financements Oncostarter décidés dans "
                 "l'année."), "oncostarter_funders", count(),
               Q(kind=Funder.Kind.LIGUE_COMMITTEE)),

        _ongoing("poc", P.PROOF_OF_CONCEPT),
        Figure("poc.public_eur", "poc", _("alloués par les collectivités territoriales"),
               _("Contributions des collectivités territoriales aux financements Preuve du "
                 "Concept décidés dans l'année."), "contributions", total("amount", "eur"),
               Q(**{contribution_programme: P.PROOF_OF_CONCEPT},
                 funder__kind=Funder.Kind.LOCAL_AUTHORITY)),
        Figure("poc.company_investment_eur", "poc",
               _("d'investissement prévu par les entreprises partenaires"),
               _("Investissements prévus des entreprises sur les financements Preuve du Concept "
                 "décidés dans l'année."), "investments", total("planned_amount", "eur"),
               Q(**{contribution_programme: P.PROOF_OF_CONCEPT})),

        _ongoing("structuring", P.STRUCTURING),
        Figure("structuring.amount_eur", "structuring", _("de financement global"),
               _("Contributions aux financements Projets structurants décidés dans l'année."),
               "contributions", total("amount", "eur"),
               Q(**{contribution_programme: P.STRUCTURING})),

        *_outcome_figures(),

        _event_kind("skills.trainings", "skills", _("formations"), _("Formations de l'année."),
                    E.TRAINING),
        _event_kind("skills.summer_schools", "skills", _("partenariats avec une école d'été"),
                    _("Écoles d'été de l'année."), E.SUMMER_SCHOOL),
        _event_kind("skills.workshops", "skills", _("ateliers participatifs"),
                    _("Tous les ateliers participatifs de l'année."), E.WORKSHOP),

        Figure("international.mobilities", "international", _("mobilités de jeunes chercheurs"),
               _("Mobilités commençant dans l'année."), "international", count(),
               Q(kind=M.MOBILITY)),
        Figure("international.mobility_eur", "international", _("de soutien aux mobilités"),
               _("Somme des financements de ces mobilités."), "international",
               total("award__amount", "eur"), Q(kind=M.MOBILITY)),
        Figure("international.mobility_countries", "international", _("pays de destination"),
               _("Pays distincts de destination de ces mobilités."), "international",
               count_distinct("country"), Q(kind=M.MOBILITY)),
        _event_kind("international.conferences", "international",
                    _("conférences internationales soutenues"),
                    _("Conférences internationales de l'année soutenues par le CLARA."),
                    E.CONFERENCE, is_international=True),
        Figure("international.teachers", "international", _("enseignants mobilisés"),
               _("Enseignants de la région mobilisés à l'étranger dans l'année."),
               "international", count(), Q(kind=M.TEACHING)),
        Figure("international.students_hosted", "international", _("étudiants accueillis"),
               _("Étudiants étrangers accueillis dans l'année."), "international", count(),
               Q(kind=M.STUDENT_HOSTED)),
        Figure("international.delegations", "international", _("délégations"),
               _("Délégations de l'année."), "international", count(), Q(kind=M.DELEGATION)),
    ]


# Figures that do not depend on the records (keys known without the database).
FIGURES: dict[str, Figure] = {figure.key: figure for figure in _static_catalogue()}


def site_figures(site: Site) -> list[Figure]:
    """The network's figures for one site: every `Site` record has them."""
    return [
        Figure(f"sites.{site.slug}.researchers", "network",
               format_lazy(_("chercheurs et doctorants en cancérologie — {site}"), site=site.name),
               _("Somme des chercheurs et doctorants des recensements d'équipes de l'année, "
                 "pour les équipes de ce site."),
               "census", total(RESEARCHERS), Q(team__site_id=site.pk)),
        Figure(f"sites.{site.slug}.companies", "network",
               format_lazy(_("entreprises développant des produits en cancérologie — {site}"),
                           site=site.name),
               _("Entreprises du site développant des produits en cancérologie, actives "
                 "pendant l'année."), "companies", count(), Q(site_id=site.pk)),
    ]


def figure_catalogue() -> dict[str, Figure]:
    """Every figure: the per-site ones first (one query lists the sites), then the others, in
    the order of the report."""
    per_site = [figure for site in Site.objects.order_by("position", "name")
                for figure in site_figures(site)]
    researchers = [f for f in per_site if f.key.endswith(".researchers")]
    companies = [f for f in per_site if f.key.endswith(".companies")]
    return {f.key: f for f in [*researchers, *companies, *FIGURES.values()]}


def figure_for_key(key: str) -> Figure | None:
    """One figure by its key, or None (a site figure costs one query)."""
    if key in FIGURES:
        return FIGURES[key]
    if key.startswith("sites."):
        slug = key.split(".")[1]
        site = Site.objects.filter(slug=slug).first()
        if site is not None:
            return {f.key: f for f in site_figures(site)}.get(key)
    return None


# From a family's records to their funded project, for the figures that list projects.
PROJECT_PATHS = {"awards": "project", "applications": "award__project", "statuses": "project"}


def funded_projects_behind(key: str, year: int):
    """The label of figure `key` and the primary keys of the funded projects behind its value
    in `year` (a subquery), or None when the figure does not list projects. The public list
    of funded projects filters on it (`/projets/?chiffre=<key>&exercice=<year>`): the link of
    a figure shows exactly its records."""
    figure = FIGURES.get(key)
    if figure is None or not figure.lists_projects:
        return None
    path = PROJECT_PATHS[figure.family]
    return figure.label, (figure.records(year).filter(**{f"{path}__isnull": False})
                          .values(f"{path}__pk"))


def figure_records(key: str, year: int):
    """The records behind one figure (raises KeyError for an unknown key)."""
    figure = figure_for_key(key)
    if figure is None:
        raise KeyError(key)
    return figure.records(year)


# --- Computing all the figures of a year ----------------------------------------------------


def key_figures_for_year(year: int, catalogue: dict[str, Figure] | None = None) -> dict:
    """Every figure of `year`, keyed by its stable dotted key, in catalogue order.

    One query per family (conditional aggregation), plus one to list the sites unless a
    catalogue is given. Counts are ints, money is a `Decimal` in euros, the rating a
    `Decimal` with one decimal place, percentages ints. A year without records gives zeros.
    """
    catalogue = catalogue if catalogue is not None else figure_catalogue()
    by_family: dict[str, list[Figure]] = {}
    for figure in catalogue.values():
        by_family.setdefault(figure.family, []).append(figure)
    results: dict[str, int | Decimal] = {}
    for family, figures in by_family.items():
        aggregates = {f"f{index}_{part}": aggregate
                      for index, figure in enumerate(figures)
                      for part, aggregate in figure.aggregates.items()}
        conditions = tuple(figure.condition for figure in figures)
        row = _aggregate(family, conditions, aggregates, year)
        for index, figure in enumerate(figures):
            results[figure.key] = figure.measure.finish(
                {part: row[f"f{index}_{part}"] for part in figure.aggregates})
    return {key: results[key] for key in catalogue}


def _family_records(family: str, conditions: tuple[Q | None, ...], year: int):
    """The rows of `family` that the aggregates of figures with these `conditions` read."""
    records = FAMILIES[family](year).order_by()
    if all(condition is not None for condition in conditions):
        # A row that meets none of the figures' conditions counts in no aggregate (each is
        # filtered by its figure's condition): leaving it out lets the database read only the
        # others (the year's ongoing statuses, not all of them).
        records = records.filter(reduce(operator.or_, conditions))
    return records


# --- Each family's query: compiled once, run with the bounds of each year -------------------
#
# `family(year).aggregate(**aggregates)` spent almost as long in Python as in the database:
# building, resolving and compiling some 70 filtered aggregates (joins, lookups, `Exists`)
# took ~28 ms a year at national scale, against ~34 ms of queries. Nothing in that depends on
# the year but the parameters Django derives from it: the year itself (`year=2025`) and the
# bounds of `__year` lookups (`closes_at BETWEEN '2025-01-01 00:00+01:00' AND …`, and dates).
# So each family's query is compiled once per process for a sentinel year, and run for any
# year with the sentinel's parameters replaced by that year's — computed by the same functions
# of the database backend that Django's lookups call, in the current time zone.
#
# It is used only when it is exactly what Django would run: the family is compiled for two
# sentinel years, and the SQL must be the same and the replacement must turn the first
# parameters into the second (a constant that happened to equal a sentinel bound would fail
# this). Otherwise — or when the query is not a plain filter Django aggregates in one SELECT —
# the family is computed by `aggregate()` at every call. tests/keyfigures checks that the
# SQL and parameters are those `aggregate()` sends, and the figures on SQLite and PostgreSQL.

SENTINEL_YEARS = (2101, 2102)  # past the years a record may have (TeamCensus: 2000–2100)
INTEGER_FIELDS = ("SmallIntegerField", "IntegerField", "BigIntegerField",
                  "PositiveSmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField")


def _year_parameters(ops, year: int) -> list:
    """The query parameters Django derives from `year`, in a fixed order, as the backend (its
    `connection.ops`) adapts them: the year compared with an integer column (psycopg 3 wraps
    it: `Int2(2025)`), the bounds of a date's year and those of a date-time's year in the
    current time zone (aware date-times on PostgreSQL, UTC strings on SQLite)."""
    return [year, *(ops.adapt_integerfield_value(year, kind) for kind in INTEGER_FIELDS),
            *ops.year_lookup_bounds_for_date_field(year),
            *ops.year_lookup_bounds_for_datetime_field(year)]


@lru_cache(maxsize=64)
def _year_replacements(ops, zone: str, old: int, new: int) -> dict:
    """{(type, parameter derived from `old`): the same derived from `new`}; `zone`, the current
    time zone's name, is only part of the cache key (the bounds are computed in it)."""
    return {(type(before), before): after for before, after in
            zip(_year_parameters(ops, old), _year_parameters(ops, new), strict=True)}


def _replace_year(params: tuple, connection, old: int, new: int) -> tuple:
    """`params` with every parameter derived from the year `old` replaced by the same one
    derived from `new` (compared with its type: 2101 the integer is not 2101.0)."""
    replacements = _year_replacements(connection.ops, timezone.get_current_timezone_name(),
                                      old, new)

    def replace(value):
        try:
            return replacements.get((type(value), value), value)
        except TypeError:  # an unhashable parameter (a list) is not a year
            return value

    return tuple(replace(value) for value in params)


@dataclass(frozen=True)
class _CompiledAggregate:
    """One family's aggregate query, compiled for `SENTINEL_YEARS[0]`."""

    query: object  # the resolved `sql.Query`: its columns give the result converters
    sql: str
    params: tuple

    def run(self, connection, year: int) -> dict:
        params = _replace_year(self.params, connection, SENTINEL_YEARS[0], year)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        # What `Query.get_aggregation` does with the row: the backend's and the output
        # fields' converters (SQLite returns sums of decimals as floats, durations as ints).
        compiler = self.query.get_compiler(connection=connection)
        columns = self.query.annotation_select
        converters = compiler.get_converters(columns.values())
        return dict(zip(columns, next(compiler.apply_converters((row,), converters)),
                        strict=True))


def _compile(records, aggregates: dict, connection) -> _CompiledAggregate | None:
    """`records.aggregate(**aggregates)` compiled, not run; None when Django would need more
    than one plain SELECT (an inner query for existing annotations, grouping, DISTINCT, a
    slice or a combination) or finds the query empty (then `aggregate()` answers itself).

    These are the steps of `Query.get_aggregation` (Django 5.2) for a query without any
    of those: the aggregates resolved against the query and selected alone, no ordering."""
    query = records.query.chain()
    if (query.annotations or query.group_by is not None or query.distinct or query.is_sliced
            or query.combinator or query.extra):
        return None
    resolved = {alias: aggregate.resolve_expression(query, allow_joins=True, reuse=None,
                                                    summarize=True)
                for alias, aggregate in aggregates.items()}
    query.select = ()
    query.default_cols = False
    query.annotations = resolved
    query.set_annotation_mask(resolved)
    query.clear_ordering(force=True)
    query.select_for_update = False
    query.select_related = False
    try:
        sql, params = query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return None
    return _CompiledAggregate(query, sql, tuple(params))


# (connection alias, vendor, current time zone, family, its figures' conditions, aggregates):
# the compiled query, or None when the family is computed by `aggregate()` at every call. A
# few entries per catalogue (a site added or renamed makes new ones); emptied when it grows
# past the limit.
_compiled: dict[tuple, _CompiledAggregate | None] = {}
_COMPILED_LIMIT = 256
_NOT_YET = object()


def _aggregate(family: str, conditions: tuple, aggregates: dict, year: int) -> dict:
    """`_family_records(family, conditions, year).aggregate(**aggregates)` on the default
    database (the project has no router), from the family's compiled query when it has one."""
    # This thread's connection itself, not the `django.db.connection` proxy: the converters
    # read it once per aggregate, and each read through the proxy is a thread-local lookup.
    connection = connections[DEFAULT_DB_ALIAS]
    key = (connection.alias, connection.vendor, timezone.get_current_timezone_name(),
           family, FAMILIES[family], conditions, tuple(aggregates.items()))
    compiled = _compiled.get(key, _NOT_YET)
    if compiled is _NOT_YET:
        first, second = (_compile(_family_records(family, conditions, sentinel), aggregates,
                                  connection) for sentinel in SENTINEL_YEARS)
        usable = (first is not None and second is not None and first.sql == second.sql
                  and _replace_year(first.params, connection, *SENTINEL_YEARS)
                  == second.params)
        compiled = first if usable else None
        if len(_compiled) >= _COMPILED_LIMIT:
            _compiled.clear()
        _compiled[key] = compiled
    if compiled is None:
        return _family_records(family, conditions, year).aggregate(**aggregates)
    return compiled.run(connection, year)


def years_with_records() -> list[int]:
    """Years for which the records hold something to report, newest first: never a year
    after the current one (Paris), and a call only once it has closed. A call open today, or
    announced, closing next year, must not publish next year's page, whose figures would
    count today's companies and nothing else."""
    now = timezone.now()
    this_year = timezone.localdate(now).year
    years = set(TeamCensus.objects.order_by().values_list("year", flat=True).distinct())
    # Closed as `CallQuerySet.open_at` says: the closing second is still open.
    closed = Call.objects.filter(closes_at__lte=now - timedelta(seconds=1))
    years.update(d.year for d in closed.dates("closes_at", "year"))
    years.update(d.year for d in Event.objects.dates("start_date", "year"))
    return sorted((year for year in years if year <= this_year), reverse=True)


# Kept for the consistency checks and the drill-downs that name these families.
def applications_counted(year: int):
    return FAMILIES["applications"](year)


def events_in(year: int):
    return FAMILIES["events"](year)


def supported_events(year: int):
    return events_in(year).filter(SUPPORTED_EVENT)


__all__ = [
    "FAMILIES",
    "FIGURES",
    "SECTIONS",
    "Figure",
    "figure_catalogue",
    "figure_for_key",
    "figure_records",
    "key_figures_for_year",
    "years_with_records",
]
