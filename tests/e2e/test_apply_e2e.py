"""A researcher's whole path in the browser, in French and in English: sign up, open the
verification link from the e-mail, complete the profile, find the open call, fill a draft,
upload a PDF, leave, come back, submit, see the confirmation and the status on the dashboard.
axe finds no serious or critical violation on any of these pages; a screenshot of each page
is written to test-artifacts/ (looked at before calling the feature done)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from programmes.models import Application
from tests.factories import (
    CallFactory,
    InnovationDomainFactory,
    RequiredDocumentFactory,
    TeamFactory,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PASSWORD = "Tumeur-Lyon-2026!"
TEXT = {
    "fr": {"prefix": "", "apply": "Déposer une demande", "start": "Commencer ma demande",
           "save": "Enregistrer le brouillon", "submit": "Déposer la demande",
           "saved": "Brouillon enregistré", "submitted": "est déposée", "status": "Déposée"},
    "en": {"prefix": "/en", "apply": "Apply", "start": "Start my application",
           "save": "Save the draft", "submit": "Submit the application",
           "saved": "Draft saved", "submitted": "has been submitted", "status": "Submitted"},
}


@pytest.fixture
def open_call(transactional_db):
    now = timezone.now()
    call = CallFactory(title="Oncostarter Blanc 2027", slug="oncostarter-blanc-2027",
                       opens_at=now - dt.timedelta(days=5), closes_at=now + dt.timedelta(days=40),
                       year=(now + dt.timedelta(days=40)).year)
    call.domains.add(InnovationDomainFactory(name="Innovations biomédicales"))
    RequiredDocumentFactory(call=call, label="Projet détaillé (PDF)")
    call.team = TeamFactory(name="Immunologie des tumeurs")
    return call


def _check(page, serious_accessibility_violations, artifacts_dir, name):
    page.screenshot(path=str(artifacts_dir / f"apply-{name}.png"), full_page=True)
    assert serious_accessibility_violations(page) == [], name


@pytest.mark.parametrize("language", ["fr", "en"])
def test_apply_e2e_sign_up_to_submission(
    page, open_call, language, tmp_path, settings, serious_accessibility_violations,
    artifacts_dir,
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    text = TEXT[language]
    prefix = text["prefix"]
    email = f"chercheuse.{language}@univ-lyon.example"
    shot = lambda name: _check(  # noqa: E731
        page, serious_accessibility_violations, artifacts_dir, f"{language}-{name}")

    # Sign up; the verification link comes by e-mail.
    page.goto(f"{prefix}/comptes/signup/")
    shot("1-signup")
    page.locator("#id_email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    shot("2-verify-sent")
    message = next(m for m in mail.outbox if email in m.to)
    link = re.search(r"https?://[^\s]+/comptes/confirm-email/[^\s]+", message.body).group(0)
    page.goto(link)
    shot("3-confirm")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{prefix}/mon-espace/profil/")
    if "/comptes/login/" in page.url:
        page.locator("#id_login").fill(email)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{prefix}/mon-espace/profil/")

    # Profile: the applicant becomes the principal investigator of their applications.
    page.locator("#id_first_name").fill("Inès")
    page.locator("#id_last_name").fill("Garnier")
    page.locator("#id_orcid").fill("0000-0002-1825-0097")
    page.locator("#id_team").select_option(value=str(open_call.team.pk))
    shot("4-profile")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # The open call, then a draft.
    page.goto(f"{prefix}/appels/")
    page.get_by_role("link", name="Oncostarter Blanc 2027").first.click()
    shot("5-call")
    page.get_by_role("link", name=text["apply"]).click()
    page.get_by_role("button", name=text["start"]).click()
    expect(page).to_have_url(re.compile(r"/mon-espace/demandes/ONCOSTARTER-BLANC-2027-001/$"))
    page.locator("#id_title").fill("Cibler la résistance aux immunothérapies")
    page.locator("#id_acronym").fill("CIBLE")
    document = open_call.required_documents.get()
    page.locator(f"#id_document_{document.pk}").set_input_files(
        files=[{"name": "projet.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator(".alert-success").first).to_contain_text(text["saved"])
    shot("6-draft")

    # Leave and come back: nothing typed is lost.
    page.goto(f"{prefix}/mon-espace/")
    page.get_by_role("link", name="CIBLE").click()
    expect(page.locator("#id_title")).to_have_value("Cibler la résistance aux immunothérapies")
    expect(page.get_by_role("link", name="projet.pdf")).to_be_visible()

    # Complete it and submit.
    page.locator("#id_lay_summary").fill("Pourquoi certains cancers échappent aux traitements.")
    page.locator("#id_scientific_content").fill("Objectifs, méthodes, résultats attendus.")
    page.locator("#id_domain").select_option(label="Innovations biomédicales")
    page.locator("#id_duration_months").fill("24")
    page.locator("#id_teams").select_option(value=str(open_call.team.pk))
    page.locator("#id_requested_amount").fill("30 000")
    page.locator("#id_budget-0-category").select_option("staff")
    page.locator("#id_budget-0-amount").fill("30 000")
    page.get_by_role("button", name=text["submit"]).click()
    expect(page.locator(".alert-success").first).to_contain_text(text["submitted"])
    shot("7-submitted")

    application = Application.objects.get(reference="ONCOSTARTER-BLANC-2027-001")
    assert application.status == Application.Status.SUBMITTED
    assert application.principal_investigator.last_name == "Garnier"
    assert application.attachments.count() == 1
    assert any(application.reference in m.subject for m in mail.outbox)

    page.goto(f"{prefix}/mon-espace/")
    expect(page.locator("tbody tr").first).to_contain_text(text["status"])
    shot("8-dashboard")
