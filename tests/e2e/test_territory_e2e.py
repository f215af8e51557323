import datetime as dt
import re
from decimal import Decimal

import pytest

from tests.factories import AwardFactory, FundedProjectFactory, SiteFactory, paris

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


def _project(site, decided_at, amount, org_site):
    award = AwardFactory(amount=Decimal(amount), decided_at=decided_at,
                         application__principal_investigator__organisation__site=org_site)
    return FundedProjectFactory(award=award, site=site)


@pytest.fixture
def territory(transactional_db):
    lyon = SiteFactory(name="Lyon et alentours", slug="lyon", position=0)
    grenoble = SiteFactory(name="Grenoble et alentours", slug="grenoble", position=1)
    _project(lyon, paris(2024, 3, 1, 10), "40000", lyon)
    # 31 December 23:30 UTC: already 2025 in Paris.
    _project(lyon, dt.datetime(2024, 12, 31, 23, 30, tzinfo=dt.UTC), "60000", lyon)
    _project(lyon, paris(2025, 6, 1, 10), "25000", lyon)
    _project(grenoble, paris(2024, 9, 1, 10), "90000", lyon)
    _project(None, paris(2025, 2, 1, 10), "15000", lyon)
    return lyon


@pytest.mark.parametrize("width", [1366, 390])
def test_territory_e2e_chart_and_table_are_accessible(
    page, territory, serious_accessibility_violations, artifacts_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    names = {"fr": ("Financements par année et par site", "Financements par site et par année"),
             "en": ("Funding by year and by site", "Funding by site and by year")}
    for path, language in (("/territoire/", "fr"), ("/en/territoire/", "en")):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        chart = page.get_by_role("img", name=names[language][0])
        expect(chart).to_be_visible()
        table = page.get_by_role("region", name=names[language][1])
        expect(table).to_be_visible()
        # The chart scales to the column; only the table's region scrolls, never the page.
        assert chart.bounding_box()["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=artifacts_dir / f"territory-{language}-{width}.png", full_page=True)
        assert serious_accessibility_violations(page) == [], (path, width)


def test_territory_e2e_a_cell_leads_to_the_projects_it_counts(page, territory, artifacts_dir):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/territoire/")
    cell = page.get_by_role("link", name=re.compile(r"^Lyon et alentours, 2025 :"))
    expect(cell).to_contain_text("85\u202f000\u00a0€")
    counted = int(re.search(r"(\d+) projets?", cell.inner_text()).group(1))
    assert counted == 2

    cell.click()

    expect(page).to_have_url(re.compile(r"/projets/\?site=lyon&annee=2025$"))
    expect(page.get_by_text(re.compile(rf"^{counted} projets?$"))).to_be_visible()
    assert page.locator('table a[href^="/projets/"]').count() == counted
    page.screenshot(path=artifacts_dir / "territory-cell-list.png", full_page=True)

    # A year's total leads to the year's list, the projects without a site included.
    page.goto("/territoire/")
    total = page.get_by_role("link", name=re.compile(r"^2025, tous les sites :"))
    expect(total).to_contain_text("3 projets")
    total.click()
    expect(page).to_have_url(re.compile(r"/projets/\?annee=2025$"))
    expect(page.get_by_text(re.compile(r"^3 projets$"))).to_be_visible()
