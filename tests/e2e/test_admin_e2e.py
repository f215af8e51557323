"""Staff in the admin, in a real browser: pages work under the Content-Security-Policy."""

import re

import pytest

from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    ContributionFactory,
    OrganisationFactory,
    SuperUserFactory,
    TeamCensusFactory,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def staff_page(page, log_in, transactional_db):
    log_in(SuperUserFactory())
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.csp_violations = violations
    return page


def test_admin_e2e_pages_work_under_csp(staff_page, artifacts_dir):
    page = staff_page
    award = AwardFactory()
    ContributionFactory(award=award, amount=award.amount)
    ApplicationFactory.create_batch(2)
    TeamCensusFactory()

    page.goto("/admin/")
    expect(page.get_by_role("link", name=re.compile("Chiffres clefs"))).to_be_visible()
    page.screenshot(path=artifacts_dir / "admin-index.png", full_page=True)

    page.goto("/admin/programmes/application/")
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.goto(f"/admin/funding/award/{award.pk}/change/")
    expect(page.locator("#contributions-group")).to_be_visible()
    page.screenshot(path=artifacts_dir / "admin-award.png", full_page=True)
    page.goto("/admin/network/team/add/")
    page.locator(".select2-selection").first.click()  # autocomplete widget opens
    expect(page.locator(".select2-search__field")).to_be_visible()

    assert page.csp_violations == []


def test_admin_e2e_export_select_all(staff_page, artifacts_dir):
    page = staff_page
    OrganisationFactory.create_batch(2)
    page.goto("/admin/network/organisation/export/")
    boxes = page.locator('.selectable-field-export-row input[type="checkbox"]')
    expect(boxes.first).to_be_checked()

    page.locator("#select-all-toggle").uncheck()

    for index in range(boxes.count()):
        expect(boxes.nth(index)).not_to_be_checked()
    page.screenshot(path=artifacts_dir / "admin-export.png", full_page=True)
    assert page.csp_violations == []


def test_admin_e2e_staff_record_a_committee_decision(staff_page, artifacts_dir):
    """The status list offers only the allowed moves; choosing "Retenue" with the committee's
    date records the decision with it, and a bulk move that is not allowed changes nothing."""
    from programmes.models import Application, Decision

    page = staff_page
    application = ApplicationFactory(status=Application.Status.UNDER_REVIEW)
    stuck = ApplicationFactory(status=Application.Status.NOT_SELECTED)

    page.goto(f"/admin/programmes/application/{application.pk}/change/")
    options = page.locator("#id_status option")
    expect(options).to_have_count(5)
    page.select_option("#id_status", "selected")
    page.fill("#id_committee_date", "26/06/2025")
    page.screenshot(path=artifacts_dir / "admin-application-decision.png", full_page=True)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()

    application.refresh_from_db()
    assert application.status == Application.Status.SELECTED
    assert Decision.objects.get(application=application).committee_date.isoformat() == (
        "2025-06-26"
    )

    page.goto("/admin/programmes/application/?status__exact=not_selected")
    page.locator("#result_list input.action-select").first.check()
    page.select_option("select[name=action]", "move_to_selected")
    page.fill("input[name=committee_date]", "2025-06-26")
    page.click("button[name=index]")
    expect(page.locator(".messagelist .error")).to_contain_text("Aucune demande n'a changé")
    page.screenshot(path=artifacts_dir / "admin-bulk-refused.png", full_page=True)
    stuck.refresh_from_db()
    assert stuck.status == Application.Status.NOT_SELECTED
    assert page.csp_violations == []
