"""The edges of each figure's definition: the records just inside and just outside it. These
tests were written against the survivors of `scripts/mutation.py` on the key-figures module:
each one fails if a condition of the catalogue is dropped or loosened."""

import datetime as dt
from decimal import Decimal

import pytest

from clara.keyfigures.selectors import key_figures_for_year
from events.models import Event
from funding.models import Funder
from programmes.models import Application, Programme, Track
from tests import factories as f

pytestmark = pytest.mark.django_db


def _programme(kind):
    return f.ProgrammeFactory(kind=kind)


def _award(kind, decided_at, amount="1000", **call):
    application = f.ApplicationFactory(
        call=f.CallFactory(programme=_programme(kind), **call),
        status=Application.Status.SELECTED,
    )
    return f.AwardFactory(application=application, decided_at=decided_at, amount=Decimal(amount))


def test_tracks_count_only_oncostarter_calls():
    other = _programme(Programme.Kind.OTHER)
    f.CallFactory(programme=other, track=f.TrackFactory(programme=other, code=Track.Code.BLANC))
    assert key_figures_for_year(2025)["oncostarter.tracks"] == 0
    onco = _programme(Programme.Kind.ONCOSTARTER)
    f.CallFactory(programme=onco, track=f.TrackFactory(programme=onco, code=Track.Code.BLANC))
    assert key_figures_for_year(2025)["oncostarter.tracks"] == 1


def test_ligue_committees_count_only_oncostarter_awards_of_the_year():
    ligue = f.FunderFactory(kind=Funder.Kind.LIGUE_COMMITTEE)
    poc = _award(Programme.Kind.PROOF_OF_CONCEPT, f.paris(2025, 7, 1, 12))
    f.ContributionFactory(award=poc, funder=ligue, amount=Decimal("1000"))
    earlier = _award(Programme.Kind.ONCOSTARTER, f.paris(2024, 7, 1, 12))
    f.ContributionFactory(award=earlier, funder=ligue, amount=Decimal("1000"))
    assert key_figures_for_year(2025)["oncostarter.ligue_committees"] == 0
    onco = _award(Programme.Kind.ONCOSTARTER, f.paris(2025, 7, 1, 12))
    f.ContributionFactory(award=onco, funder=ligue, amount=Decimal("1000"))
    assert key_figures_for_year(2025)["oncostarter.ligue_committees"] == 1


@pytest.mark.parametrize(("started", "ended", "active"), [
    (dt.date(2025, 12, 31), None, True),
    (dt.date(2026, 1, 1), None, False),
    (dt.date(2020, 1, 1), dt.date(2025, 1, 1), True),
    (dt.date(2020, 1, 1), dt.date(2024, 12, 31), False),
])
def test_working_groups_active_when_their_period_overlaps_the_year(started, ended, active):
    f.WorkingGroupFactory(started_on=started, ended_on=ended)
    assert key_figures_for_year(2025)["working_groups.count"] == int(active)


def test_money_figures_keep_their_cents_as_decimals():
    _award(Programme.Kind.ONCOSTARTER, f.paris(2025, 7, 1, 12), amount="100.50")
    figures = key_figures_for_year(2025)
    assert figures["awards.amount_eur"] == Decimal("100.50")
    assert isinstance(figures["awards.amount_eur"], Decimal)
    assert isinstance(figures["awards.count"], int)
    assert isinstance(figures["events.participants"], int)


def test_sessions_of_an_event_are_not_counted_as_events():
    forum = f.EventFactory(kind=Event.Kind.FORUM, role=Event.Role.ORGANISED)
    f.EventFactory(kind=Event.Kind.TRAINING, role=Event.Role.ORGANISED, parent=forum)
    assert key_figures_for_year(2025)["events.count"] == 1


def test_supported_events_exclude_those_clara_organised():
    f.EventFactory(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.ORGANISED)
    assert key_figures_for_year(2025)["supported_events.count"] == 0
    f.EventFactory(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.SUPPORTED)
    assert key_figures_for_year(2025)["supported_events.count"] == 1


def test_forum_speakers_are_those_of_the_forum_only():
    f.EventSpeakerFactory(event=f.EventFactory(kind=Event.Kind.CONFERENCE))
    assert key_figures_for_year(2025)["forum.speakers"] == 0
    f.EventSpeakerFactory(event=f.EventFactory(kind=Event.Kind.FORUM))
    assert key_figures_for_year(2025)["forum.speakers"] == 1


