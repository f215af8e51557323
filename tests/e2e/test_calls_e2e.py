import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import (
    CallFactory,
    EvaluationCriterionFactory,
    FunderFactory,
    RequiredDocumentFactory,
    SiteFactory,
    paris,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def calls(transactional_db):
    now = timezone.now()
    open_call = CallFactory(
        title="Oncostarter Blanc 2027", slug="oncostarter-blanc-2027", year=2027,
        with_track=True, opens_at=now - dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=60), budget=Decimal("180000"),
        description="Une idée nouvelle en cancérologie.",
        eligibility_rules="Une équipe d'un des quatre sites du CLARA.",
    )
    for position, label in enumerate(["Qualité scientifique et originalité",
                                      "Faisabilité et méthodologie"]):
        EvaluationCriterionFactory(call=open_call, label=label, position=position,
                                   description="Ce que le jury regarde.")
    RequiredDocumentFactory(call=open_call, label="Projet détaillé (PDF)")
    RequiredDocumentFactory(call=open_call, label="Lettre de soutien (PDF)", mandatory=False)
    open_call.cofunders.add(FunderFactory(name="Institut National du Cancer"))
    open_call.sites.add(SiteFactory(name="Lyon et alentours"))
    CallFactory(title="Preuve du Concept 2025", year=2025,
                opens_at=paris(2025, 2, 3, 9), closes_at=paris(2025, 4, 30, 23, 59, 59))
    return open_call


def test_calls_e2e_from_the_navbar_to_an_open_call(
    page, calls, serious_accessibility_violations, artifacts_dir
):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    page.get_by_role("link", name="Appels à projets", exact=True).click()

    expect(page).to_have_url(re.compile(r"/appels/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Appels à projets")
    expect(page.locator("#open-calls")).to_contain_text("Oncostarter Blanc 2027")
    expect(page.locator("#closed-calls")).to_contain_text("Preuve du Concept 2025")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Oncostarter Blanc 2027").click()

    expect(page).to_have_url(re.compile(r"/appels/oncostarter-blanc-2027/$"))
    expect(page.locator("#call-status")).to_contain_text("Appel ouvert.")
    expect(page.locator("#call-criteria tbody tr")).to_have_count(2)
    expect(page.locator("#call-documents")).to_contain_text("Facultatif")
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_calls_e2e_pages_fit_phone_and_laptop_widths(
    page, calls, serious_accessibility_violations, artifacts_dir, width, height, prefix
):
    page.set_viewport_size({"width": width, "height": height})
    for path in ("/appels/", "/appels/oncostarter-blanc-2027/"):
        page.goto(prefix + path)
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=artifacts_dir / f"{name}{prefix.replace('/', '-')}-{width}.png",
                        full_page=True)
        assert serious_accessibility_violations(page) == [], (prefix + path, width)
        # Nothing wider than the screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    # The call's title and its closing date are on screen at both widths.
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#call-facts")).to_be_visible()
