"""Browser fixtures: Playwright's sync API driving the machine's Chromium against
pytest-django's live_server. Skipped, with the reason, where Playwright or Chromium is missing.
The browser is never downloaded (no `playwright install`): `apt-get install chromium`."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django then refuses database
# access from that thread (SynchronousOnlyOperation) unless told it is safe, which it is here:
# the loop only drives the browser.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason='Playwright is not installed: pip install -e ".[dev,e2e]"',
    )
    executable = _chromium_path()
    if executable is None:
        pytest.skip("Chromium not found on PATH: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture
def serious_accessibility_violations():
    """A function running axe-core on a page and returning its violations of impact "serious"
    or "critical", one readable line each (an empty list when the page passes)."""
    sync_axe = pytest.importorskip(
        "axe_playwright_python.sync_playwright",
        reason='axe-playwright-python is not installed: pip install -e ".[dev,e2e]"',
    )
    axe = sync_axe.Axe()

    def run(page) -> list[str]:
        results = axe.run(page)
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + ", ".join(str(node["target"]) for node in violation["nodes"])
            for violation in results.response["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]

    return run


@pytest.fixture
def log_in(page, live_server):
    """A function that signs `user` in for this browser page (session cookie of a test
    client), so that tests do not go through the login form each time. Staff get the second
    factor recorded too, as after the login page and its code (the admin requires it)."""
    from django.conf import settings
    from django.test import Client

    from tests.helpers import login_with_mfa

    def sign_in(user) -> None:
        client = Client()
        if user.is_staff:
            login_with_mfa(client, user)
        else:
            client.force_login(user)
        page.context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }])

    return sign_in
