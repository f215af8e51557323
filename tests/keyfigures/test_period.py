"""Key figures over a span of years, since the creation, and year by year (trends)."""

import datetime as dt
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clara.keyfigures import period, selectors
from clara.keyfigures.publication import year_publish, year_unpublish
from clara.keyfigures.views import json_number
from clara.network.models import Organisation
from clara.publiccache import records_changed
from programmes.models import Call, Programme
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    CallFactory,
    CompanyFactory,
    CompanyInvestmentFactory,
    ContributionFactory,
    EventFactory,
    FundedProjectFactory,
    OutcomeFactory,
    ProgrammeFactory,
    ProjectYearStatusFactory,
    SiteFactory,
    StaffUserFactory,
    TeamCensusFactory,
    TeamFactory,
    WorkingGroupFactory,
    paris,
)

pytestmark = pytest.mark.django_db

YEARS = (2023, 2024, 2025)


def _programme(kind):
    return (Programme.objects.filter(kind=kind).first()
            or ProgrammeFactory(kind=kind, name=str(kind), slug=str(kind)))


def _award(kind, year: int, amount: str, *, companies=(), month=6, day=20, hour=14):
    programme = _programme(kind)
    call = (Call.objects.filter(programme=programme, year=year).first()
            or CallFactory(programme=programme, year=year))
    application = ApplicationFactory(call=call, status="selected",
                                     partner_companies=list(companies))
    award = AwardFactory(application=application, amount=Decimal(amount),
                         decided_at=paris(year, month, day, hour))
    ContributionFactory(award=award, amount=Decimal(amount))
    return award


def _publish(years=YEARS) -> None:
    user = StaffUserFactory()
    for year in years:
        year_publish(year=year, user=user)


@pytest.fixture
def history():
    """Records over three years: a team censused in 2023 and 2024 (and another in 2025), a
    partner company of Preuve du Concept awards in 2023 and 2025, awards of each programme,
    company investments, outcomes, a project ongoing two years, a company and a working group
    active over several years."""
    site = SiteFactory(name="Lyon et alentours", slug="lyon")
    twice, once = TeamFactory(site=site), TeamFactory(site=site)
    TeamCensusFactory(team=twice, year=2023, researchers=10, doctoral_students=0)
    TeamCensusFactory(team=twice, year=2024, researchers=20, doctoral_students=0)
    TeamCensusFactory(team=once, year=2025, researchers=5, doctoral_students=1)
    partner = CompanyFactory(name="Onco Partenaire", site=site, active_from=dt.date(2021, 1, 1))
    other = CompanyFactory(name="Onco Unique", site=site, active_from=dt.date(2025, 1, 1))
    P = Programme.Kind
    first = _award(P.PROOF_OF_CONCEPT, 2023, "100000", companies=[partner])
    CompanyInvestmentFactory(award=first, company=partner, planned_amount=Decimal("50000"))
    # 31 December 23:30 in Paris: still 2024 (22:30 UTC).
    _award(P.ONCOSTARTER, 2024, "30000", month=12, day=31, hour=23)
    last = _award(P.PROOF_OF_CONCEPT, 2025, "200000", companies=[partner, other])
    CompanyInvestmentFactory(award=last, company=other, planned_amount=Decimal("70000"))
    _award(P.STRUCTURING, 2025, "150000")
    project = FundedProjectFactory(award=first, site=site)
    ProjectYearStatusFactory(project=project, year=2023, status="ongoing")
    ProjectYearStatusFactory(project=project, year=2024, status="ongoing")
    ProjectYearStatusFactory(project=project, year=2025, status="finished")
    OutcomeFactory(project=project, kind="clinical_trial", date=dt.date(2024, 5, 2),
                   identifier="NCT01234567")
    OutcomeFactory(project=project, kind="jobs", jobs=3, date=dt.date(2025, 2, 1),
                   identifier="")
    WorkingGroupFactory(started_on=dt.date(2022, 3, 1))
    for year in YEARS:
        EventFactory(start_date=dt.date(year, 10, 9), participants=100 * (year - 2022))
    _publish()
    return {"partner": partner, "other": other, "teams": (twice, once)}


def _yearly(years=YEARS) -> dict[int, dict]:
    catalogue = selectors.figure_catalogue()
    return {year: selectors.key_figures_for_year(year, catalogue) for year in years}


# --- Families over a span ------------------------------------------------------------------


def test_span_families_equal_the_yearly_families_and_their_union(history):
    assert set(selectors.FAMILIES) <= set(period.SPAN_FAMILIES)
    for name, family in selectors.FAMILIES.items():
        span = period.SPAN_FAMILIES[name]
        union = set()
        for year in (2022, *YEARS, 2026):
            yearly = set(family(year).values_list("pk", flat=True))
            assert set(span.records(year, year).values_list("pk", flat=True)) == yearly, name
            union |= yearly
        within = span.base().filter(span.within(2022, 2026))
        assert set(within.values_list("pk", flat=True)) == union, name


