"""Staff decide in a real browser: the ranking of a call, "Retenir" with a split that does not
add up (refused, nothing written), then a split that does; the tranches' report. Under the
Content-Security-Policy, with no serious or critical axe violation."""

import re
from decimal import Decimal

import pytest

from funding.models import Award
from programmes.models import Application, Programme, Review
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    EvaluationCriterionFactory,
    FunderFactory,
    ProgrammeFactory,
    ReviewFactory,
    ReviewScoreFactory,
    SuperUserFactory,
    paris,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


def test_decisions_e2e_rank_refuse_then_select(page, log_in, transactional_db, artifacts_dir,
                                               serious_accessibility_violations):
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text
            else None)
    log_in(SuperUserFactory())
    call = CallFactory(budget=Decimal("50000"),
                       programme=ProgrammeFactory(kind=Programme.Kind.ONCOSTARTER))
    inca, ligue = FunderFactory(name="INCa", short_name="INCa"), FunderFactory(
        name="Ligue — Rhône", short_name="Ligue 69")
    call.cofunders.set([inca, ligue])
    criterion = EvaluationCriterionFactory(call=call)
    for index, score in enumerate((5, 3)):
        application = ApplicationFactory(call=call, status=Application.Status.UNDER_REVIEW,
                                         acronym=f"PROJ{index}")
        review = ReviewFactory(application=application, status=Review.Status.SUBMITTED,
                               submitted_at=paris(2025, 5, 2), recommendation="fund")
        ReviewScoreFactory(review=review, criterion=criterion, score=score)

    page.goto(f"/admin/programmes/call/{call.pk}/change/")
    page.get_by_role("link", name="Classement").click()
    expect(page.locator(".ranking-table tbody tr")).to_have_count(2)
    expect(page.locator(".ranking-table tbody tr").first).to_contain_text("PROJ0")
    assert csp == []  # checked before axe, whose own injected styles the policy blocks
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=artifacts_dir / "decisions-ranking.png", full_page=True)

    csp.clear()
    page.locator(".ranking-table tbody tr").first.get_by_role("link", name="Retenir", exact=True).click()
    page.get_by_label("Montant accordé (€)").fill("30000")
    page.get_by_label("INCa").fill("20000")
    page.get_by_label("Ligue 69").fill("5000")
    page.get_by_role("button", name=re.compile("Retenir")).click()
    expect(page.locator(".errorlist")).to_contain_text("elles doivent faire exactement")
    assert not Award.objects.exists()
    assert csp == []
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=artifacts_dir / "decisions-select-refused.png", full_page=True)

    page.get_by_label("Ligue 69").fill("10000")
    page.get_by_role("button", name=re.compile("Retenir")).click()
    expect(page.locator(".messagelist")).to_contain_text("est retenue")
    award = Award.objects.get()
    assert award.amount == Decimal("30000")
    assert award.application.status == Application.Status.SELECTED

    csp.clear()
    page.goto("/admin/funding/versements/")
    expect(page.locator(".ranking-table tbody tr")).to_have_count(2)
    assert csp == []
    assert serious_accessibility_violations(page) == []
