"""Each key figure moves when, and only when, its records move."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clara.keyfigures.checks import consistency_warnings
from clara.keyfigures.selectors import (
    FIGURES,
    figure_catalogue,
    figure_records,
    key_figures_for_year,
)
from events.models import Event, InternationalAction, Poster, Prize
from funding.models import Funder
from programmes.models import Application, Decision, Programme, Track
from projects.models import ProjectYearStatus
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    CallFactory,
    CompanyFactory,
    CompanyInvestmentFactory,
    ContributionFactory,
    DecisionFactory,
    EventFactory,
    EventSpeakerFactory,
    FundedProjectFactory,
    FunderFactory,
    InternationalActionFactory,
    PosterFactory,
    PrizeFactory,
    ProgrammeFactory,
    ProjectYearStatusFactory,
    SiteFactory,
    SupportActionFactory,
    SurveyResponseFactory,
    TeamCensusFactory,
    TeamFactory,
    TrackFactory,
    WorkingGroupFactory,
    paris,
)

pytestmark = pytest.mark.django_db


def changes(before: dict, after: dict) -> dict:
    """The figures that differ, as {key: after - before}."""
    return {key: after[key] - before[key] for key in before if after[key] != before[key]}


@pytest.fixture
def lyon():
    return SiteFactory(name="Lyon et alentours", slug="lyon")


@pytest.fixture
def oncostarter():
    programme = ProgrammeFactory(name="Oncostarter", slug="oncostarter",
                                 kind=Programme.Kind.ONCOSTARTER)
    return {
        code: CallFactory(programme=programme, track=TrackFactory(programme=programme, code=code),
                          year=2025, slug=f"oncostarter-{code}-2025")
        for code in Track.Code.values
    }


def test_key_figures_empty_year_gives_zeros(lyon):
    figures = key_figures_for_year(1999)
    assert set(figures) == set(FIGURES) | {"sites.lyon.researchers", "sites.lyon.companies"}
    assert all(value == 0 for value in figures.values())


def test_key_figures_census_moves_network_and_site(lyon):
    team = TeamFactory(site=lyon)
    before = key_figures_for_year(2025)
    TeamCensusFactory(team=team, year=2025, researchers=7, doctoral_students=3,
                      health_professionals=4)
    TeamCensusFactory(team=TeamFactory(site=lyon), year=2024, researchers=50)
    assert changes(before, key_figures_for_year(2025)) == {
        "network.teams": 1,
        "network.researchers": 10,
        "network.health_professionals": 4,
        "sites.lyon.researchers": 10,
    }


def test_key_figures_company_counts_while_active(lyon):
    before = key_figures_for_year(2025)
    CompanyFactory(site=lyon, develops_oncology_products=True, active_from=dt.date(2020, 1, 1))
    CompanyFactory(site=lyon, develops_oncology_products=True, active_from=dt.date(2020, 1, 1),
                   active_until=dt.date(2024, 12, 31))
    CompanyFactory(site=lyon, develops_oncology_products=False, active_from=dt.date(2020, 1, 1))
    CompanyFactory(site=lyon, develops_oncology_products=True, active_from=dt.date(2026, 2, 1))
    assert changes(before, key_figures_for_year(2025)) == {
        "network.companies": 1,
        "sites.lyon.companies": 1,
    }


def test_key_figures_withdrawn_application_leaves_applications_not_selected(oncostarter):
    selected = ApplicationFactory(call=oncostarter["blanc"], status=Application.Status.SELECTED)
    other = ApplicationFactory(call=oncostarter["blanc"], status=Application.Status.SUBMITTED)
    ApplicationFactory(call=oncostarter["blanc"], status=Application.Status.DRAFT)
    before = key_figures_for_year(2025)
    assert before["calls.applications"] == 2
    assert before["oncostarter.selected.blanc"] == 1

    other.status = Application.Status.WITHDRAWN
    other.save()

    assert changes(before, key_figures_for_year(2025)) == {
        "calls.applications": -1,
        "oncostarter.submitted": -1,
    }
    assert selected.status == Application.Status.SELECTED


def test_key_figures_selection_counts_per_track(oncostarter):
    before = key_figures_for_year(2025)
    ApplicationFactory(call=oncostarter["interface"], status=Application.Status.SELECTED)
    assert changes(before, key_figures_for_year(2025)) == {
        "calls.applications": 1,
        "oncostarter.submitted": 1,
        "oncostarter.selected": 1,
        "oncostarter.selected.interface": 1,
    }


def test_key_figures_calls_count_by_closing_year_in_paris(oncostarter):
    programme = ProgrammeFactory(kind=Programme.Kind.MOBILITY)
    before = key_figures_for_year(2025)
    # 1 January 2026 00:30 in Paris is still 2025 in UTC: it closes in 2026.
    CallFactory(programme=programme, year=2026, opens_at=paris(2025, 10, 1),
                closes_at=paris(2026, 1, 1, 0, 30))
    assert changes(before, key_figures_for_year(2025)) == {}
    CallFactory(programme=programme, year=2025, opens_at=paris(2025, 10, 1),
                closes_at=paris(2025, 12, 31, 23, 59, 59))
    assert changes(before, key_figures_for_year(2025)) == {"calls.count": 1}


def _oncostarter_award(call, decided_at, amount="40000"):
    application = ApplicationFactory(call=call, status=Application.Status.SELECTED)
    return AwardFactory(application=application, decided_at=decided_at, amount=Decimal(amount))


def test_key_figures_award_decided_late_31_december_paris_counts_that_year(oncostarter):
    before_2025, before_2026 = key_figures_for_year(2025), key_figures_for_year(2026)
    _oncostarter_award(oncostarter["blanc"], paris(2025, 12, 31, 23, 30))
    _oncostarter_award(oncostarter["thematise"], paris(2026, 1, 1, 0, 30), "10000")
    after_2025 = changes(before_2025, key_figures_for_year(2025))
    assert after_2025["awards.count"] == 1
    assert after_2025["awards.amount_eur"] == Decimal("40000")
    after_2026 = changes(before_2026, key_figures_for_year(2026))
    assert after_2026 == {"awards.count": 1, "awards.amount_eur": Decimal("10000")}


def test_key_figures_contributions_and_ligue_committees(oncostarter):
    award = _oncostarter_award(oncostarter["blanc"], paris(2025, 6, 20, 14))
    inca = FunderFactory(kind=Funder.Kind.NATIONAL_BODY)
    before = key_figures_for_year(2025)
    ContributionFactory(award=award, funder=inca, amount=Decimal("20000"))
    ContributionFactory(award=award, funder=FunderFactory(kind=Funder.Kind.LIGUE_COMMITTEE),
                        amount=Decimal("12000"))
    ContributionFactory(award=award, funder=FunderFactory(kind=Funder.Kind.LIGUE_COMMITTEE),
                        amount=Decimal("8000"))
    assert changes(before, key_figures_for_year(2025)) == {
        "oncostarter.amount_eur": Decimal("40000"),
        "oncostarter.ligue_committees": 2,
    }


def test_key_figures_poc_public_money_and_company_investment():
    programme = ProgrammeFactory(kind=Programme.Kind.PROOF_OF_CONCEPT)
    call = CallFactory(programme=programme, year=2025)
    award = AwardFactory(
        application=ApplicationFactory(call=call, status=Application.Status.SELECTED),
        amount=Decimal("250000"), decided_at=paris(2025, 7, 3, 10),
    )
    company = CompanyFactory()
    before = key_figures_for_year(2025)
    region = FunderFactory(kind=Funder.Kind.LOCAL_AUTHORITY)
    ContributionFactory(award=award, funder=region, amount=Decimal("200000"))
    # "alloués par les collectivités territoriales": another kind of funder does not count.
    ContributionFactory(award=award, funder=FunderFactory(kind=Funder.Kind.NATIONAL_BODY),
                        amount=Decimal("50000"))
    CompanyInvestmentFactory(award=award, company=company,
                             planned_amount=Decimal("300000"))
    assert changes(before, key_figures_for_year(2025)) == {
        "poc.public_eur": Decimal("200000"),
        "poc.company_investment_eur": Decimal("300000"),
    }


def test_key_figures_exist_for_every_site():
    grenoble = SiteFactory(name="Grenoble et alentours", slug="grenoble")
    annecy = SiteFactory(name="Annecy et alentours", slug="annecy")
    TeamCensusFactory(team=TeamFactory(site=annecy), year=2025, researchers=4,
                      doctoral_students=1)
    CompanyFactory(site=grenoble)
    figures = key_figures_for_year(2025)
    assert figures["sites.annecy.researchers"] == 5
    assert figures["sites.grenoble.researchers"] == 0
    assert figures["sites.grenoble.companies"] == 1
    assert figures["sites.annecy.companies"] == 0
    assert str(figure_catalogue()["sites.annecy.researchers"].label) == (
        "chercheurs et doctorants en cancérologie — Annecy et alentours"
    )


def test_key_figures_ongoing_projects_per_programme(oncostarter):
    award = _oncostarter_award(oncostarter["blanc"], paris(2024, 6, 1, 12))
    project = FundedProjectFactory(award=award)
    before = key_figures_for_year(2025)
    ProjectYearStatusFactory(project=project, year=2025, status=ProjectYearStatus.Status.ONGOING)
    ProjectYearStatusFactory(project=project, year=2024, status=ProjectYearStatus.Status.ONGOING)
    assert changes(before, key_figures_for_year(2025)) == {"oncostarter.ongoing": 1}
    status = project.year_statuses.get(year=2025)
    status.status = ProjectYearStatus.Status.COMPLETED
    status.save()
    assert changes(before, key_figures_for_year(2025)) == {}


def test_key_figures_forum_workshops_attached_or_not(lyon):
    forum = EventFactory(kind=Event.Kind.FORUM, role=Event.Role.ORGANISED,
                         start_date=dt.date(2025, 11, 13), end_date=dt.date(2025, 11, 14),
                         participants=250, site=lyon)
    before = key_figures_for_year(2025)
    assert before["forum.days"] == 2
    assert before["events.count"] == 1
    EventFactory(kind=Event.Kind.WORKSHOP, role=Event.Role.ORGANISED, parent=forum,
                 start_date=forum.start_date, end_date=forum.start_date, participants=30)
    assert changes(before, key_figures_for_year(2025)) == {
        "forum.workshops": 1,
        "skills.workshops": 1,
    }
    assert consistency_warnings(2025) == []
    stray = EventFactory(kind=Event.Kind.WORKSHOP, role=Event.Role.ORGANISED,
                         start_date=forum.end_date, end_date=forum.end_date, participants=20)
    assert changes(before, key_figures_for_year(2025)) == {
        "forum.workshops": 1,
        "skills.workshops": 2,
    }
    warnings = consistency_warnings(2025)
    assert len(warnings) == 1
    assert warnings[0].records == [stray]


def test_key_figures_forum_content(lyon):
    forum = EventFactory(kind=Event.Kind.FORUM, role=Event.Role.ORGANISED,
                         start_date=dt.date(2025, 11, 13), end_date=dt.date(2025, 11, 14))
    laureate = CompanyFactory()
    before = key_figures_for_year(2025)
    EventSpeakerFactory(event=forum)
    poster = PosterFactory(event=forum, kind=Poster.Kind.SCIENTIFIC)
    PosterFactory(event=forum, kind=Poster.Kind.LAY)
    PrizeFactory(event=forum, kind=Prize.Kind.POSTER_PRIZE, poster=poster)
    PrizeFactory(event=forum, kind=Prize.Kind.STARTUP_TROPHY, poster=None, laureate=laureate)
    assert changes(before, key_figures_for_year(2025)) == {
        "forum.speakers": 1,
        "forum.scientific_posters": 1,
        "forum.lay_posters": 1,
        "forum.poster_prizes": 1,
        "forum.startup_trophies": 1,
    }


def test_key_figures_supported_event_with_subsidy():
    programme = ProgrammeFactory(kind=Programme.Kind.SCIENTIFIC_EVENTS)
    call = CallFactory(programme=programme, year=2025)
    award = AwardFactory(
        application=ApplicationFactory(call=call, status=Application.Status.SELECTED),
        amount=Decimal("900"), decided_at=paris(2025, 4, 2, 10),
    )
    before = key_figures_for_year(2025)
    event = EventFactory(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.SUPPORTED,
                         start_date=dt.date(2025, 5, 20), end_date=dt.date(2025, 5, 21),
                         participants=120, award=award)
    PrizeFactory(event=event, kind=Prize.Kind.POSTER_PRIZE, awarded_by_clara=True)
    assert changes(before, key_figures_for_year(2025)) == {
        "events.count": 1,
        "events.participants": 120,
        "supported_events.count": 1,
        "supported_events.subsidies_eur": Decimal("900"),
        "supported_events.poster_prizes": 1,
    }


def test_key_figures_public_evening_survey():
    evening = EventFactory(kind=Event.Kind.PUBLIC_EVENING, role=Event.Role.ORGANISED,
                           start_date=dt.date(2025, 10, 9), end_date=dt.date(2025, 10, 9),
                           participants=60)
    for rating, recommend in ((5, True), (5, True), (4, True), (4, False), (5, True)):
        SurveyResponseFactory(event=evening, rating=rating, would_recommend=recommend)
    figures = key_figures_for_year(2025)
    assert figures["public_evenings.count"] == 1
    assert figures["public_evenings.participants"] == 60
    assert figures["public_evenings.recommend_pct"] == 80
    assert figures["public_evenings.rating"] == Decimal("4.6")


def test_key_figures_international_actions():
    programme = ProgrammeFactory(kind=Programme.Kind.MOBILITY)
    call = CallFactory(programme=programme, year=2025)
    before = key_figures_for_year(2025)
    for country, amount in (("CA", "500"), ("CA", "600"), ("DE", "700")):
        award = AwardFactory(
            application=ApplicationFactory(call=call, status=Application.Status.SELECTED),
            amount=Decimal(amount), decided_at=paris(2025, 3, 1, 10),
        )
        InternationalActionFactory(kind=InternationalAction.Kind.MOBILITY, country=country,
                                   award=award, start_date=dt.date(2025, 6, 1))
    InternationalActionFactory(kind=InternationalAction.Kind.TEACHING, country="CN",
                               start_date=dt.date(2025, 9, 1), end_date=None)
    InternationalActionFactory(kind=InternationalAction.Kind.DELEGATION, country="CN",
                               start_date=dt.date(2024, 9, 1), end_date=None)
    assert changes(before, key_figures_for_year(2025)) == {
        "calls.applications": 3,  # the three mobility applications
        "international.mobilities": 3,
        "international.mobility_eur": Decimal("1800"),
        "international.mobility_countries": 2,
        "international.teachers": 1,
    }


def test_key_figures_support_actions_and_working_groups():
    before = key_figures_for_year(2025)
    SupportActionFactory(date=dt.date(2025, 1, 1))
    SupportActionFactory(date=dt.date(2024, 12, 31))
    WorkingGroupFactory(started_on=dt.date(2023, 1, 1), ended_on=None)
    WorkingGroupFactory(started_on=dt.date(2020, 1, 1), ended_on=dt.date(2024, 6, 30))
    assert changes(before, key_figures_for_year(2025)) == {
        "support.count": 1,
        "working_groups.count": 1,
    }


def _scenario(n: int, lyon, oncostarter) -> None:
    """n records of every family the figures read."""
    for i in range(n):
        team = TeamFactory(site=lyon)
        TeamCensusFactory(team=team, year=2025)
        CompanyFactory(site=lyon, develops_oncology_products=True,
                       active_from=dt.date(2020, 1, 1))
        award = _oncostarter_award(oncostarter["blanc"], paris(2025, 6, 1, 12))
        ContributionFactory(award=award, amount=award.amount)
        project = FundedProjectFactory(award=award)
        ProjectYearStatusFactory(project=project, year=2025)
        SupportActionFactory(team=team)
        event = EventFactory(kind=Event.Kind.FORUM, role=Event.Role.ORGANISED,
                             start_date=dt.date(2025, 11, 1 + i % 20),
                             end_date=dt.date(2025, 11, 2 + i % 20), participants=10)
        PosterFactory(event=event)
        EventSpeakerFactory(event=event)
        PrizeFactory(event=event)
        SurveyResponseFactory(event=EventFactory(kind=Event.Kind.PUBLIC_EVENING))
        InternationalActionFactory(kind=InternationalAction.Kind.MOBILITY)


def test_key_figures_query_count_does_not_grow_with_records(lyon, oncostarter):
    _scenario(1, lyon, oncostarter)
    with CaptureQueriesContext(connection) as few:
        key_figures_for_year(2025)
    _scenario(10, lyon, oncostarter)
    with CaptureQueriesContext(connection) as many:
        figures = key_figures_for_year(2025)
    assert figures["network.teams"] == 11
    # One query lists the sites, then one per family of records.
    assert len(few.captured_queries) == 21
    assert len(many.captured_queries) == 21


def test_figure_records_match_figure_on_scenario(lyon, oncostarter):
    _scenario(3, lyon, oncostarter)
    catalogue = figure_catalogue()
    figures = key_figures_for_year(2025, catalogue)
    assert {key: figure.value_of(figure_records(key, 2025))
            for key, figure in catalogue.items()} == figures
    counted = {key: figure_records(key, 2025).count() for key, figure in catalogue.items()
               if figure.unit == "count" and key != "international.mobility_countries"}
    assert counted == {key: figures[key] for key in counted}


def test_consistency_warnings_name_the_records(oncostarter, lyon):
    award = _oncostarter_award(oncostarter["blanc"], paris(2025, 6, 1, 12), "40000")
    ContributionFactory(award=award, amount=Decimal("30000"))
    lonely = ApplicationFactory(call=oncostarter["interface"], status=Application.Status.SELECTED)
    event = EventFactory(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.SUPPORTED,
                         start_date=dt.date(2025, 5, 5), end_date=dt.date(2025, 5, 5))
    mobility = InternationalActionFactory(kind=InternationalAction.Kind.MOBILITY,
                                          start_date=dt.date(2025, 6, 1))
    team = TeamFactory(site=lyon)
    award.application.teams.add(team)
    ProjectYearStatusFactory(project=FundedProjectFactory(award=award), year=2025)

    warnings = {str(w.message): w.records for w in consistency_warnings(2025)}

    assert warnings == {
        "1 financement dont les contributions des financeurs ne font pas le montant accordé.":
            [award],
        "1 demande retenue sans financement enregistré.": [lonely],
        "1 équipe portant un projet financé en cours n'a pas de recensement pour l'année.":
            [team],
        "1 manifestation soutenue sans subvention enregistrée.": [event],
        "1 mobilité sans financement enregistré.": [mobility],
    }
    TeamCensusFactory(team=team, year=2025)
    ContributionFactory(award=award, amount=Decimal("10000"))
    assert len(consistency_warnings(2025)) == 3


def test_key_figures_auditions_and_dedicated_info_sessions(oncostarter):
    application = ApplicationFactory(call=oncostarter["thematise"],
                                     status=Application.Status.AUDITION)
    before = key_figures_for_year(2025)
    DecisionFactory(application=application, outcome=Decision.Outcome.AUDITION)
    DecisionFactory(application=application, outcome=Decision.Outcome.AUDITION,
                    committee_date=dt.date(2025, 7, 1))  # a second hearing: one application
    EventFactory(kind=Event.Kind.INFO_SESSION, role=Event.Role.ORGANISED,
                 call=oncostarter["thematise"], participants=40)
    EventFactory(kind=Event.Kind.INFO_SESSION, role=Event.Role.ORGANISED, participants=30)
    assert changes(before, key_figures_for_year(2025)) == {
        "oncostarter.auditions": 1,
        "oncostarter.info_sessions": 1,
        "info_sessions.count": 2,
        "events.count": 2,
        "events.participants": 70,
    }
