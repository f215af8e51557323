"""The yearly key figures of the activity report, computed from the records.

`key_figures_for_year(year)` returns every figure of one year in a fixed number of grouped
queries (twenty, whatever the size of the data), stitched together in Python.
`figure_records(key, year)` returns the queryset of the records behind one figure: the
drill-down lists and the admin filter use it, and the tests check that it agrees with the
figure. Both are built on the same base querysets below, so a definition lives in one place.

How the year is decided (dates are read in Europe/Paris, the project's TIME_ZONE):
- calls and their applications: the call's closing date-time;
- awards, contributions and planned company investments: the award's decision date-time;
- project status and team census: the `year` stored on that yearly record;
- events, international actions and support actions: their (start) date;
- companies and working groups: their activity period overlaps the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Q, Sum
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clara.network.models import Organisation, Team, TeamCensus
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
from projects.models import ProjectYearStatus, SupportAction

P = Programme.Kind
ZERO = Decimal("0")

# Short names used in figure keys for the programme families.
PROGRAMME_KEYS = {
    P.ONCOSTARTER: "oncostarter",
    P.PROOF_OF_CONCEPT: "poc",
    P.STRUCTURING: "structuring",
}
# Kinds of events that count among "événements organisés ou soutenus": workshops are counted
# with the skills, international conferences with the international actions, partnerships
# (the summer school) with the skills.
ANIMATION_ROLES = (Event.Role.ORGANISED, Event.Role.SUPPORTED)


# --- Base querysets: one definition per family of records -------------------------------


def census_rows(year: int):
    """Team census rows of `year`: one per team counted in the network that year."""
    return TeamCensus.objects.filter(year=year)


def oncology_companies(year: int):
    return Organisation.objects.companies_in_oncology(year)


def calls_closing(year: int):
    return Call.objects.closing_in(year)


def applications_counted(year: int):
    """Applications to calls closing in `year`, submitted and not withdrawn."""
    return Application.objects.submitted().filter(call__closes_at__year=year)


def research_awards(year: int):
    """Awards decided in `year` in the research programmes (Oncostarter, PoC, structuring)."""
    return Award.objects.decided_in(year).filter(
        application__call__programme__kind__in=Programme.RESEARCH_KINDS
    )


def contributions_decided(year: int):
    return Contribution.objects.filter(award__decided_at__year=year)


def investments_decided(year: int):
    return CompanyInvestment.objects.filter(award__decided_at__year=year)


def project_statuses(year: int):
    return ProjectYearStatus.objects.filter(year=year)


def support_actions(year: int):
    return SupportAction.objects.filter(date__year=year)


def events_in(year: int):
    return Event.objects.in_year(year)


def animation_events(year: int):
    """Events organised or supported by CLARA in `year`, as the report counts them."""
    return events_in(year).filter(
        parent__isnull=True, role__in=ANIMATION_ROLES, is_international=False
    ).exclude(kind=Event.Kind.WORKSHOP)


def working_groups_active(year: int):
    return WorkingGroup.objects.filter(started_on__year__lte=year).filter(
        Q(ended_on__isnull=True) | Q(ended_on__year__gte=year)
    )


def international_actions(year: int):
    return InternationalAction.objects.in_year(year)


def _supported_events(year: int):
    return events_in(year).filter(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.SUPPORTED)


# --- The figures' catalogue --------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """What one key figure means and where its records are."""

    key: str
    section: str
    label: str
    definition: str
    unit: str = "count"  # count | eur | rating | percent | days | sum
    records: object = None  # callable(year) -> QuerySet of the records behind the figure
    # Set when the figure counts distinct values of a field of its records (not the records).
    distinct_on: str | None = None

    @property
    def admin_model(self):
        return self.records(2000).model if self.records else None


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
    "skills": _("Compétences"),
    "international": _("International"),
}


def _forum_children(year: int, **filters):
    return events_in(year).filter(parent__kind=Event.Kind.FORUM, **filters)


def _programme_applications(kind: str, track: str | None = None, selected: bool = False):
    def records(year: int):
        qs = applications_counted(year).filter(call__programme__kind=kind)
        if track:
            qs = qs.filter(call__track__code=track)
        if selected:
            qs = qs.selected()
        return qs

    return records


def _programme_contributions(kind: str, funder_kind: str | None = None):
    def records(year: int):
        qs = contributions_decided(year).filter(award__application__call__programme__kind=kind)
        if funder_kind:
            qs = qs.filter(funder__kind=funder_kind)
        return qs

    return records


def _ongoing(kind: str):
    def records(year: int):
        return project_statuses(year).filter(
            status=ProjectYearStatus.Status.ONGOING,
            project__award__application__call__programme__kind=kind,
        )

    return records


def _site_census(slug: str):
    return lambda year: census_rows(year).filter(team__site__slug=slug)


def _site_companies(slug: str):
    return lambda year: oncology_companies(year).filter(site__slug=slug)


def _intl(kind: str):
    return lambda year: international_actions(year).filter(kind=kind)


def _event_kind(kind: str):
    return lambda year: events_in(year).filter(kind=kind)


def _build_catalogue() -> list[Figure]:
    f: list[Figure] = []
    add = f.append
    for slug, name in SITE_NAMES.items():
        add(Figure(f"sites.{slug}.researchers", "network",
                   format_lazy(_("chercheurs et doctorants en cancérologie — {site}"), site=name),
                   _("Somme des chercheurs et doctorants des recensements d'équipes de l'année, "
                     "pour les équipes de ce site."), "sum", _site_census(slug)))
    for slug, name in SITE_NAMES.items():
        add(Figure(f"sites.{slug}.companies", "network",
                   format_lazy(
                       _("entreprises développant des produits en cancérologie — {site}"),
                       site=name),
                   _("Entreprises du site développant des produits en cancérologie, actives "
                     "pendant l'année."), "count", _site_companies(slug)))
    add(Figure("network.teams", "year", _("équipes académiques et cliniques"),
               _("Équipes ayant un recensement pour l'année."), "count", census_rows))
    add(Figure("network.researchers", "year", _("chercheurs et doctorants en cancérologie"),
               _("Somme des chercheurs et des doctorants des recensements de l'année."),
               "sum", census_rows))
    add(Figure("network.health_professionals", "year",
               _("professionnels de santé en cancérologie"),
               _("Somme des professionnels de santé des recensements de l'année."),
               "sum", census_rows))
    add(Figure("network.companies", "year", _("entreprises visant le marché de la cancérologie"),
               _("Entreprises développant des produits en cancérologie dont la période "
                 "d'activité couvre l'année."), "count", oncology_companies))
    add(Figure("awards.count", "year", _("projets de recherche financés"),
               _("Financements décidés dans l'année (date de décision, heure de Paris) pour "
                 "Oncostarter, Preuve du Concept et Projets structurants."),
               "count", research_awards))
    add(Figure("awards.amount_eur", "year", _("alloués par le CLARA aux projets de recherche"),
               _("Somme des montants de ces financements."), "eur", research_awards))
    add(Figure("domains.count", "year", _("domaines d'innovation"),
               _("Domaines d'innovation distincts des demandes déposées aux appels clos "
                 "dans l'année."), "count",
               lambda year: InnovationDomain.objects.filter(
                   applications__in=applications_counted(year)).distinct()))
    add(Figure("calls.count", "year", _("appels d'offres"),
               _("Appels dont la clôture tombe dans l'année."), "count", calls_closing))
    add(Figure("calls.applications", "year", _("demandes de financement"),
               _("Demandes déposées (ni brouillon, ni retirée) aux appels clos dans l'année."),
               "count", applications_counted))
    add(Figure("support.count", "year", _("projets accompagnés et conseillés"),
               _("Actions d'accompagnement datées de l'année."), "count", support_actions))

    add(Figure("events.count", "animation", _("événements organisés ou soutenus"),
               _("Événements de l'année organisés ou soutenus par le CLARA, hors ateliers, "
                 "sessions d'un autre événement et actions internationales."),
               "count", animation_events))
    add(Figure("events.participants", "animation", _("personnes réunies"),
               _("Somme des participants de ces événements."), "sum", animation_events))
    add(Figure("working_groups.count", "animation", _("groupes de travail accompagnés"),
               _("Groupes de travail actifs pendant l'année."), "count", working_groups_active))
    add(Figure("info_sessions.count", "animation", _("sessions d'information"),
               _("Sessions d'information de l'année."), "count",
               _event_kind(Event.Kind.INFO_SESSION)))

    forum = _event_kind(Event.Kind.FORUM)
    add(Figure("forum.days", "forum", _("jours"),
               _("Durée du Forum de l'année, en jours."), "days", forum))
    add(Figure("forum.participants", "forum", _("participants"),
               _("Participants du Forum."), "sum", forum))
    add(Figure("forum.speakers", "forum", _("intervenants"), _("Interventions au Forum."),
               "count", lambda year: EventSpeaker.objects.filter(
                   event__in=forum(year))))
    add(Figure("forum.lay_posters", "forum", _("posters vulgarisés"),
               _("Posters vulgarisés présentés au Forum."), "count",
               lambda year: _posters(year, Event.Kind.FORUM, "lay")))
    add(Figure("forum.scientific_posters", "forum", _("posters scientifiques"),
               _("Posters scientifiques présentés au Forum."), "count",
               lambda year: _posters(year, Event.Kind.FORUM, "scientific")))
    add(Figure("forum.poster_prizes", "forum", _("prix du meilleur poster"),
               _("Prix de poster remis au Forum."), "count",
               lambda year: _prizes(year, Prize.Kind.POSTER_PRIZE).filter(
                   event__kind=Event.Kind.FORUM)))
    add(Figure("forum.startup_trophies", "forum", _("trophées à de jeunes start-up"),
               _("Trophées start-up remis au Forum."), "count",
               lambda year: _prizes(year, Prize.Kind.STARTUP_TROPHY).filter(
                   event__kind=Event.Kind.FORUM)))
    add(Figure("forum.workshops", "forum", _("ateliers participatifs"),
               _("Ateliers rattachés au Forum de l'année."), "count",
               lambda year: _forum_children(year, kind=Event.Kind.WORKSHOP)))

    add(Figure("supported_events.count", "supported_events", _("événements soutenus financièrement"),
               _("Manifestations scientifiques de l'année soutenues par le CLARA."), "count",
               _supported_events))
    add(Figure("supported_events.poster_prizes", "supported_events",
               _("prix posters remis par le CLARA"),
               _("Prix de poster remis par le CLARA lors de ces manifestations."), "count",
               lambda year: _prizes(year, Prize.Kind.POSTER_PRIZE).filter(
                   event__in=_supported_events(year), awarded_by_clara=True)))
    add(Figure("supported_events.subsidies_eur", "supported_events", _("de subventions accordées"),
               _("Somme des subventions (financements) de ces manifestations."), "eur",
               _supported_events))

    evenings = _event_kind(Event.Kind.PUBLIC_EVENING)
    add(Figure("public_evenings.count", "public", _("soirée grand public"),
               _("Soirées grand public de l'année."), "count", evenings))
    add(Figure("public_evenings.participants", "public", _("participants"),
               _("Participants des soirées grand public."), "sum", evenings))
    add(Figure("public_evenings.recommend_pct", "public",
               _("recommanderaient la soirée à leurs proches"),
               _("Part des réponses au questionnaire qui recommanderaient la soirée."),
               "percent", lambda year: _survey(year)))
    add(Figure("public_evenings.rating", "public", _("note moyenne"),
               _("Moyenne des notes sur 5 du questionnaire de satisfaction."), "rating",
               lambda year: _survey(year)))

    for kind, section in ((P.ONCOSTARTER, "oncostarter"), (P.PROOF_OF_CONCEPT, "poc"),
                          (P.STRUCTURING, "structuring")):
        short = PROGRAMME_KEYS[kind]
        add(Figure(f"{short}.ongoing", section, _("projets en cours de réalisation et de suivi"),
                   _("Projets financés dont le statut de l'année est « en cours »."),
                   "count", _ongoing(kind)))
        add(Figure(f"{short}.selected", section, _("projets retenus"),
                   _("Demandes retenues aux appels du programme clos dans l'année."),
                   "count", _programme_applications(kind, selected=True)))
    add(Figure("oncostarter.tracks", "oncostarter", _("clefs d'entrée"),
               _("Clefs d'entrée distinctes des appels Oncostarter clos dans l'année."),
               "count", lambda year: Track.objects.filter(
                   calls__in=calls_closing(year).filter(programme__kind=P.ONCOSTARTER)
               ).distinct()))
    add(Figure("oncostarter.submitted", "oncostarter",
               _("projets déposés dans le cadre du programme Émergence"),
               _("Demandes déposées aux appels Oncostarter clos dans l'année."), "count",
               _programme_applications(P.ONCOSTARTER)))
    for code, label in Track.Code.choices:
        add(Figure(f"oncostarter.selected.{code}", "oncostarter",
                   format_lazy(_("projets lauréats Oncostarter {track}"), track=label),
                   _("Demandes retenues à l'appel de cette clef d'entrée."), "count",
                   _programme_applications(P.ONCOSTARTER, track=code, selected=True)))
    add(Figure("oncostarter.auditions", "oncostarter", _("auditions"),
               _("Demandes Oncostarter convoquées en audition (par exemple avec le groupe "
                 "ECLAIR), aux appels clos dans l'année."), "count", _oncostarter_auditions))
    add(Figure("oncostarter.info_sessions", "oncostarter", _("sessions d'information dédiées"),
               _("Sessions d'information de l'année présentant un appel Oncostarter."), "count",
               lambda year: events_in(year).filter(kind=Event.Kind.INFO_SESSION,
                                                   call__programme__kind=P.ONCOSTARTER)))
    add(Figure("oncostarter.amount_eur", "oncostarter", _("alloués aux projets"),
               _("Contributions des financeurs aux financements Oncostarter décidés dans "
                 "l'année."), "eur", _programme_contributions(P.ONCOSTARTER)))
    add(Figure("oncostarter.ligue_committees", "oncostarter",
               _("comités départementaux de la Ligue contre le cancer"),
               _("Comités de la Ligue contribuant à ces financements."), "count",
               lambda year: Funder.objects.filter(
                   contributions__in=_programme_contributions(
                       P.ONCOSTARTER, Funder.Kind.LIGUE_COMMITTEE)(year)).distinct()))
    add(Figure("poc.public_eur", "poc", _("alloués par les collectivités territoriales"),
               _("Contributions des financeurs aux financements Preuve du Concept décidés "
                 "dans l'année."), "eur", _programme_contributions(P.PROOF_OF_CONCEPT)))
    add(Figure("poc.company_investment_eur", "poc",
               _("d'investissement prévu par les entreprises partenaires"),
               _("Investissements prévus des entreprises sur ces financements."), "eur",
               lambda year: investments_decided(year).filter(
                   award__application__call__programme__kind=P.PROOF_OF_CONCEPT)))
    add(Figure("structuring.amount_eur", "structuring", _("de financement global"),
               _("Contributions aux financements Projets structurants décidés dans l'année."),
               "eur", _programme_contributions(P.STRUCTURING)))

    add(Figure("skills.trainings", "skills", _("formations"), _("Formations de l'année."),
               "count", _event_kind(Event.Kind.TRAINING)))
    add(Figure("skills.summer_schools", "skills", _("partenariats avec une école d'été"),
               _("Écoles d'été de l'année."), "count", _event_kind(Event.Kind.SUMMER_SCHOOL)))
    add(Figure("skills.workshops", "skills", _("ateliers participatifs"),
               _("Tous les ateliers participatifs de l'année."), "count",
               _event_kind(Event.Kind.WORKSHOP)))

    M = InternationalAction.Kind
    add(Figure("international.mobilities", "international", _("mobilités de jeunes chercheurs"),
               _("Mobilités commençant dans l'année."), "count", _intl(M.MOBILITY)))
    add(Figure("international.mobility_eur", "international", _("de soutien aux mobilités"),
               _("Somme des financements de ces mobilités."), "eur", _intl(M.MOBILITY)))
    add(Figure("international.mobility_countries", "international", _("pays de destination"),
               _("Pays distincts de destination de ces mobilités."), "count",
               _intl(M.MOBILITY), distinct_on="country"))
    add(Figure("international.conferences", "international",
               _("conférences internationales soutenues"),
               _("Conférences internationales de l'année soutenues par le CLARA."), "count",
               lambda year: events_in(year).filter(kind=Event.Kind.CONFERENCE,
                                                   is_international=True)))
    add(Figure("international.teachers", "international", _("enseignants mobilisés"),
               _("Enseignants de la région mobilisés à l'étranger dans l'année."), "count",
               _intl(M.TEACHING)))
    add(Figure("international.students_hosted", "international", _("étudiants accueillis"),
               _("Étudiants étrangers accueillis dans l'année."), "count",
               _intl(M.STUDENT_HOSTED)))
    add(Figure("international.delegations", "international", _("délégations"),
               _("Délégations de l'année."), "count", _intl(M.DELEGATION)))
    return f


def _oncostarter_auditions(year: int):
    return applications_counted(year).filter(
        call__programme__kind=P.ONCOSTARTER, decisions__outcome=Decision.Outcome.AUDITION
    ).distinct()


def _posters(year: int, event_kind: str, poster_kind: str):
    return Poster.objects.filter(
        event__in=events_in(year).filter(kind=event_kind), kind=poster_kind
    )


def _prizes(year: int, kind: str):
    return Prize.objects.filter(event__start_date__year=year, kind=kind)


def _survey(year: int):
    return SurveyResponse.objects.filter(
        event__in=events_in(year).filter(kind=Event.Kind.PUBLIC_EVENING)
    )


SITE_NAMES = {
    "lyon": "Lyon",
    "grenoble": "Grenoble",
    "clermont-ferrand": "Clermont-Ferrand",
    "saint-etienne": "Saint-Étienne",
}

FIGURES: dict[str, Figure] = {figure.key: figure for figure in _build_catalogue()}


def figure_records(key: str, year: int):
    """The records behind one figure (raises KeyError for an unknown key)."""
    return FIGURES[key].records(year)


# --- Computing all the figures of a year ---------------------------------------------------


def _num(value) -> Decimal:
    return Decimal(value or 0)


def key_figures_for_year(year: int) -> dict[str, int | Decimal]:
    """Every figure of `year`, keyed by its stable dotted key (see FIGURES for definitions).

    Counts are ints, money is a `Decimal` in euros, the rating a `Decimal` with one decimal
    place, percentages ints. A year without records gives zeros.
    """
    out: dict[str, int | Decimal] = dict.fromkeys(FIGURES, 0)

    # 1. Team census per site.
    teams = researchers = health = 0
    for row in census_rows(year).values("team__site__slug").annotate(
        teams=Count("id"),
        researchers=Sum(F("researchers") + F("doctoral_students")),
        health=Sum("health_professionals"),
    ):
        teams += row["teams"]
        researchers += row["researchers"] or 0
        health += row["health"] or 0
        if row["team__site__slug"] in SITE_NAMES:
            out[f"sites.{row['team__site__slug']}.researchers"] = row["researchers"] or 0
    out.update({"network.teams": teams, "network.researchers": researchers,
                "network.health_professionals": health})

    # 2. Companies per site.
    companies = 0
    for row in oncology_companies(year).values("site__slug").annotate(n=Count("id")):
        companies += row["n"]
        if row["site__slug"] in SITE_NAMES:
            out[f"sites.{row['site__slug']}.companies"] = row["n"]
    out["network.companies"] = companies

    # 3. Calls closing in the year.
    out["calls.count"] = calls_closing(year).count()
    out["oncostarter.tracks"] = (
        calls_closing(year).filter(programme__kind=P.ONCOSTARTER, track__isnull=False)
        .values("track").distinct().count()
    )

    # 4. Applications to those calls, by programme, track and status.
    applications = 0
    for row in applications_counted(year).values(
        "call__programme__kind", "call__track__code", "status"
    ).annotate(n=Count("id")):
        applications += row["n"]
        short = PROGRAMME_KEYS.get(row["call__programme__kind"])
        if short == "oncostarter":
            out["oncostarter.submitted"] += row["n"]
        if short and row["status"] == Application.Status.SELECTED:
            out[f"{short}.selected"] += row["n"]
            if short == "oncostarter" and row["call__track__code"]:
                out[f"oncostarter.selected.{row['call__track__code']}"] += row["n"]
    out["calls.applications"] = applications
    out["oncostarter.auditions"] = _oncostarter_auditions(year).count()
    out["domains.count"] = (
        applications_counted(year).filter(domain__isnull=False)
        .values("domain").distinct().count()
    )

    # 5. Research awards decided in the year.
    totals = research_awards(year).aggregate(n=Count("id"), amount=Sum("amount"))
    out["awards.count"] = totals["n"]
    out["awards.amount_eur"] = _num(totals["amount"])

    # 6. Contributions per programme and funder kind.
    for row in contributions_decided(year).values(
        "award__application__call__programme__kind", "funder__kind"
    ).annotate(amount=Sum("amount"), funders=Count("funder", distinct=True)):
        kind = row["award__application__call__programme__kind"]
        amount = _num(row["amount"])
        if kind == P.ONCOSTARTER:
            out["oncostarter.amount_eur"] += amount
            if row["funder__kind"] == Funder.Kind.LIGUE_COMMITTEE:
                out["oncostarter.ligue_committees"] = row["funders"]
        elif kind == P.PROOF_OF_CONCEPT:
            out["poc.public_eur"] += amount
        elif kind == P.STRUCTURING:
            out["structuring.amount_eur"] += amount

    # 7. Planned company investments.
    out["poc.company_investment_eur"] = _num(
        investments_decided(year)
        .filter(award__application__call__programme__kind=P.PROOF_OF_CONCEPT)
        .aggregate(total=Sum("planned_amount"))["total"]
    )

    # 8. Ongoing funded projects per programme.
    for row in project_statuses(year).filter(status=ProjectYearStatus.Status.ONGOING).values(
        "project__award__application__call__programme__kind"
    ).annotate(n=Count("id")):
        short = PROGRAMME_KEYS.get(row["project__award__application__call__programme__kind"])
        if short:
            out[f"{short}.ongoing"] = row["n"]

    # 9. Support actions, working groups.
    out["support.count"] = support_actions(year).count()
    out["working_groups.count"] = working_groups_active(year).count()

    # 10. Events of the year, grouped by what decides where they count.
    for row in events_in(year).values(
        "kind", "role", "is_international", "parent__kind", "call__programme__kind"
    ).annotate(n=Count("id"), participants=Sum("participants"), subsidies=Sum("award__amount")):
        n, participants = row["n"], row["participants"] or 0
        kind, top = row["kind"], row["parent__kind"] is None
        if (top and row["role"] in ANIMATION_ROLES and not row["is_international"]
                and kind != Event.Kind.WORKSHOP):
            out["events.count"] += n
            out["events.participants"] += participants
        if kind == Event.Kind.INFO_SESSION:
            out["info_sessions.count"] += n
            if row["call__programme__kind"] == P.ONCOSTARTER:
                out["oncostarter.info_sessions"] += n
        elif kind == Event.Kind.FORUM:
            out["forum.participants"] += participants
        elif kind == Event.Kind.PUBLIC_EVENING:
            out["public_evenings.count"] += n
            out["public_evenings.participants"] += participants
        elif kind == Event.Kind.TRAINING:
            out["skills.trainings"] += n
        elif kind == Event.Kind.SUMMER_SCHOOL:
            out["skills.summer_schools"] += n
        elif kind == Event.Kind.WORKSHOP:
            out["skills.workshops"] += n
            if row["parent__kind"] == Event.Kind.FORUM:
                out["forum.workshops"] += n
        elif kind == Event.Kind.CONFERENCE and row["is_international"]:
            out["international.conferences"] += n
        elif kind == Event.Kind.SCIENTIFIC_EVENT and row["role"] == Event.Role.SUPPORTED:
            out["supported_events.count"] += n
            out["supported_events.subsidies_eur"] += _num(row["subsidies"])

    # 11. The Forum: its days and what was presented there.
    for forum in events_in(year).filter(kind=Event.Kind.FORUM).values(
        "start_date", "end_date"
    ):
        out["forum.days"] += (forum["end_date"] - forum["start_date"]).days + 1
    forum_ids = events_in(year).filter(kind=Event.Kind.FORUM).values("id")
    out["forum.speakers"] = EventSpeaker.objects.filter(
        event__in=forum_ids
    ).count()
    for row in Poster.objects.filter(
        event__in=forum_ids
    ).values("kind").annotate(n=Count("id")):
        out[f"forum.{row['kind']}_posters"] = row["n"]
    for row in Prize.objects.filter(event__start_date__year=year).values(
        "kind", "event__kind", "event__role", "awarded_by_clara"
    ).annotate(n=Count("id")):
        if row["event__kind"] == Event.Kind.FORUM:
            key = "forum.poster_prizes" if row["kind"] == Prize.Kind.POSTER_PRIZE else (
                "forum.startup_trophies")
            out[key] += row["n"]
        elif (row["event__kind"] == Event.Kind.SCIENTIFIC_EVENT
              and row["event__role"] == Event.Role.SUPPORTED
              and row["kind"] == Prize.Kind.POSTER_PRIZE and row["awarded_by_clara"]):
            out["supported_events.poster_prizes"] += row["n"]

    # 12. Satisfaction survey of the public evenings.
    survey = _survey(year).aggregate(
        n=Count("id"), recommend=Count("id", filter=Q(would_recommend=True)), rating=Avg("rating")
    )
    if survey["n"]:
        out["public_evenings.recommend_pct"] = int(
            (Decimal(100) * survey["recommend"] / survey["n"]).quantize(
                Decimal("1"), rounding=ROUND_HALF_UP)
        )
        out["public_evenings.rating"] = Decimal(str(survey["rating"])).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    # 13. International actions.
    for row in international_actions(year).values("kind").annotate(
        n=Count("id"), amount=Sum("award__amount"), countries=Count("country", distinct=True)
    ):
        kind = row["kind"]
        if kind == InternationalAction.Kind.MOBILITY:
            out["international.mobilities"] = row["n"]
            out["international.mobility_eur"] = _num(row["amount"])
            out["international.mobility_countries"] = row["countries"]
        elif kind == InternationalAction.Kind.TEACHING:
            out["international.teachers"] = row["n"]
        elif kind == InternationalAction.Kind.STUDENT_HOSTED:
            out["international.students_hosted"] = row["n"]
        elif kind == InternationalAction.Kind.DELEGATION:
            out["international.delegations"] = row["n"]

    for key, figure in FIGURES.items():
        if figure.unit in ("eur", "rating"):
            out[key] = _num(out[key])
    return out


def years_with_records() -> list[int]:
    """Years for which the records hold something to report, newest first."""
    years = set(TeamCensus.objects.values_list("year", flat=True).distinct())
    years.update(d.year for d in Call.objects.dates("closes_at", "year"))
    years.update(d.year for d in Event.objects.dates("start_date", "year"))
    return sorted(years, reverse=True)


__all__ = [
    "FIGURES",
    "SECTIONS",
    "Figure",
    "figure_records",
    "key_figures_for_year",
    "years_with_records",
]


# --- Consistency warnings for the staff dashboard ------------------------------------------


def _record_checks(year: int) -> list[tuple]:
    """The checks that are one queryset each: (records to look at, message)."""
    return [
        (
            Award.objects.decided_in(year).with_contributions_total()
            .exclude(contributions_total=F("amount")).select_related("application"),
            ngettext_lazy(
                "%(n)s financement dont les contributions des financeurs ne font pas le montant "
                "accordé.",
                "%(n)s financements dont les contributions des financeurs ne font pas le montant "
                "accordé.",
                "n",
            ),
        ),
        (
            applications_counted(year).selected().filter(award__isnull=True)
            .select_related("call"),
            ngettext_lazy(
                "%(n)s demande retenue sans financement enregistré.",
                "%(n)s demandes retenues sans financement enregistré.",
                "n",
            ),
        ),
        (
            Award.objects.decided_in(year)
            .exclude(application__status=Application.Status.SELECTED)
            .select_related("application"),
            ngettext_lazy(
                "%(n)s financement sur une demande qui n'est pas au statut « retenue ».",
                "%(n)s financements sur des demandes qui ne sont pas au statut « retenue ».",
                "n",
            ),
        ),
        (
            Team.objects.filter(
                applications__award__project__year_statuses__year=year,
                applications__award__project__year_statuses__status=(
                    ProjectYearStatus.Status.ONGOING
                ),
            ).exclude(censuses__year=year).distinct(),
            ngettext_lazy(
                "%(n)s équipe portant un projet financé en cours n'a pas de recensement pour "
                "l'année.",
                "%(n)s équipes portant un projet financé en cours n'ont pas de recensement pour "
                "l'année.",
                "n",
            ),
        ),
        (
            _supported_events(year).filter(award__isnull=True),
            ngettext_lazy(
                "%(n)s manifestation soutenue sans subvention enregistrée.",
                "%(n)s manifestations soutenues sans subvention enregistrée.",
                "n",
            ),
        ),
        (
            international_actions(year).filter(
                kind=InternationalAction.Kind.MOBILITY, award__isnull=True
            ),
            ngettext_lazy(
                "%(n)s mobilité sans financement enregistré.",
                "%(n)s mobilités sans financement enregistré.",
                "n",
            ),
        ),
    ]


@dataclass
class ConsistencyWarning:
    """Something the records make contradictory or suspicious, with the records concerned."""

    message: str
    records: list


def consistency_warnings(year: int) -> list[ConsistencyWarning]:
    """Contradictions the records of `year` hold, each with the records to look at.

    A fixed number of queries: one per kind of check.
    """
    warnings: list[ConsistencyWarning] = []

    forums = list(events_in(year).filter(kind=Event.Kind.FORUM))
    for forum in forums:
        stray = list(
            Event.objects.filter(
                kind=Event.Kind.WORKSHOP,
                start_date__gte=forum.start_date,
                start_date__lte=forum.end_date,
            ).exclude(parent=forum)
        )
        if stray:
            warnings.append(ConsistencyWarning(
                ngettext_lazy(
                    "%(n)s atelier participatif se tient pendant le %(forum)s sans y être "
                    "rattaché : le Forum compte %(linked)s ateliers, l'année %(all)s.",
                    "%(n)s ateliers participatifs se tiennent pendant le %(forum)s sans y être "
                    "rattachés : le Forum compte %(linked)s ateliers, l'année %(all)s.",
                    "n",
                )
                % {"n": len(stray), "forum": forum.title,
                   "linked": forum.sessions.filter(kind=Event.Kind.WORKSHOP).count(),
                   "all": events_in(year).filter(kind=Event.Kind.WORKSHOP).count()},
                stray,
            ))

    for records, message in _record_checks(year):
        found = list(records)
        if found:
            warnings.append(ConsistencyWarning(message % {"n": len(found)}, found))
    return warnings
