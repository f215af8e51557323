"""Every public page of the demo data, in French and English, at a laptop's and a phone's
width: no serious or critical axe-core violation, nothing wider than the window, a
screenshot of each in test-artifacts/ (issue 10). And the funded projects' filters used
with the keyboard only, and without JavaScript."""

import re

import pytest
from django.core.management import call_command
from django.test import override_settings

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    with override_settings(DEBUG=True):  # the demo loader refuses to run otherwise
        call_command("load_demo", verbosity=0)
    from events.models import Event
    from programmes.models import Call
    from projects.models import FundedProject, Outcome

    project = FundedProject.objects.filter(
        pk__in=Outcome.objects.values("project_id")).order_by("pk").first()
    organisation = project.award.application.teams.first().organisation
    return {
        "project": project.pk,
        "call": Call.objects.order_by("-closes_at").first().slug,
        "event": Event.objects.filter(kind="forum").order_by("-start_date").first().pk,
        "organisation": organisation.pk,
    }


def _pages(demo) -> list[str]:
    return [
        "/", "/projets/", "/projets/?annee=2025&programme=oncostarter",
        "/projets/?q=melanome", f"/projets/{demo['project']}/",
        "/projets/?chiffre=awards.count&exercice=2025",
        "/appels/", f"/appels/{demo['call']}/",
        "/evenements/", f"/evenements/{demo['event']}/",
        "/partenaires/", f"/partenaires/{demo['organisation']}/",
        "/territoire/", "/chiffres-clefs/2025/", "/chiffres-clefs/2025/awards.count/",
    ]


@pytest.mark.parametrize("width", [1366, 390])
def test_every_public_page_is_accessible_at_both_widths_in_both_languages(
    page, demo, serious_accessibility_violations, artifacts_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    problems = []
    for prefix in ("", "/en"):
        for path in _pages(demo):
            response = page.goto(prefix + path)
            assert response.status == 200, prefix + path
            name = re.sub(r"[^a-z0-9]+", "-", (prefix + path).lower()).strip("-") or "home"
            page.screenshot(path=artifacts_dir / f"public-{name}-{width}.png", full_page=True)
            problems += [f"{prefix}{path}: {v}" for v in serious_accessibility_violations(page)]
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{prefix}{path}: {scroll} px wide at {width} px")
            if width == 1366:  # the header on one line (a visitor, French or English)
                tops = page.evaluate("""[".clara-main-nav", ".clara-account-nav"].map(
                    s => document.querySelector(s).getBoundingClientRect().top)""")
                if abs(tops[0] - tops[1]) > 12:
                    problems.append(f"{prefix}{path}: the header wraps at {width} px")
    assert problems == []


def test_project_filters_work_with_the_keyboard_and_show_the_focus(page, demo):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/projets/")
    link = page.get_by_role("link", name=re.compile(r"^2025$"))
    link.focus()
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }")
    assert outline[0] != "none" or outline[2] != "none", outline
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"annee=2025"))
    expect(page.get_by_role("link", name=re.compile(r"2025")).first).to_have_attribute(
        "aria-current", "true")


def test_project_search_and_filters_work_without_javascript(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/projets/")
        page.get_by_label("Rechercher un projet").fill("cancer")
        page.get_by_role("button", name="Rechercher").click()
        expect(page).to_have_url(re.compile(r"q=cancer"))
        listed = page.locator("table a[href^='/projets/']").count()
        assert listed > 0
        # The first choice of the first filter keeps the search and narrows the list.
        page.locator("aside a[rel=nofollow]").first.click()
        expect(page).to_have_url(re.compile(r"q=cancer&.+="))
        assert 0 < page.locator("table a[href^='/projets/']").count() <= listed
    finally:
        context.close()


def test_search_without_accents_finds_accented_words(page, demo):
    page.goto("/projets/?q=melanome")  # « mélanomes » in the demo's summaries
    assert page.locator("table a[href^='/projets/']").count() >= 1
