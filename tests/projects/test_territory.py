"""The territory page `/territoire/`: funding per site and per year of decision, as a chart and
a table whose cells equal the records behind them and link to the list of those records."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.models import Sum
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from clara.network.models import Site
from funding.models import Award
from projects.models import FundedProject
from projects.search import Filters, project_search
from projects.territory import YearSpan, territory_chart, territory_table
from tests import factories as f

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _project(site, year, amount, *, month=6, when=None):
    # The investigator's organisation on an existing site: the factories would add a site each.
    award = f.AwardFactory(
        amount=Decimal(amount), decided_at=when or f.paris(year, month, 15, 14),
        application__principal_investigator__organisation__site=site or Site.objects.first())
    return f.FundedProjectFactory(award=award, site=site)


def _get(client, url):
    caches["public"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries.captured_queries)


def _cell_html(page, href):
    """The content of the table cell whose link is `href` (as written in the HTML)."""
    match = re.search(r'<td[^>]*><a class="d-block" href="' + re.escape(href.replace("&", "&amp;"))
                      + r'">(.*?)</a></td>', page)
    assert match, href
    return re.sub(r"<[^>]+>", " ", match.group(1))


def _nbsp(text):
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def network():
    lyon = f.SiteFactory(name="Lyon et alentours", slug="lyon", position=0)
    grenoble = f.SiteFactory(name="Grenoble et alentours", slug="grenoble", position=1)
    # Same position as Grenoble: ordered by name after it.
    clermont = f.SiteFactory(name="Clermont-Ferrand et alentours", slug="clermont", position=1)
    _project(lyon, 2023, "40000")
    _project(lyon, 2023, "25000.50")
    _project(lyon, 2025, "100000")
    _project(grenoble, 2024, "30000")
    _project(clermont, 2025, "12000")
    return {"lyon": lyon, "grenoble": grenoble, "clermont": clermont}


def test_territory_cells_equal_the_list_their_link_leads_to(network):
    """Every cell's amount and count are those of the funded projects its link lists (the
    same search the list `/projets/` runs), totals included."""
    territory = territory_table()
    cells = [c for row in territory.rows for c in row.all_cells] + territory.footer
    linked = [c for c in cells if c.url]
    assert len(linked) == 4 + 3 + 3 + 1  # non-empty site cells, site totals, year totals, all
    for cell in linked:
        path, _, query = cell.url.partition("?")
        assert path == "/projets/"
        projects, _facets = project_search(Filters.from_query(QueryDict(query)))
        assert cell.count == projects.count(), cell.url
        assert cell.amount == projects.aggregate(s=Sum("award__amount"))["s"], cell.url


def test_territory_table_values_rows_columns_and_totals(network):
    territory = territory_table()
    assert territory.years == [2025, 2024, 2023]
    assert [row.label for row in territory.rows] == [
        "Lyon et alentours", "Clermont-Ferrand et alentours", "Grenoble et alentours"]
    lyon = territory.rows[0]
    assert [(c.amount, c.count) for c in lyon.cells] == [
        (Decimal("100000"), 1), (Decimal(0), 0), (Decimal("65000.50"), 2)]
    assert (lyon.total.amount, lyon.total.count) == (Decimal("165000.50"), 3)
    assert [(c.amount, c.count) for c in territory.year_totals] == [
        (Decimal("112000"), 2), (Decimal("30000"), 1), (Decimal("65000.50"), 2)]
    assert territory.total.amount == FundedProject.objects.aggregate(
        s=Sum("award__amount"))["s"] == Decimal("207000.50")
    assert territory.total.count == 5
    assert not territory.has_no_site_row


def test_territory_page_shows_amounts_counts_links_and_dashes(client, network):
    page, _queries = _get(client, "/territoire/")
    cell = " ".join(_nbsp(_cell_html(page, "/projets/?site=lyon&annee=2023")).split())
    assert "65 000,50 € 2 projets" in cell
    assert "Lyon et alentours, 2023" in _cell_html(page, "/projets/?site=lyon&annee=2023")
    assert "1 projet" in _cell_html(page, "/projets/?site=grenoble&annee=2024")
    # Totals: a site's row to the list of the site, a year's column to the list of the year.
    assert "165 000,50 €" in _nbsp(_cell_html(page, "/projets/?site=lyon"))
    assert "30 000 €" in _nbsp(_cell_html(page, "/projets/?site=grenoble"))
    assert "112 000 €" in _nbsp(_cell_html(page, "/projets/?annee=2025"))
    assert "207 000,50 €" in _nbsp(_cell_html(page, "/projets/"))
    # Lyon has nothing in 2024: a dash, no link.
    assert 'href="/projets/?site=lyon&amp;annee=2024"' not in page
    lyon_row = re.search(r"<th scope=\"row\">Lyon et alentours</th>(.*?)</tr>", page, re.S)
    assert re.findall(r"<td[^>]*>—</td>", lyon_row.group(1)) == [
        '<td class="text-end text-nowrap">—</td>']
    # Years in the head, newest first after the total; sites in order.
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', head) == [
        "Site", "Total", "2025", "2024", "2023"]
    assert page.index("Lyon et alentours</th>") < page.index("Clermont-Ferrand et alentours</th>") \
        < page.index("Grenoble et alentours</th>")


def test_territory_year_is_the_year_in_paris_like_the_list_filter(client):
    """31 December 23:30 UTC is already 1 January in Paris: the project counts in the next
    year, on the territory page, in the list's filter and in the key figures' awards."""
    site = f.SiteFactory(slug="lyon")
    _project(site, 2024, "10000", when=dt.datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    _project(site, 2024, "20000", when=dt.datetime(2024, 12, 31, 22, 30, tzinfo=UTC))
    territory = territory_table()
    assert territory.years == [2025, 2024]
    assert [(c.amount, c.count) for c in territory.rows[0].cells] == [
        (Decimal("10000"), 1), (Decimal("20000"), 1)]
    assert Award.objects.decided_in(2025).count() == 1
    page, _queries = _get(client, "/territoire/")
    assert "10 000 €" in _nbsp(_cell_html(page, "/projets/?site=lyon&annee=2025"))
    listed, _queries = _get(client, "/projets/?site=lyon&annee=2025")
    assert "1 projet" in listed and len(re.findall(r'href="/projets/\d+/"', listed)) == 1
    listed, _queries = _get(client, "/projets/?site=lyon&annee=2024")
    assert len(re.findall(r'href="/projets/\d+/"', listed)) == 1


def test_territory_projects_without_site_have_their_own_row_without_links(client, network):
    _project(None, 2024, "7000")
    territory = territory_table()
    assert territory.rows[-1].label == "Sans site"
    assert [c.count for c in territory.rows[-1].cells] == [0, 1, 0]
    assert all(c.url is None for c in territory.rows[-1].all_cells)
    # The year's total includes it, and so does the list of the year.
    assert territory.year_totals[1].amount == Decimal("37000")
    page, _queries = _get(client, "/territoire/")
    assert "37 000 €" in _nbsp(_cell_html(page, "/projets/?annee=2024"))
    row = re.search(r"<th scope=\"row\">Sans site</th>(.*?)</tr>", page, re.S).group(1)
    assert "7 000 €" in _nbsp(row) and "href" not in row
    assert "ne se filtre pas sur « Sans site »" in page


def test_territory_shows_sites_without_funding(network):
    f.SiteFactory(name="Saint-Étienne et alentours", slug="saint-etienne", position=3)
    territory = territory_table()
    row = territory.rows[-1]
    assert row.label == "Saint-Étienne et alentours"
    assert all(c.empty and c.url is None for c in row.all_cells)


def test_territory_page_with_an_empty_database(client):
    page, queries = _get(client, "/territoire/")
    assert "Aucun projet financé n'est encore enregistré." in page
    assert "<svg" not in page.split('id="contenu"')[1]
    assert queries == 3


def test_territory_page_runs_the_same_queries_with_3_and_30_projects(client):
    sites = [f.SiteFactory() for _ in range(5)]
    for i in range(3):
        _project(sites[i % 2], 2023 + i % 2, "10000")
    page, few = _get(client, "/territoire/")
    cells = r'href="/projets/\?site=[^"&]+&amp;annee=\d{4}"'
    assert len(re.findall(cells, page)) == 2
    for i in range(27):
        _project(sites[i % 5], 2018 + i % 6, str(1000 * (i + 1)))
    assert FundedProject.objects.count() == 30
    page, many = _get(client, "/territoire/")
    pairs = {(p.site_id, p.award.decided_at.year) for p in FundedProject.objects.select_related(
        "award")}
    assert len(re.findall(cells, page)) == len(pairs) == 28
    # The sites, one grouped query of the projects' sums and counts per site and year, and
    # the footer's co-funders (read again after each change of the records).
    assert (few, many) == (3, 3)
    _page, restricted = _get(client, "/territoire/?depuis=2019&jusqu_a=2021")
    assert restricted == 3


def test_territory_page_in_english(client, network):
    response = client.get("/en/territoire/")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert 'href="/en/projets/?site=lyon&amp;annee=2023"' in page
    assert 'href="/en/projets/?annee=2025"' in page


@pytest.mark.parametrize("query", [
    "depuis=20x5", "depuis=99999", "jusqu_a=-2024", "depuis=99999999999999999999999",
    "depuis=%D9%A2%D9%A0%D9%A2%D9%A4",  # Arabic-Indic digits: str.isdigit() but not a year
    "depuis=&jusqu_a=", "depuis=2024&depuis=abc", "jusqu_a=0000", "depuis=1000&jusqu_a=9999",
    "depuis=%00", "page=abc", "jusqu_a=2024%0A",
])
def test_territory_malformed_parameters_are_ignored(client, network, query):
    response = client.get(f"/territoire/?{query}")
    assert response.status_code == 200, query
    assert "Lyon et alentours" in response.content.decode()


def test_territory_year_span_restricts_columns_and_unlinks_site_totals(client, network):
    page, _queries = _get(client, "/territoire/?depuis=2024&jusqu_a=2025")
    assert re.findall(r'<th scope="col" class="text-end">(\d{4})</th>', page) == ["2025", "2024"]
    assert 'href="/projets/?site=lyon&amp;annee=2023"' not in page
    assert 'href="/projets/?site=lyon"' not in page and 'href="/projets/"' not in page.split(
        "<table")[1]
    assert "100 000 €" in _nbsp(_cell_html(page, "/projets/?site=lyon&annee=2025"))
    assert "Toutes les années" in page
    # Bounds the wrong way round are swapped; bounds beyond the records are clamped.
    assert territory_table(YearSpan.from_query(QueryDict("depuis=2025&jusqu_a=2024"))).years \
        == [2025, 2024]
    assert territory_table(YearSpan.from_query(QueryDict("depuis=1990"))).years \
        == [2025, 2024, 2023]
    assert territory_table(YearSpan.from_query(QueryDict("depuis=2030"))).years == []
    assert "Aucun projet financé sur ces années." in _get(client, "/territoire/?depuis=2030")[0]


def test_territory_years_without_funding_inside_the_span_are_shown(client):
    site = f.SiteFactory(slug="lyon")
    _project(site, 2019, "1000")
    _project(site, 2022, "2000")
    territory = territory_table()
    assert territory.years == [2022, 2021, 2020, 2019]
    assert [c.empty for c in territory.year_totals] == [False, True, True, False]
    assert [c.url for c in territory.year_totals][1:3] == [None, None]
    assert [bar.total_label for bar in territory_chart(territory).bars][1:3] == ["—", "—"]


def test_territory_chart_bars_are_proportional_and_accessible(client, network):
    territory = territory_table()
    chart = territory_chart(territory)
    assert [bar.year for bar in chart.bars] == [2025, 2024, 2023]
    assert [len(bar.segments) for bar in chart.bars] == [2, 1, 1]
    widths = [sum(s.width for s in bar.segments) for bar in chart.bars]
    # 112 000 : 30 000 : 65 000,50, on one scale, the longest within the plot.
    assert widths[2] / widths[0] == pytest.approx(65000.5 / 112000, rel=1e-3)
    assert widths[1] / widths[0] == pytest.approx(30000 / 112000, rel=1e-3)
    assert chart.plot_left + widths[0] <= chart.width
    # Segments of one bar follow each other, in the table's order of sites.
    first, second = chart.bars[0].segments
    assert first.series.label == "Lyon et alentours" and second.x == pytest.approx(
        first.x + first.width)
    assert len({(s.colour, s.motif) for s in chart.series}) == len(chart.series)

    page, _queries = _get(client, "/territoire/")
    svg = re.search(r"<svg class=\"d-block h-auto\".*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and 'width="100%"' in svg
    assert f'viewBox="0 0 {chart.width} {chart.height}"' in svg
    labelled = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
    assert all(f'id="{i}"' in svg for i in labelled)
    assert "Le tableau qui suit donne les mêmes chiffres" in svg
    assert svg.count("<rect x=") == 4
    assert "Clermont-Ferrand et alentours, 2025 : 12 000 €, 1 projet" in _nbsp(svg)
    # No decimal comma in the geometry (French localisation of floats).
    assert not re.search(r'(x|y|width)="\d+,\d', svg)
    assert "Le tableau qui suit donne les mêmes chiffres que le graphique" in page
    # Nothing from elsewhere: no script, no external address.
    assert "<script" not in svg and "http" not in svg


def test_territory_page_has_its_title_and_description(client, network):
    page, _queries = _get(client, "/territoire/")
    assert "<title>Le territoire : financements par site et par année — CLARA</title>" in page
    description = re.search(r'<meta name="description" content="([^"]+)"', page).group(1)
    assert "par site" in description
    assert re.search(
        r'<div class="table-responsive[^"]*" tabindex="0" role="region" aria-label="[^"]+"', page)
    assert urlsplit(re.search(r'<link rel="canonical" href="([^"]+)"', page).group(1)).path \
        == "/territoire/"


def test_territory_page_is_public_and_cached(client, network):
    caches["public"].clear()
    first = client.get("/territoire/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/territoire/")
    assert second["X-Public-Cache"] == "hit" and len(queries.captured_queries) == 0
    assert first.content == second.content
