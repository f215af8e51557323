"""The public API's documentation page (/api/docs/) renders in Chromium under the site's CSP:
Swagger UI from static/, its start script a file of its own, no inline script or style, and
every operation of the description listed."""

import pytest

from tests import factories as f

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


def test_api_documentation_renders_under_the_csp(page, transactional_db, artifacts_dir,
                                                 serious_accessibility_violations):
    project = f.FundedProjectFactory()
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_viewport_size({"width": 1366, "height": 900})
    response = page.goto("/api/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    operations = page.locator(".swagger-ui .opblock-get")
    expect(operations).to_have_count(11)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CLARA")
    # The stylesheet applies (Swagger UI's own layout, and ours: no inline style needed).
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    page.screenshot(path=str(artifacts_dir / "api-docs-1366.png"), full_page=False)
    # A public page like the others: no serious or critical axe violation (html lang, the
    # colours darkened in static/api/docs.css, no link nested in the summary buttons).
    assert serious_accessibility_violations(page) == []
    # Try one operation from the page: the answer is shown.
    page.locator(".opblock-get", has_text="/api/v1/projets/{id}/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("input[placeholder='id']").fill(str(project.pk))  # not 1 on PostgreSQL
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".responses-wrapper .live-responses-table")).to_contain_text("200")
    page.screenshot(path=str(artifacts_dir / "api-docs-try-1366.png"), full_page=False)
    assert serious_accessibility_violations(page) == []
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], \
        problems
    assert not problems, problems
