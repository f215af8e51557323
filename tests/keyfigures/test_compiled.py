"""Each family's aggregate query is compiled once and run with the bounds of the requested year
(`selectors._aggregate`): it must send exactly what `aggregate()` sends, and give the same
figures, in any year and any current time zone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from clara.keyfigures import selectors
from events.models import Event
from programmes.models import Application, Programme
from tests import factories as f

pytestmark = pytest.mark.django_db

ZONES = ("Europe/Paris", "UTC", "America/Sao_Paulo", "Australia/Sydney")  # summer on 1 January


@pytest.fixture(autouse=True)
def _empty_compiled(monkeypatch):
    """Each test compiles the families itself (and sees which ones could not be)."""
    monkeypatch.setattr(selectors, "_compiled", {})


def _families(catalogue):
    """(family, conditions, aggregates) as `key_figures_for_year` groups the catalogue."""
    by_family = {}
    for figure in catalogue.values():
        by_family.setdefault(figure.family, []).append(figure)
    for family, figures in by_family.items():
        aggregates = {f"f{index}_{part}": aggregate
                      for index, figure in enumerate(figures)
                      for part, aggregate in figure.measure.parts(figure.condition).items()}
        yield family, tuple(figure.condition for figure in figures), aggregates


def _sent(function, *args, **kwargs) -> list[tuple[str, tuple]]:
    """The statements and parameters `function(*args, **kwargs)` sends to the database."""
    statements = []

    def wrapper(execute, sql, params, many, context):
        statements.append((sql, tuple(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function(*args, **kwargs)
    return statements


@pytest.mark.parametrize("zone", ZONES)
def test_each_family_sends_what_aggregate_sends(zone):
    f.SiteFactory(slug="lyon")
    f.SiteFactory(slug="grenoble")
    catalogue = selectors.figure_catalogue()
    with timezone.override(zone):
        for year in (2024, 2025, 1999):  # a leap year, the report's, one before any record
            for family, conditions, aggregates in _families(catalogue):
                records = selectors._family_records(family, conditions, year)
                by_django = _sent(records.aggregate, **aggregates)
                compiled = _sent(selectors._aggregate, family, conditions, aggregates, year)
                assert compiled == by_django, (family, year)
    assert selectors._compiled, "nothing was compiled"
    assert None not in selectors._compiled.values(), "a family fell back to aggregate()"


def _records_on_the_edges_of_2025():
    """Records just inside and just outside 2025, in Paris and in other time zones."""
    research = f.ProgrammeFactory(kind=Programme.Kind.ONCOSTARTER)
    for index, closes_at in enumerate((f.paris(2024, 12, 31, 23, 30), f.paris(2025, 1, 1, 0, 30),
                                       f.paris(2025, 12, 31, 23, 30), f.paris(2026, 1, 1, 0, 30))):
        call = f.CallFactory(programme=research, year=2030 + index, closes_at=closes_at,
                             opens_at=closes_at - dt.timedelta(days=60))
        application = f.ApplicationFactory(call=call, status=Application.Status.SELECTED)
        award = f.AwardFactory(application=application, decided_at=closes_at,
                               amount=Decimal("1000.25"))
        f.ContributionFactory(award=award, amount=Decimal("400.10"))
    for day in (dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 12, 31)):
        f.EventFactory(kind=Event.Kind.FORUM, role=Event.Role.ORGANISED, start_date=day,
                       end_date=day + dt.timedelta(days=1), participants=10)
    for year in (2024, 2025):
        f.TeamCensusFactory(year=year)
    f.WorkingGroupFactory(started_on=dt.date(2025, 12, 31), ended_on=None)


@pytest.mark.parametrize("zone", ZONES)
def test_compiled_figures_are_those_of_aggregate(zone, monkeypatch):
    _records_on_the_edges_of_2025()
    catalogue = selectors.figure_catalogue()
    with timezone.override(zone):
        compiled = {year: selectors.key_figures_for_year(year, catalogue)
                    for year in (2024, 2025, 2026)}
        assert None not in selectors._compiled.values()
        monkeypatch.setattr(selectors, "_compile", lambda *args: None)
        monkeypatch.setattr(selectors, "_compiled", {})
        by_django = {year: selectors.key_figures_for_year(year, catalogue)
                     for year in (2024, 2025, 2026)}
    assert compiled == by_django
    # Calls closing on 31 December at 23:30 and on 1 January at 00:30 in Paris: in 2026 in
    # Paris, one; west of Paris the 1 January one closed in 2025; in Sydney both in 2026.
    assert sum(compiled[year]["calls.count"] for year in compiled) == 4
    in_2026 = {"Europe/Paris": 1, "UTC": 0, "America/Sao_Paulo": 0, "Australia/Sydney": 2}
    assert compiled[2026]["calls.count"] == in_2026[zone]
    assert compiled[2025]["awards.amount_eur"] == Decimal("2000.50")


def test_a_compiled_family_follows_the_current_time_zone():
    """A call closing at 00:30 in Paris on 1 January 2025 closed in 2024 in UTC: the family
    compiled in Paris is not reused for UTC."""
    f.CallFactory(closes_at=f.paris(2025, 1, 1, 0, 30),
                  opens_at=f.paris(2024, 11, 1))
    with timezone.override("Europe/Paris"):
        assert selectors.key_figures_for_year(2025)["calls.count"] == 1
        assert selectors.key_figures_for_year(2024)["calls.count"] == 0
    with timezone.override("UTC"):
        assert selectors.key_figures_for_year(2025)["calls.count"] == 0
        assert selectors.key_figures_for_year(2024)["calls.count"] == 1


def test_a_family_compiled_once_serves_every_year():
    f.SiteFactory(slug="lyon")
    selectors.key_figures_for_year(2025)
    compiled = dict(selectors._compiled)
    for year in (2020, 2024, 2026):
        selectors.key_figures_for_year(year)
    assert selectors._compiled == compiled


def test_a_constant_equal_to_a_sentinel_year_is_not_replaced():
    """Were a figure to compare a column with the sentinel year itself, replacing it would
    change its meaning: the two sentinels disagree and the family falls back to aggregate()."""
    sentinel = selectors.SENTINEL_YEARS[0]
    f.TeamCensusFactory(year=2025, researchers=7, doctoral_students=0)
    f.TeamCensusFactory(year=2025, researchers=sentinel, doctoral_students=0)
    f.TeamCensusFactory(year=2024, researchers=sentinel, doctoral_students=0)
    catalogue = {
        "test.researchers": selectors.Figure("test.researchers", "network", "", "", "census",
                                             selectors.total(selectors.RESEARCHERS)),
        "test.odd": selectors.Figure("test.odd", "network", "", "", "census", selectors.count(),
                                     selectors.Q(researchers=sentinel)),
    }
    values = selectors.key_figures_for_year(2025, catalogue)
    assert values == {"test.researchers": 7 + sentinel, "test.odd": 1}
    assert list(selectors._compiled.values()) == [None]
