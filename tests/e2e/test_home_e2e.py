import re

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


def test_home_e2e_renders_and_is_accessible(page, serious_accessibility_violations, artifacts_dir):
    page.goto("/")

    expect(page).to_have_title(re.compile("CLARA"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Saint-Étienne", exact=True)).to_be_visible()
    page.screenshot(path=artifacts_dir / "home.png", full_page=True)
    assert serious_accessibility_violations(page) == []


def test_home_e2e_switches_to_english(page, artifacts_dir):
    page.goto("/")
    page.get_by_role("link", name="EN", exact=True).click()

    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="EN", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    page.screenshot(path=artifacts_dir / "home-en.png", full_page=True)


def test_home_e2e_skip_link_reaches_main_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()

    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()