def test_supported_events_poster_prizes_only_clara_poster_prizes_at_supported_events():
    supported = f.EventFactory(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.SUPPORTED)
    organised = f.EventFactory(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.ORGANISED)
    forum = f.EventFactory(kind=Event.Kind.FORUM, role=Event.Role.SUPPORTED)
    f.PrizeFactory(event=organised)
    f.PrizeFactory(event=forum)
    f.PrizeFactory(event=supported, startup_trophy=True)
    f.PrizeFactory(event=supported, awarded_by_clara=False)
    assert key_figures_for_year(2025)["supported_events.poster_prizes"] == 0
    f.PrizeFactory(event=supported)
    assert key_figures_for_year(2025)["supported_events.poster_prizes"] == 1


def test_satisfaction_figures_read_only_public_evening_surveys():
    conference = f.EventFactory(kind=Event.Kind.CONFERENCE)
    f.SurveyResponseFactory(event=conference, would_recommend=False, rating=1)
    evening = f.EventFactory(kind=Event.Kind.PUBLIC_EVENING)
    f.SurveyResponseFactory(event=evening, would_recommend=True, rating=5)
    figures = key_figures_for_year(2025)
    assert figures["public_evenings.recommend_pct"] == 100
    assert figures["public_evenings.rating"] == Decimal("5.0")


def test_ligue_committees_are_funders_of_that_kind_only():
    onco = _award(Programme.Kind.ONCOSTARTER, f.paris(2025, 7, 1, 12))
    f.ContributionFactory(award=onco, funder=f.FunderFactory(kind=Funder.Kind.NATIONAL_BODY))
    assert key_figures_for_year(2025)["oncostarter.ligue_committees"] == 0


def test_company_investments_count_only_proof_of_concept_awards():
    onco = _award(Programme.Kind.ONCOSTARTER, f.paris(2025, 7, 1, 12))
    f.CompanyInvestmentFactory(award=onco, planned_amount=Decimal("5000"))
    assert key_figures_for_year(2025)["poc.company_investment_eur"] == Decimal("0")
    poc = _award(Programme.Kind.PROOF_OF_CONCEPT, f.paris(2025, 7, 1, 12))
    f.CompanyInvestmentFactory(award=poc, planned_amount=Decimal("7000"))
    assert key_figures_for_year(2025)["poc.company_investment_eur"] == Decimal("7000")


def test_mobility_countries_are_those_of_mobilities_only():
    from events.models import InternationalAction

    f.InternationalActionFactory(kind=InternationalAction.Kind.DELEGATION, country="JP")
    f.InternationalActionFactory(kind=InternationalAction.Kind.MOBILITY, country="CA")
    assert key_figures_for_year(2025)["international.mobility_countries"] == 1


def test_unknown_keys_have_no_figure_nor_records():
    from clara.keyfigures.selectors import figure_for_key, figure_records

    f.SiteFactory(slug="lyon")
    assert figure_for_key("nope") is None
    assert figure_for_key("sites.nowhere.researchers") is None
    assert figure_for_key("sites.lyon.nothing") is None
    assert figure_for_key("sites.lyon.researchers").key == "sites.lyon.researchers"
    with pytest.raises(KeyError):
        figure_records("nope", 2025)


def test_years_with_records_include_census_years():
    from clara.keyfigures.selectors import years_with_records

    f.TeamCensusFactory(year=2021)
    f.EventFactory(start_date=dt.date(2019, 3, 1))
    assert years_with_records() == [2021, 2019]


def test_company_investments_count_in_the_year_of_their_award():
    earlier = _award(Programme.Kind.PROOF_OF_CONCEPT, f.paris(2024, 7, 1, 12))
    f.CompanyInvestmentFactory(award=earlier, planned_amount=Decimal("9000"))
    assert key_figures_for_year(2025)["poc.company_investment_eur"] == Decimal("0")
    assert key_figures_for_year(2024)["poc.company_investment_eur"] == Decimal("9000")


def test_money_of_supported_events_and_mobilities_only():
    from events.models import InternationalAction

    grant = f.AwardFactory(amount=Decimal("800"), decided_at=f.paris(2025, 3, 1, 12))
    f.EventFactory(kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.ORGANISED, award=grant)
    trip = f.AwardFactory(amount=Decimal("300"), decided_at=f.paris(2025, 3, 1, 12))
    f.InternationalActionFactory(kind=InternationalAction.Kind.DELEGATION, award=trip)
    figures = key_figures_for_year(2025)
    assert figures["supported_events.subsidies_eur"] == Decimal("0")
    assert figures["international.mobility_eur"] == Decimal("0")