# --- Figures over a period -----------------------------------------------------------------


def test_period_figures_are_the_yearly_figures_summed_or_counted_once(history):
    values = period.key_figures_for_period(2023, 2025)
    yearly = _yearly()
    catalogue = selectors.figure_catalogue()
    for key, figure in catalogue.items():
        if period.rule_of(figure) == period.SUM:
            assert values[key] == sum(yearly[y][key] for y in YEARS), key
    assert values["awards.count"] == 4
    assert values["awards.amount_eur"] == Decimal("480000")
    assert values["events.participants"] == 600
    # The team censused in 2023 and 2024 counts once, with its 2024 census.
    assert [yearly[y]["network.teams"] for y in YEARS] == [1, 1, 1]
    assert values["network.teams"] == 2
    assert values["network.researchers"] == 20 + 6
    assert values["sites.lyon.researchers"] == 26
    # Companies active in several years, the working group and the ongoing project: once.
    assert sum(yearly[y]["network.companies"] for y in YEARS) == 4
    assert values["network.companies"] == 2
    assert values["working_groups.count"] == 1
    assert sum(yearly[y]["poc.ongoing"] for y in YEARS) == 2
    assert values["poc.ongoing"] == 1
    # History: the partner company of 2023 and 2025 counts once.
    assert values["history.companies"] == 2
    assert values["history.poc.projects"] == 2
    assert values["history.poc.amount_eur"] == Decimal("300000")
    assert values["history.oncostarter.amount_eur"] == Decimal("30000")
    assert values["history.company_investment_eur"] == Decimal("120000")
    assert values["history.total_eur"] == Decimal("600000")
    assert values["outcomes.clinical_trials"] == 1
    assert values["outcomes.jobs"] == 3


def test_rules_are_those_of_the_module(history):
    catalogue = selectors.figure_catalogue()
    rule = {key: period.rule_of(figure) for key, figure in catalogue.items()}
    assert rule["awards.count"] == period.SUM
    assert rule["network.teams"] == rule["network.researchers"] == period.LATEST
    assert rule["network.companies"] == rule["domains.count"] == period.ONCE
    assert rule["international.mobility_countries"] == period.ONCE
    assert rule["poc.ongoing"] == period.ONCE
    assert rule["public_evenings.rating"] == rule["public_evenings.recommend_pct"] == (
        period.RECOMPUTED)


def test_a_single_year_span_is_the_year(history):
    for year in YEARS:
        values = period.key_figures_for_period(year, year)
        assert {k: v for k, v in values.items() if k in _yearly((year,))[year]} == (
            _yearly((year,))[year])


def test_drilldown_measure_equals_the_period_figure_for_every_figure(history):
    figures = {**selectors.figure_catalogue(), **period.OWN_FIGURES}
    values = period.key_figures_for_period(2023, 2025, figures)
    for key, figure in figures.items():
        assert figure.value_of(period.period_records(figure, 2023, 2025)) == values[key], key


def test_period_drilldown_lists_exactly_the_records(client, history):
    html = client.get("/chiffres-clefs/2023-2025/history.companies/").content.decode()
    assert html.count("Onco Partenaire") == 1 and html.count("Onco Unique") == 1
    assert "2 dossiers derrière ce chiffre" in html
    html = client.get("/chiffres-clefs/2023-2025/network.teams/").content.decode()
    assert "2 dossiers derrière ce chiffre" in html
    assert re.search(r'<span class="keyfigure-value">2</span>', html)
    # The sum of figures lists its parts, each with its own drill-down.
    html = client.get("/chiffres-clefs/2023-2025/history.total_eur/").content.decode()
    assert 'href="/chiffres-clefs/2023-2025/awards.amount_eur/"' in html
    assert 'href="/chiffres-clefs/2023-2025/history.company_investment_eur/"' in html
    assert "600\u00a0K€" in html


def test_period_page_shows_every_figure_with_its_rule(client, history):
    response = client.get("/chiffres-clefs/2023-2025/")
    assert response.status_code == 200
    html = response.content.decode()
    for key in selectors.figure_catalogue():
        assert f'data-key="{key}"' in html, key
    assert re.search(r'data-key="network.teams" data-rule="latest"', html)
    assert re.search(r'data-key="history.companies" data-rule="once"', html)
    assert 'href="/chiffres-clefs/2023-2025/awards.count/"' in html
    assert 'href="/chiffres-clefs/tendances/awards.count/"' in html
    assert "<title>Chiffres clefs 2023-2025 — CLARA</title>" in html
    assert client.get("/en/chiffres-clefs/2023-2025/").status_code == 200


