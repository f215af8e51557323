"""The demo data reproduce the 2025 activity report, figure by figure, from records.

The demo is loaded once for the module inside a transaction that is rolled back at the end,
so the other tests still start from an empty database.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from clara.keyfigures.checks import consistency_warnings
from clara.keyfigures.drilldown import drilldown_table
from clara.keyfigures.selectors import (
    figure_catalogue,
    figure_records,
    key_figures_for_year,
)
from projects.search import Filters, project_search

# The module's tests read only what the fixture computed, but the mark makes pytest-django set up
# the test database for the fixture.
pytestmark = pytest.mark.django_db

# The 2025 report (../shared/reference/bilan-chiffres-clefs-2025.md), key by key.
REPORT_2025 = {
    "network.teams": 210,
    "network.researchers": 3300,
    "network.health_professionals": 3500,
    "network.companies": 120,
    "sites.lyon.researchers": 1900,
    "sites.lyon.companies": 75,
    "sites.grenoble.researchers": 850,
    "sites.grenoble.companies": 29,
    "sites.clermont-ferrand.researchers": 350,
    "sites.clermont-ferrand.companies": 9,
    "sites.saint-etienne.researchers": 200,
    "sites.saint-etienne.companies": 7,
    "awards.count": 12,
    "domains.count": 3,
    "calls.count": 7,
    "calls.applications": 70,
    "support.count": 70,
    "events.count": 21,
    "working_groups.count": 4,
    "info_sessions.count": 2,
    "forum.days": 2,
    "forum.participants": 250,
    "forum.speakers": 50,
    "forum.lay_posters": 25,
    "forum.scientific_posters": 50,
    "forum.poster_prizes": 10,
    "forum.startup_trophies": 3,
    "forum.workshops": 4,
    "skills.workshops": 5,
    "supported_events.count": 16,
    "supported_events.poster_prizes": 2,
    "supported_events.subsidies_eur": Decimal("14350"),
    "public_evenings.count": 1,
    "public_evenings.participants": 60,
    "public_evenings.recommend_pct": 100,
    "public_evenings.rating": Decimal("4.6"),
    "oncostarter.ongoing": 23,
    "oncostarter.tracks": 3,
    "oncostarter.submitted": 36,
    "oncostarter.selected": 7,
    "oncostarter.selected.blanc": 4,
    "oncostarter.selected.interface": 1,
    "oncostarter.selected.thematise": 2,
    "oncostarter.amount_eur": Decimal("275000"),
    "oncostarter.ligue_committees": 10,
    "oncostarter.auditions": 2,  # "2 auditions ... avec le groupe ECLAIR"
    "oncostarter.info_sessions": 1,  # "1 Informative dédiée à OncoStarter Thématisé"
    "poc.ongoing": 12,
    "poc.selected": 3,
    "poc.public_eur": Decimal("751000"),
    "structuring.selected": 2,
    "structuring.amount_eur": Decimal("290000"),
    "structuring.ongoing": 5,
    "skills.trainings": 1,
    "skills.summer_schools": 1,
    "international.mobilities": 11,
    "international.mobility_eur": Decimal("6500"),
    "international.mobility_countries": 7,
    "international.conferences": 2,
    "international.teachers": 6,
    "international.students_hosted": 1,
    "international.delegations": 1,
    # Not in the 2025 report: the results the demo's funded projects recorded, dated 2025.
    "outcomes.publications": 3,
    "outcomes.patents": 0,
    "outcomes.clinical_trials": 1,
    "outcomes.products": 0,
    "outcomes.jobs": 4,
    "outcomes.follow_on_eur": Decimal("250000"),
}
# The report gives these as bounds or rounded amounts.
AT_LEAST_2025 = {
    "events.participants": 5000,
    "poc.company_investment_eur": Decimal("800000"),
}


def _value_from_records(figure, records) -> int | Decimal:
    """A figure re-derived in Python from the records of its drill-down list (independently of
    the catalogue's measures)."""
    key = figure.key
    rows = list(records)
    if key == "international.mobility_countries":
        return len({row.country for row in rows})
    if figure.unit == "count":
        return len(rows)
    model = records.model._meta.model_name
    if model == "teamcensus":
        if key.endswith("health_professionals"):
            return sum(row.health_professionals for row in rows)
        return sum(row.researchers + row.doctoral_students for row in rows)
    if model in ("award",):
        return sum((row.amount for row in rows), Decimal(0))
    if model == "contribution":
        return sum((row.amount for row in rows), Decimal(0))
    if model == "companyinvestment":
        return sum((row.planned_amount for row in rows), Decimal(0))
    if model == "event":
        if figure.unit == "days":
            return sum((row.end_date - row.start_date).days + 1 for row in rows)
        if figure.unit == "eur":
            return sum((row.award.amount for row in rows if row.award_id), Decimal(0))
        return sum(row.participants or 0 for row in rows)
    if model == "outcome":
        if figure.unit == "eur":
            return sum((row.amount for row in rows), Decimal(0))
        return sum(row.jobs for row in rows)
    if model == "internationalaction":
        return sum((row.award.amount for row in rows if row.award_id), Decimal(0))
    if model == "surveyresponse":
        if figure.unit == "percent":
            return round(100 * sum(row.would_recommend for row in rows) / len(rows))
        return (Decimal(sum(row.rating for row in rows)) / len(rows)).quantize(Decimal("0.1"))
    raise AssertionError(f"no re-derivation for {key}")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Figures, record-derived values, drill-down sizes and warnings of the demo data."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(DEBUG=True):
        call_command("load_demo", verbosity=0)
        catalogue = figure_catalogue()
        with CaptureQueriesContext(connection) as queries:
            figures = key_figures_for_year(2025, catalogue)
        result = {
            "keys": list(catalogue),
            "figures": figures,
            "queries": len(queries.captured_queries),
            "by_year": {year: key_figures_for_year(year) for year in (2023, 2024)},
            "from_records": {
                year: {
                    key: _value_from_records(figure, figure.records(year))
                    for key, figure in catalogue.items()
                }
                for year in (2023, 2024, 2025)
            },
            "from_drilldown": {
                year: {
                    key: figure.value_of(figure_records(key, year))
                    for key, figure in catalogue.items()
                }
                for year in (2023, 2024, 2025)
            },
            "table_rows": {
                key: drilldown_table(figure_records(key, 2025)).records
                for key, figure in catalogue.items()
                if figure.unit == "count" and key != "international.mobility_countries"
            },
            "warnings": [w.message for w in consistency_warnings(2025)],
            "project_lists": {
                year: {key: project_search(Filters(figure=key, figure_year=year))[0].count()
                       for key, figure in catalogue.items() if figure.lists_projects}
                for year in (2023, 2024, 2025)
            },
        }
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("key", sorted(REPORT_2025))
def test_demo_reproduces_report_2025(demo, key):
    assert demo["figures"][key] == REPORT_2025[key]


@pytest.mark.parametrize("key", sorted(AT_LEAST_2025))
def test_demo_reproduces_report_2025_bounds(demo, key):
    assert demo["figures"][key] >= AT_LEAST_2025[key]


def test_demo_awards_amount_rounds_to_report(demo):
    amount = demo["figures"]["awards.amount_eur"]
    assert Decimal("1250000") <= amount < Decimal("1350000")  # "+1,3 M€"
    assert amount == (
        demo["figures"]["oncostarter.amount_eur"]
        + demo["figures"]["poc.public_eur"]
        + demo["figures"]["structuring.amount_eur"]
    )


def test_demo_every_figure_is_checked(demo):
    assert set(REPORT_2025) | set(AT_LEAST_2025) | {"awards.amount_eur"} == set(demo["keys"])


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_demo_every_figure_equals_the_aggregate_of_its_drilldown(demo, year):
    figures = demo["figures"] if year == 2025 else demo["by_year"][year]
    assert demo["from_drilldown"][year] == figures


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_demo_every_figure_equals_its_records_counted_in_python(demo, year):
    figures = demo["figures"] if year == 2025 else demo["by_year"][year]
    assert demo["from_records"][year] == figures


def test_demo_drilldown_covers_as_many_records_as_the_figure(demo):
    assert demo["table_rows"] == {key: demo["figures"][key] for key in demo["table_rows"]}


def test_demo_query_count_same_as_small_data(demo):
    # test_selectors measures the same with 1 and with many records of each family.
    assert demo["queries"] == 20


def test_demo_years_differ(demo):
    fig_2023, fig_2024, fig_2025 = demo["by_year"][2023], demo["by_year"][2024], demo["figures"]
    for key in ("network.teams", "network.companies", "calls.applications", "events.count"):
        assert 0 < fig_2023[key] <= fig_2024[key] <= fig_2025[key], key
    assert fig_2023 != fig_2024 != fig_2025


def test_demo_workshop_discrepancy_is_visible(demo):
    assert demo["figures"]["forum.workshops"] == 4
    assert demo["figures"]["skills.workshops"] == 5
    assert len(demo["warnings"]) == 1
    assert "atelier" in demo["warnings"][0]


@pytest.mark.parametrize("year", (2023, 2024, 2025))
def test_demo_figures_that_count_projects_link_to_as_many_projects(demo, year):
    """`/projets/?chiffre=<key>&exercice=<year>` lists exactly the projects a figure counts
    (and those whose awards an amount sums)."""
    lists = demo["project_lists"][year]
    figures = demo["figures"] if year == 2025 else demo["by_year"][year]
    assert len(lists) >= 10 and sum(map(bool, lists.values())) >= 9
    for key, listed in lists.items():
        if key.endswith("_eur"):
            assert listed == figures[key.replace("amount_eur", "count")], key
        else:
            assert listed == figures[key], key
