"""Browser test of the public events pages: the list and an event's page at laptop and phone
widths in both languages (screenshots, no serious or critical axe violation), and the filters
reached and followed with the keyboard alone."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from events.models import Event, Poster
from tests.factories import (
    CompanyFactory,
    EventFactory,
    EventSpeakerFactory,
    PersonFactory,
    PosterFactory,
    PrizeFactory,
    SiteFactory,
    SurveyResponseFactory,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def forum(transactional_db):
    lyon = SiteFactory(name="Lyon et alentours")
    today = timezone.localdate()
    forum = EventFactory(
        title="Forum de la recherche en cancérologie 2025", kind=Event.Kind.FORUM,
        start_date=dt.date(2025, 10, 9), end_date=dt.date(2025, 10, 10), site=lyon,
        venue="Espace Tête d'Or, Villeurbanne", participants=250,
        description="Le rendez-vous annuel des équipes du réseau.",
    )
    EventSpeakerFactory(event=forum, person=PersonFactory(
        first_name="Alice", last_name="Consentante", public_consent_on=dt.date(2025, 1, 2)))
    EventSpeakerFactory(event=forum, person=PersonFactory(
        first_name="Bruno", last_name="Discret", kind="patient_partner"))
    poster = PosterFactory(event=forum, kind=Poster.Kind.LAY,
                           title="Comprendre le rôle des gènes dans les gliomes")
    PosterFactory(event=forum, title="Cartographie spatiale des sarcomes")
    PrizeFactory(event=forum, poster=poster, label="Prix du public")
    PrizeFactory(event=forum, startup_trophy=True, label="Trophée jeune start-up 2025",
                 laureate=CompanyFactory(name="Histoquant Diagnostics"))
    EventFactory(title="Atelier patients partenaires – chercheurs", kind=Event.Kind.WORKSHOP,
                 parent=forum, start_date=forum.start_date, site=lyon, participants=30)
    evening = EventFactory(title="Soirée grand public 2025", kind=Event.Kind.PUBLIC_EVENING,
                           start_date=dt.date(2025, 11, 20), site=lyon, participants=60)
    for rating in (5, 4, 5):
        SurveyResponseFactory(event=evening, rating=rating, comment="Un commentaire privé")
    EventFactory(title="Formation à la gestion de projet", kind=Event.Kind.TRAINING,
                 start_date=dt.date(2025, 3, 27), site=lyon, participants=22)
    EventFactory(title="Forum de la recherche en cancérologie à venir", kind=Event.Kind.FORUM,
                 start_date=today + dt.timedelta(days=40),
                 end_date=today + dt.timedelta(days=41), site=lyon, participants=None)
    return forum


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_events_e2e_list_and_detail_are_accessible_at_both_widths(
    page, forum, serious_accessibility_violations, artifacts_dir, width, height, prefix
):
    page.set_viewport_size({"width": width, "height": height})
    suffix = f"{prefix.replace('/', '-')}-{width}"

    page.goto(f"{prefix}/evenements/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#upcoming-events")).to_contain_text(
        "Forum de la recherche en cancérologie à venir")
    expect(page.locator("#past-events tbody tr")).to_have_count(3)
    expect(page.locator("#past-events")).not_to_contain_text("Atelier patients partenaires")
    page.screenshot(path=artifacts_dir / f"evenements{suffix}.png", full_page=True)
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Forum de la recherche en cancérologie 2025").click()
    expect(page).to_have_url(re.compile(rf"{prefix}/evenements/{forum.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Forum de la recherche en cancérologie 2025")
    expect(page.locator("#event-speakers")).to_contain_text("Alice Consentante")
    expect(page.locator("main")).not_to_contain_text("Discret")
    expect(page.locator("#event-prizes")).to_contain_text("Histoquant Diagnostics")
    expect(page.locator("#event-sessions")).to_contain_text("Atelier patients partenaires")
    page.screenshot(path=artifacts_dir / f"evenement-forum{suffix}.png", full_page=True)
    assert serious_accessibility_violations(page) == []

    page.goto(f"{prefix}/evenements/")
    page.get_by_role("link", name="Soirée grand public 2025").click()
    expect(page.locator("#event-survey")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Un commentaire privé")
    page.screenshot(path=artifacts_dir / f"evenement-soiree{suffix}.png", full_page=True)
    assert serious_accessibility_violations(page) == []


def test_events_e2e_filters_are_reached_and_followed_with_the_keyboard(page, forum):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/evenements/")
    target = page.locator("#event-filters").get_by_role("link", name="Formation", exact=True)
    for _press in range(60):
        page.keyboard.press("Tab")
        if target.evaluate("link => link === document.activeElement"):
            break
    expect(target).to_be_focused()

    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/evenements/\?type=training$"))
    expect(page.locator("#past-events tbody tr")).to_have_count(1)
    expect(page.locator("#past-events")).to_contain_text("Formation à la gestion de projet")
    selected = page.locator("#event-filters [aria-current=true]")
    expect(selected).to_have_text("✓ Formation")
    expect(page.locator("#upcoming-events")).not_to_contain_text("cancérologie à venir")

    # The years are links too: Tab on to one and follow it, the kind kept.
    year = page.locator("#event-filters").get_by_role("link", name="2025", exact=True)
    for _press in range(20):
        page.keyboard.press("Tab")
        if year.evaluate("link => link === document.activeElement"):
            break
    expect(year).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/evenements/\?type=training&annee=2025$"))
