import re

import pytest

from events.models import Event
from tests.factories import (
    EventFactory,
    SiteFactory,
    SuperUserFactory,
    TeamCensusFactory,
    TeamFactory,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def network(transactional_db, request):
    request.getfixturevalue("published_years")  # the public sees published years only
    lyon = SiteFactory(slug="lyon", name="Lyon et alentours")
    for _ in range(3):
        TeamCensusFactory(team=TeamFactory(site=lyon), year=2025, researchers=10)
    TeamCensusFactory(team=TeamFactory(site=lyon), year=2024)
    return lyon


def test_keyfigures_e2e_figure_leads_to_its_records(
    page, network, serious_accessibility_violations, artifacts_dir
):
    page.goto("/chiffres-clefs/")
    expect(page).to_have_url(re.compile(r"/chiffres-clefs/\d{4}/$"))
    page.goto("/chiffres-clefs/2025/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chiffres clefs 2025")
    teams = page.locator('[data-key="network.teams"]')
    expect(teams.locator(".keyfigure-value")).to_have_text("3")
    expect(teams.locator(".keyfigure-delta")).to_contain_text("+2")
    page.screenshot(path=artifacts_dir / "keyfigures-2025.png", full_page=True)
    assert serious_accessibility_violations(page) == []

    teams.locator(".keyfigure-value").click()

    expect(page).to_have_url(re.compile("/chiffres-clefs/2025/network.teams/$"))
    expect(page.locator("#records tbody tr")).to_have_count(3)
    page.screenshot(path=artifacts_dir / "keyfigures-records.png", full_page=True)
    assert serious_accessibility_violations(page) == []


def test_keyfigures_e2e_staff_dashboard_and_admin_drilldown(
    page, log_in, network, artifacts_dir
):
    forum = EventFactory(kind=Event.Kind.FORUM, start_date="2025-11-13", end_date="2025-11-14")
    EventFactory(kind=Event.Kind.WORKSHOP, start_date="2025-11-14", end_date="2025-11-14",
                 title="Atelier hors Forum")
    EventFactory(kind=Event.Kind.WORKSHOP, start_date="2025-11-13", end_date="2025-11-13",
                 parent=forum)
    log_in(SuperUserFactory())

    page.goto("/admin/chiffres-clefs/2025/")
    expect(page.get_by_text("Atelier hors Forum")).to_be_visible()
    page.screenshot(path=artifacts_dir / "keyfigures-dashboard.png", full_page=True)

    page.goto("/chiffres-clefs/2025/")
    page.locator('[data-key="network.teams"]').get_by_role(
        "link", name="Dossiers dans l'administration"
    ).click()
    expect(page).to_have_url(re.compile(r"/admin/network/teamcensus/\?chiffre=2025"))
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.screenshot(path=artifacts_dir / "keyfigures-admin-changelist.png", full_page=True)


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_keyfigures_e2e_pages_fit_phone_and_laptop_widths(
    page, network, serious_accessibility_violations, artifacts_dir, width, height, prefix
):
    page.set_viewport_size({"width": width, "height": height})
    for path in ("/chiffres-clefs/2025/", "/chiffres-clefs/2025/network.researchers/"):
        page.goto(prefix + path)
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=artifacts_dir / f"{name}{prefix.replace('/', '-')}-{width}.png",
                        full_page=True)
        assert serious_accessibility_violations(page) == [], (prefix + path, width)
    # The team and the counted column (researchers and doctoral students) are on screen
    # without scrolling, at both widths.
    row = page.locator("#records tbody tr").first
    for cell in (row.locator("td").first, row.locator("td.text-end").first):
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