@pytest.mark.parametrize("url", [
    "/chiffres-clefs/2025-2023/",
    "/chiffres-clefs/1899-2000/",
    "/chiffres-clefs/2000-2101/",
    "/chiffres-clefs/99999999999999999999999-2/",
    "/chiffres-clefs/2023-2025/pas.un.chiffre/",
    "/chiffres-clefs/1899-2025/awards.count/",
    "/chiffres-clefs/tendances/pas.un.chiffre/",
])
def test_malformed_spans_and_unknown_figures_are_404(client, url):
    assert client.get(url).status_code == 404


def test_period_form_redirects_to_the_span(client):
    response = client.get("/chiffres-clefs/periode/?de=2025&a=2023")
    assert response.status_code == 302 and response.url == "/chiffres-clefs/2023-2025/"
    for query in ("", "?de=x&a=2", "?de=1&a=99999999999"):
        response = client.get(f"/chiffres-clefs/periode/{query}")
        assert response.url == "/chiffres-clefs/depuis-la-creation/"


# --- The command ---------------------------------------------------------------------------


def test_command_prints_the_period_figures_as_json(history):
    out = StringIO()
    call_command("key_figures", "--from", "2023", "--to", "2025", "--format", "json", stdout=out)
    printed = json.loads(out.getvalue())
    values = period.key_figures_for_period(2023, 2025)
    assert printed == {key: json_number(value) for key, value in values.items()}
    assert printed["history.companies"] == 2 and printed["awards.amount_eur"] == 480000
    out = StringIO()
    call_command("key_figures", "2025", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["awards.count"] == 2


@pytest.mark.parametrize("args", [("--from", "2023"), ("--from", "2025", "--to", "2023"),
                                  ("2025", "--from", "2023", "--to", "2024"), ()])
def test_command_refuses_an_incomplete_or_reversed_span(args):
    with pytest.raises(CommandError):
        call_command("key_figures", *args, stdout=StringIO())


# --- Bounded queries -----------------------------------------------------------------------


def _queries(client, url: str) -> int:
    """Queries of GET `url` computed afresh (as after a change of the records: the page and
    the footer are not in the cache)."""
    records_changed()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_period_figures_cost_one_query_per_family_whatever_the_span(history):
    for start in (2024, 2006):
        with CaptureQueriesContext(connection) as queries:
            period.key_figures_for_period(start, 2025)
        # The sites (1) and one query per family (20 of the catalogue, 1 of the history).
        assert len(queries.captured_queries) == 22


def test_period_page_query_count_is_the_same_for_2_and_20_years_and_more_rows(client, history):
    # Footer (1), the years with records (3), the published ones (1), the sites (1), 21
    # families.
    counts = [_queries(client, "/chiffres-clefs/2024-2025/"),
              _queries(client, "/chiffres-clefs/2006-2025/")]
    for year in YEARS:
        for _ in range(9):
            _award(Programme.Kind.PROOF_OF_CONCEPT, year, "1000",
                   companies=[CompanyFactory()])
            TeamCensusFactory(year=year)
    counts.append(_queries(client, "/chiffres-clefs/2006-2025/"))
    assert counts == [27, 27, 27]


def test_history_and_trend_query_counts_are_bounded(client, history):
    # History: footer (1), years with records (3), the published ones (1), 5 families
    # (awards, contributions, investments, partner companies, outcomes).
    # Trend: footer (1), years with records (3), the published ones (1), one aggregate for
    # every year (1).
    counts = [_queries(client, "/chiffres-clefs/depuis-la-creation/"),
              _queries(client, "/chiffres-clefs/tendances/awards.count/")]
    for year in YEARS:
        for _ in range(9):
            _award(Programme.Kind.ONCOSTARTER, year, "1000")
    counts += [_queries(client, "/chiffres-clefs/depuis-la-creation/"),
               _queries(client, "/chiffres-clefs/tendances/awards.count/")]
    assert counts == [10, 6, 10, 6]


def test_period_drilldown_query_count_is_bounded(client, history):
    first = _queries(client, "/chiffres-clefs/2023-2025/history.companies/")
    for _ in range(30):
        _award(Programme.Kind.PROOF_OF_CONCEPT, 2024, "1000", companies=[CompanyFactory()])
    # Footer (1), the years with records (3), the published ones (1), the figure (1), the
    # count (1), the page's rows with their site (1).
    assert (first, _queries(client, "/chiffres-clefs/2023-2025/history.companies/")) == (8, 8)


# --- Trends --------------------------------------------------------------------------------


def test_figure_by_year_equals_the_yearly_figures(history):
    yearly = _yearly()
    for key, figure in selectors.figure_catalogue().items():
        assert period.figure_by_year(figure, list(YEARS)) == {
            y: yearly[y][key] for y in YEARS}, key
    companies = period.OWN_FIGURES["history.companies"]
    assert period.figure_by_year(companies, list(YEARS)) == {2023: 1, 2024: 0, 2025: 2}


def test_trend_page_draws_every_year_and_links_to_its_records(client, history):
    html = client.get("/chiffres-clefs/tendances/events.participants/").content.decode()
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    assert html.count('class="trend-bar"') == 3
    for year, value in ((2023, "100"), (2024, "200"), (2025, "300")):
        assert f'href="/chiffres-clefs/{year}/events.participants/">{value}<' in html
    # A history figure, which has no yearly page, links to its one-year span.
    html = client.get("/chiffres-clefs/tendances/history.companies/").content.decode()
    assert 'href="/chiffres-clefs/2025-2025/history.companies/">2<' in html
    assert client.get("/chiffres-clefs/2025/events.participants/").status_code == 200


# --- Since the creation ----------------------------------------------------------------------


def test_history_page_with_no_complete_year(client):
    html = client.get("/chiffres-clefs/depuis-la-creation/").content.decode()
    assert "Aucune année complète n'a encore de dossiers." in html


def test_history_page_shows_the_history_figures(client, history):
    html = client.get("/chiffres-clefs/depuis-la-creation/").content.decode()
    summary = re.search(r'id="history-summary">(.*?)</p>', html, re.S).group(1)
    assert "De 2023 à 2025" in " ".join(summary.split())
    assert "4 projets de recherche avec 2 entreprises partenaires" in " ".join(summary.split())
    assert "1 essai clinique" in summary and "3 emplois de R&amp;D" in summary
    assert 'href="/chiffres-clefs/2023-2025/history.poc.amount_eur/"' in html


def test_history_page_on_the_demo_matches_the_yearly_figures_summed(client, settings):
    from django.test import override_settings
    with override_settings(DEBUG=True):
        call_command("load_demo", verbosity=0)
    assert Organisation.objects.exists()
    start, end = period.history_span()
    _publish(range(start, end + 1))
    years = range(start, end + 1)
    yearly = _yearly(years)
    values = period.key_figures_for_period(start, end, period.history_figures())
    html = client.get("/chiffres-clefs/depuis-la-creation/").content.decode()
    from clara.formatting import format_figure
    for programme, key in (("oncostarter", "oncostarter.amount_eur"),
                           ("structuring", "structuring.amount_eur")):
        summed = sum(yearly[y][key] for y in years)
        assert values[f"history.{programme}.amount_eur"] == summed
        cell = re.search(rf'<a href="[^"]+" data-key="history.{programme}.amount_eur">([^<]+)<',
                         html).group(1)
        assert cell == format_figure(summed, "eur")
    assert sum(values[f"history.{short}.amount_eur"] for short in period.SHORT.values()) == (
        sum(yearly[y]["awards.amount_eur"] for y in years))
    assert sum(values[f"history.{short}.projects"] for short in period.SHORT.values()) == (
        sum(yearly[y]["awards.count"] for y in years)) == values["awards.count"]
    assert values["poc.company_investment_eur"] == sum(
        yearly[y]["poc.company_investment_eur"] for y in years)
    for key in ("outcomes.clinical_trials", "outcomes.products", "outcomes.jobs"):
        assert values[key] == sum(yearly[y][key] for y in years)
    # Every history figure's drill-down gives it again.
    for key, figure in period.history_figures().items():
        if not isinstance(figure, period.FigureSum):
            assert figure.value_of(period.period_records(figure, start, end)) == values[key]


# --- Published years -------------------------------------------------------------------------


def test_the_public_sees_only_spans_of_published_years(client, history):
    user = StaffUserFactory()
    year_unpublish(year=2024, user=user)
    assert client.get("/chiffres-clefs/2023-2025/").status_code == 404
    assert client.get("/chiffres-clefs/2023-2025/awards.count/").status_code == 404
    assert client.get("/chiffres-clefs/2025-2025/").status_code == 200
    # A span around years without records needs nothing published.
    assert client.get("/chiffres-clefs/2010-2023/").status_code == 200
    # The history stops before the first unpublished year; the trend skips it.
    html = client.get("/chiffres-clefs/depuis-la-creation/").content.decode()
    assert 'href="/chiffres-clefs/2023-2023/' in html
    html = client.get("/chiffres-clefs/tendances/awards.count/").content.decode()
    assert "/chiffres-clefs/2024/awards.count/" not in html
    assert "/chiffres-clefs/2025/awards.count/" in html
    # Staff see it all, as a draft.
    from tests.helpers import login_with_mfa
    login_with_mfa(client, user)
    html = client.get("/chiffres-clefs/2023-2025/").content.decode()
    assert 'id="period-draft"' in html
