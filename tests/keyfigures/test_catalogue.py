"""A figure is written once: the yearly computation and the drill-down both come from its
catalogue entry. On randomly generated records (several seeds), every figure of every year
equals the aggregate of its own drill-down records, in a fixed number of queries."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from clara.keyfigures.selectors import (
    FIGURES,
    Figure,
    count,
    figure_catalogue,
    figure_records,
    key_figures_for_year,
)
from events.models import Event, InternationalAction, Poster
from funding.models import Funder
from programmes.models import Application, Decision, Programme, Track
from projects.models import Outcome, ProjectYearStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

YEARS = (2024, 2025, 2026)


def _day(rng, year):
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _random_records(seed: int) -> None:
    """A few dozen varied records spread over three years."""
    rng = random.Random(seed)
    # The outcomes draw from their own generator: the other records stay those of the seed.
    outcome_rng = random.Random(-seed)
    sites = [f.SiteFactory() for _ in range(3)]
    programmes = {kind: f.ProgrammeFactory(kind=kind) for kind in Programme.Kind.values}
    tracks = {code: f.TrackFactory(programme=programmes["oncostarter"], code=code)
              for code in Track.Code.values}
    funders = [f.FunderFactory(kind=kind) for kind in
               (Funder.Kind.LIGUE_COMMITTEE, Funder.Kind.LOCAL_AUTHORITY,
                rng.choice(Funder.Kind.values))]
    domains = [f.InnovationDomainFactory() for _ in range(3)]
    for site in sites:
        for _ in range(rng.randint(1, 4)):
            team = f.TeamFactory(site=site)
            for year in rng.sample(YEARS, rng.randint(1, 3)):
                f.TeamCensusFactory(team=team, year=year, researchers=rng.randint(0, 30),
                                    doctoral_students=rng.randint(0, 9),
                                    health_professionals=rng.randint(0, 40))
        for _ in range(rng.randint(0, 3)):
            start = rng.choice(YEARS)
            f.CompanyFactory(site=site, active_from=dt.date(start, 3, 1),
                             active_until=rng.choice([None, dt.date(start, 6, 30)]),
                             develops_oncology_products=rng.random() < 0.8)
    for year in YEARS:
        calls = [(kind, programme, tracks[code] if kind == "oncostarter" else None)
                 for kind, programme in programmes.items()
                 for code in (Track.Code.values if kind == "oncostarter" else [None])]
        for kind, programme, track in calls:
            call = f.CallFactory(
                programme=programme, track=track, year=year, budget=Decimal("10000000"),
                opens_at=f.paris(year, 1, 5, 9), closes_at=f.paris(year, 4, 30, 23, 59, 59),
            )
            statuses = [Application.Status.SELECTED] + [
                rng.choice(Application.Status.values) for _ in range(rng.randint(0, 4))
            ]
            for status in statuses:
                application = f.ApplicationFactory(call=call, status=status,
                                                   domain=rng.choice([None, *domains]))
                if rng.random() < 0.3:
                    f.DecisionFactory(application=application,
                                      outcome=Decision.Outcome.AUDITION)
                if status == Application.Status.SELECTED:
                    award = f.AwardFactory(application=application,
                                           amount=Decimal(rng.randint(1, 90) * 1000),
                                           decided_at=f.paris(year, 7, 1, 18))
                    for funder in rng.sample(funders, rng.randint(0, 2)):
                        f.ContributionFactory(award=award, funder=funder,
                                              amount=Decimal(rng.randint(1, 40) * 500))
                    if rng.random() < 0.5:
                        f.CompanyInvestmentFactory(award=award)
                    if kind in Programme.RESEARCH_KINDS:
                        project = f.FundedProjectFactory(award=award)
                        f.ProjectYearStatusFactory(
                            project=project, year=year,
                            status=rng.choice([ProjectYearStatus.Status.ONGOING,
                                               *ProjectYearStatus.Status.values]),
                        )
                        for outcome_kind in outcome_rng.sample(Outcome.Kind.values,
                                                               outcome_rng.randint(0, 3)):
                            f.OutcomeFactory(
                                project=project, kind=outcome_kind,
                                date=_day(outcome_rng, outcome_rng.choice(YEARS)),
                                jobs=outcome_rng.randint(1, 4),
                                amount=Decimal(outcome_rng.randint(1, 9) * 10000))
        f.SupportActionFactory(date=_day(rng, year))
        forum = f.EventFactory(kind=Event.Kind.FORUM, role=Event.Role.ORGANISED,
                               start_date=dt.date(year, 11, 3), end_date=dt.date(year, 11, 4),
                               participants=rng.randint(100, 900))
        for _ in range(rng.randint(0, 3)):
            f.EventSpeakerFactory(event=forum)
            f.PosterFactory(event=forum, kind=rng.choice(Poster.Kind.values))
        f.EventFactory(kind=Event.Kind.WORKSHOP, role=Event.Role.ORGANISED, parent=forum,
                       start_date=forum.start_date, end_date=forum.start_date)
        f.PrizeFactory(event=forum)
        f.PrizeFactory(event=forum, startup_trophy=True)
        supported = f.EventFactory(
            kind=Event.Kind.SCIENTIFIC_EVENT, role=Event.Role.SUPPORTED,
            start_date=dt.date(year, 6, 2), end_date=dt.date(year, 6, 3),
            award=f.AwardFactory(amount=Decimal(rng.randint(1, 9) * 500),
                                 decided_at=f.paris(year, 5, 1, 12)),
        )
        f.PrizeFactory(event=supported, awarded_by_clara=rng.random() < 0.8)
        f.InternationalActionFactory(
            kind=InternationalAction.Kind.MOBILITY, start_date=dt.date(year, 9, 1),
            end_date=None, award=f.AwardFactory(amount=Decimal("600"),
                                                decided_at=f.paris(year, 5, 1, 12)),
        )
        kinds = [k for k in Event.Kind.values if k != Event.Kind.FORUM]
        for kind in kinds + [rng.choice(kinds) for _ in range(rng.randint(0, 4))]:
            start = _day(rng, year)
            event = f.EventFactory(
                kind=kind, role=rng.choice(Event.Role.values),
                start_date=start, end_date=start + dt.timedelta(days=rng.randint(0, 2)),
                participants=rng.choice([None, rng.randint(5, 300)]),
                is_international=rng.random() < 0.2,
                call=rng.choice([None, *programmes["oncostarter"].calls.all()]),
            )
            if event.kind == Event.Kind.PUBLIC_EVENING:
                for _ in range(rng.randint(0, 5)):
                    f.SurveyResponseFactory(event=event, rating=rng.randint(0, 5),
                                            would_recommend=rng.random() < 0.7)
            if rng.random() < 0.3:
                f.PrizeFactory(event=event, awarded_by_clara=rng.random() < 0.7)
            if rng.random() < 0.3:
                f.PrizeFactory(event=event, startup_trophy=True)
        for kind in [*InternationalAction.Kind.values, rng.choice(InternationalAction.Kind.values)]:
            f.InternationalActionFactory(kind=kind,
                                         country=rng.choice(["DE", "CA", "JP"]),
                                         start_date=_day(rng, year), end_date=None)
    f.WorkingGroupFactory(started_on=dt.date(2023, 1, 1), ended_on=dt.date(2025, 3, 1))
    # One result of each kind, so that every outcome figure moves whatever the draw above.
    project = f.FundedProjectFactory()
    for outcome_kind in Outcome.Kind.values:
        f.OutcomeFactory(project=project, kind=outcome_kind, date=dt.date(2025, 5, 5), jobs=2,
                         amount=Decimal("50000"))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_figure_equals_the_aggregate_of_its_drilldown_on_random_records(seed):
    _random_records(seed)
    catalogue = figure_catalogue()
    for year in YEARS:
        figures = key_figures_for_year(year, catalogue)
        from_drilldown = {
            key: figure.value_of(figure_records(key, year)) for key, figure in catalogue.items()
        }
        assert from_drilldown == figures, year
        counts = {key: figure_records(key, year).count() for key, figure in catalogue.items()
                  if figure.unit == "count" and key != "international.mobility_countries"}
        assert counts == {key: figures[key] for key in counts}, year


def test_random_records_move_every_kind_of_figure():
    """The generator above reaches every figure (else the test above proves little)."""
    _random_records(1)
    moved = set()
    for year in YEARS:
        moved |= {key for key, value in key_figures_for_year(year).items() if value}
    assert set(FIGURES) - moved == set()


def test_key_figures_query_count_is_fixed_on_random_records():
    _random_records(2)
    catalogue = figure_catalogue()
    with CaptureQueriesContext(connection) as few:
        key_figures_for_year(2025, catalogue)
    _random_records(3)
    _random_records(4)
    with CaptureQueriesContext(connection) as many:
        key_figures_for_year(2025, catalogue)
    assert len(few.captured_queries) == 20
    assert len(many.captured_queries) == 20


def test_a_new_catalogue_entry_is_computed_and_drilled_down_without_other_code():
    f.CallFactory(budget=Decimal("5"), closes_at=f.paris(2025, 4, 1, 12),
                  opens_at=f.paris(2025, 1, 1, 12))
    f.CallFactory(budget=Decimal("500000"), closes_at=f.paris(2025, 4, 2, 12),
                  opens_at=f.paris(2025, 1, 1, 12))
    extra = Figure("calls.big", "year", "gros appels", "Appels de plus de 100 000 €.", "calls",
                   count(), Q(budget__gt=100000))
    catalogue = {**figure_catalogue(), extra.key: extra}
    assert key_figures_for_year(2025, catalogue)["calls.big"] == 1
    assert extra.value_of(extra.records(2025)) == 1
