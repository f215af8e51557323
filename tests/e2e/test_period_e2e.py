"""Browser checks of the key figures over a period, since the creation and year by year: axe
clean and nothing wider than the window at 1366 and 390 px in both languages, screenshots, and
the way from the history to the records by keyboard-reachable links."""

import datetime as dt
from decimal import Decimal

import pytest

from clara.keyfigures.publication import year_publish
from programmes.models import Programme
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    CallFactory,
    CompanyFactory,
    EventFactory,
    ProgrammeFactory,
    SiteFactory,
    StaffUserFactory,
    TeamCensusFactory,
    TeamFactory,
    paris,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e

YEARS = (2023, 2024, 2025)


@pytest.fixture
def records(transactional_db):
    site = SiteFactory(name="Lyon et alentours", slug="lyon")
    company = CompanyFactory(name="Onco Partenaire", site=site)
    programmes = {kind: ProgrammeFactory(kind=kind, name=str(label), slug=kind)
                  for kind, label in Programme.Kind.choices if kind in Programme.RESEARCH_KINDS}
    team = TeamFactory(site=site)
    for year in YEARS:
        TeamCensusFactory(team=team, year=year)
        EventFactory(start_date=dt.date(year, 10, 9), site=site)
        for kind, programme in programmes.items():
            call = CallFactory(programme=programme, year=year)
            companies = [company] if kind == Programme.Kind.PROOF_OF_CONCEPT else []
            AwardFactory(application=ApplicationFactory(call=call, status="selected",
                                                        partner_companies=companies),
                         amount=Decimal("40000"), decided_at=paris(year, 6, 20, 14))
    user = StaffUserFactory()
    for year in YEARS:
        year_publish(year=year, user=user)


PAGES = (
    ("/chiffres-clefs/depuis-la-creation/", "history"),
    ("/chiffres-clefs/2023-2025/", "period"),
    ("/chiffres-clefs/2023-2025/history.companies/", "period-records"),
    ("/chiffres-clefs/tendances/awards.amount_eur/", "trend"),
)


@pytest.mark.parametrize("width", [1366, 390])
def test_period_e2e_pages_are_accessible(page, records, serious_accessibility_violations,
                                         artifacts_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    for path, name in PAGES:
        for prefix, language in (("", "fr"), ("/en", "en")):
            page.goto(prefix + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            page.screenshot(path=artifacts_dir / f"period-{name}-{language}-{width}.png",
                            full_page=True)
            assert serious_accessibility_violations(page) == [], (path, language, width)


def test_period_e2e_from_the_history_to_the_records(page, records):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/chiffres-clefs/depuis-la-creation/")
    expect(page.locator("#history-summary")).to_contain_text(
        "9 projets de recherche avec 1 entreprise partenaire")
    page.locator('.keyfigure[data-key="history.companies"] .keyfigure-value').click()
    expect(page).to_have_url("/chiffres-clefs/2023-2025/history.companies/")
    expect(page.locator("#records")).to_contain_text("Onco Partenaire")
    page.get_by_role("link", name="Voir l'évolution par année — entreprises partenaires "
                                   "accompagnées").click()
    expect(page).to_have_url("/chiffres-clefs/tendances/history.companies/")
    expect(page.locator("svg .trend-bar")).to_have_count(3)
    # The table is the chart's equivalent: each year links to its records, by keyboard too.
    link = page.locator("#trend-table a").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url("/chiffres-clefs/2023-2023/history.companies/")
