"""The applicant's path: start a draft, save it (button and autosave), attach PDFs, submit
before the deadline, withdraw; who may see what (QUALITY 3, 4, 7, 8, 10, 13)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programmes import services
from programmes.models import Application, Attachment, BudgetLine, Programme
from programmes.selectors import application_missing
from tests.factories import (
    CallFactory,
    InnovationDomainFactory,
    OrganisationFactory,
    PersonFactory,
    ProgrammeFactory,
    RequiredDocumentFactory,
    StaffUserFactory,
    TeamFactory,
    UserFactory,
    paris,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def _applicant(**kwargs):
    user = UserFactory(**kwargs)
    PersonFactory(user=user, first_name=user.first_name, last_name=user.last_name)
    return user


def _open_call(**kwargs):
    now = timezone.now()
    kwargs.setdefault("opens_at", now - dt.timedelta(days=10))
    kwargs.setdefault("closes_at", now + dt.timedelta(days=30))
    kwargs.setdefault("year", kwargs["closes_at"].year)
    return CallFactory(**kwargs)


def _pdf(name="projet.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _complete(application, *, document=None):
    """Fill every required part of the draft through the services."""
    team = TeamFactory()
    services.application_save_draft(
        application=application, by=application.applicant,
        fields={"title": "Cibler la résistance", "acronym": "CIBLE", "lay_summary": "Résumé.",
                "scientific_content": "Méthodes.", "domain": InnovationDomainFactory(),
                "requested_amount": Decimal("30000"), "duration_months": 24},
        teams=[team],
        budget_lines=[{"category": "staff", "label": "Ingénieur", "amount": Decimal("20000")},
                      {"category": "running", "label": "", "amount": Decimal("10000")}],
    )
    if document is not None:
        services.attachment_add(application=application, required_document=document,
                                uploaded_file=_pdf(), by=application.applicant)
    application.refresh_from_db()
    return application


def _ready_draft(applicant=None):
    """A complete draft (every part and its one required document) on an open call."""
    call = _open_call()
    document = RequiredDocumentFactory(call=call)
    applicant = applicant or _applicant()
    return _complete(services.application_start(call=call, applicant=applicant),
                     document=document)


# --- starting and saving drafts -------------------------------------------------------------

def test_start_creates_one_draft_with_the_applicant_as_principal_investigator():
    user = _applicant()
    call = _open_call()
    first = services.application_start(call=call, applicant=user)
    again = services.application_start(call=call, applicant=user)  # double click, second tab
    assert first.pk == again.pk
    assert Application.objects.filter(call=call).count() == 1
    assert first.status == Application.Status.DRAFT
    assert first.principal_investigator == user.person
    assert first.reference.startswith(call.slug.upper())


def test_start_is_refused_on_a_closed_call_and_without_profile():
    call = CallFactory(year=2020)
    with pytest.raises(ValidationError, match="pas ouvert"):
        services.application_start(call=call, applicant=_applicant())
    with pytest.raises(ValidationError, match="profil"):
        services.application_start(call=_open_call(), applicant=UserFactory())
    assert not Application.objects.exists()


def test_missing_names_each_required_part_and_budget_must_add_up():
    call = _open_call()
    document = RequiredDocumentFactory(call=call, label="CV du porteur")
    RequiredDocumentFactory(call=call, label="Lettre de soutien", mandatory=False)
    application = services.application_start(call=call, applicant=_applicant())
    missing = application_missing(application)
    for part in ("le titre", "l'acronyme", "le résumé grand public", "le résumé scientifique",
                 "le domaine d'innovation", "le montant demandé", "la durée du projet",
                 "au moins une équipe", "le budget détaillé", "le document « CV du porteur »"):
        assert part in missing
    assert not any("Lettre de soutien" in item for item in missing)

    _complete(application, document=document)
    assert application_missing(application) == []
    BudgetLine.objects.filter(application=application, category="running").update(
        amount=Decimal("9999.99"))
    assert application_missing(application) == [
        "un budget dont les lignes font le montant demandé"]


def test_proof_of_concept_needs_a_partner_company_with_its_investment():
    call = _open_call(programme=ProgrammeFactory(kind=Programme.Kind.PROOF_OF_CONCEPT))
    application = _complete(services.application_start(call=call, applicant=_applicant()))
    assert application_missing(application) == [
        "l'entreprise partenaire et son investissement prévu"]
    company = OrganisationFactory(kind="company", name="OncoTech")
    services.application_save_draft(
        application=application, by=application.applicant, fields={},
        investments=[{"company": company, "planned_amount": Decimal("50000")}])
    assert application_missing(application) == []
    assert list(application.partner_companies.all()) == [company]


def test_amount_above_the_call_ceiling_is_missing_and_refused_by_the_form(client):
    call = _open_call(max_requested_amount=Decimal("40000"))
    user = _applicant()
    application = services.application_start(call=call, applicant=user)
    client.force_login(user)
    response = client.post(f"/mon-espace/demandes/{application.reference}/",
                           {**_management(), "requested_amount": "40 000,01", "action": "save"})
    assert response.status_code == 200
    assert "dépasse le plafond" in response.content.decode()
    application.refresh_from_db()
    assert application.requested_amount == 0


# --- attachments ------------------------------------------------------------------------------

@pytest.mark.parametrize("name,content", [
    ("cv.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("cv.pdf", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("vide.pdf", b""),
])
def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(name, content, tmp_path):
    call = _open_call()
    document = RequiredDocumentFactory(call=call)
    application = services.application_start(call=call, applicant=_applicant())
    with pytest.raises(ValidationError):
        services.attachment_add(application=application, required_document=document,
                                uploaded_file=_pdf(name, content), by=application.applicant)
    assert not Attachment.objects.exists()
    assert not list((tmp_path / "private").rglob("*.pdf"))


def test_a_pdf_one_byte_over_the_limit_is_refused_and_at_the_limit_accepted(settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 2000
    call = _open_call()
    document = RequiredDocumentFactory(call=call)
    application = services.application_start(call=call, applicant=_applicant())
    exact = PDF + b"0" * (2000 - len(PDF))
    with pytest.raises(ValidationError, match="la limite est de"):
        services.attachment_add(application=application, required_document=document,
                                uploaded_file=_pdf(content=exact + b"0"), by=application.applicant)
    assert not Attachment.objects.exists()
    assert not list((tmp_path / "private").rglob("*.pdf"))
    services.attachment_add(application=application, required_document=document,
                            uploaded_file=_pdf(content=exact), by=application.applicant)
    assert Attachment.objects.get().size == 2000


def test_a_pdf_is_stored_under_a_server_name_and_replaces_the_previous_one(tmp_path):
    call = _open_call()
    document = RequiredDocumentFactory(call=call)
    application = services.application_start(call=call, applicant=_applicant())
    first = services.attachment_add(application=application, required_document=document,
                                    uploaded_file=_pdf("../../etc/mon cv.pdf"),
                                    by=application.applicant)
    assert first.original_name == "mon cv.pdf"
    assert "mon cv" not in first.file.name and ".." not in first.file.name
    first_path = Path(first.file.path)
    assert first_path.is_relative_to(tmp_path / "private")
    second = services.attachment_add(application=application, required_document=document,
                                     uploaded_file=_pdf("v2.pdf"), by=application.applicant)
    assert list(application.attachments.all()) == [second]
    with pytest.raises(ValueError):
        second.file.url  # noqa: B018 - private files have no URL


def test_the_form_refuses_a_renamed_html_file_with_a_message(client, tmp_path):
    call = _open_call()
    document = RequiredDocumentFactory(call=call)
    user = _applicant()
    application = services.application_start(call=call, applicant=user)
    client.force_login(user)
    response = client.post(f"/mon-espace/demandes/{application.reference}/", {
        **_management(), "title": "Titre tapé", "action": "save",
        f"document_{document.pk}": _pdf("cv.pdf", b"<html><body>x</body></html>"),
    })
    assert response.status_code == 200
    assert "n&#x27;est pas un PDF" in response.content.decode()
    assert "Titre tapé" in response.content.decode()  # what was typed is shown again
    assert not Attachment.objects.exists()
    assert not list((tmp_path / "private").rglob("*.pdf"))


# --- submitting --------------------------------------------------------------------------------

def test_submit_sends_one_email_after_the_commit_and_makes_it_read_only(
    client, django_capture_on_commit_callbacks
):
    application = _ready_draft()
    user = application.applicant
    client.force_login(user)
    url = f"/mon-espace/demandes/{application.reference}/"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {**_form_of(application), "action": "submit"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED, application_missing(application)
    assert sum(c.__name__ == "confirm" for c in callbacks) == 1  # the e-mail, after commit
    assert application.submitted_at is not None
    assert application.history.filter(history_user=user, status="submitted").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert application.reference in mail.outbox[0].subject

    # Read-only now: a POST changes nothing, a second submit sends nothing.
    client.post(url, {**_form_of(application), "title": "Autre", "action": "submit"})
    application.refresh_from_db()
    assert application.title == "Cibler la résistance"
    assert len(mail.outbox) == 1
    assert "n'est plus modifiable" in client.get(url).content.decode().replace("&#x27;", "'")


def test_submit_with_missing_parts_names_them_and_keeps_the_draft(client):
    call = _open_call()
    user = _applicant()
    application = services.application_start(call=call, applicant=user)
    client.force_login(user)
    response = client.post(f"/mon-espace/demandes/{application.reference}/",
                           {**_management(), "title": "Mon projet", "action": "submit"},
                           follow=True)
    page = response.content.decode().replace("&#x27;", "'")
    assert "n'a pas été déposée" in page and "l'acronyme" in page and "la durée du projet" in page
    application.refresh_from_db()
    assert (application.status, application.title) == ("draft", "Mon projet")
    assert not mail.outbox


@pytest.mark.parametrize("close,inside,outside", [
    # Summer time (UTC+2): 23:59:59 in Paris is 21:59:59 UTC.
    (paris(2026, 4, 30, 23, 59, 59), dt.datetime(2026, 4, 30, 21, 59, 59, 999999, dt.UTC),
     dt.datetime(2026, 4, 30, 22, 0, 0, tzinfo=dt.UTC)),
    # The night summer time starts (29 March 2026): still 23:59:59 Paris, now 21:59:59 UTC.
    (paris(2026, 3, 29, 23, 59, 59), dt.datetime(2026, 3, 29, 21, 59, 59, tzinfo=dt.UTC),
     dt.datetime(2026, 3, 29, 22, 0, 0, tzinfo=dt.UTC)),
    # The day winter time comes back (25 October 2026): 23:59:59 Paris is 22:59:59 UTC.
    (paris(2026, 10, 25, 23, 59, 59), dt.datetime(2026, 10, 25, 22, 59, 59, tzinfo=dt.UTC),
     dt.datetime(2026, 10, 25, 23, 0, 0, tzinfo=dt.UTC)),
])
def test_deadline_accepts_the_closing_second_and_refuses_the_next(close, inside, outside):
    call = CallFactory(year=close.year, opens_at=close - dt.timedelta(days=60), closes_at=close)
    document = RequiredDocumentFactory(call=call)
    user = _applicant()
    late = _complete(services.application_start(call=call, applicant=user,
                                                at=close - dt.timedelta(days=1)),
                     document=document)
    before = Application.objects.values().get(pk=late.pk)
    with pytest.raises(ValidationError, match="clos depuis le") as refused:
        services.application_submit(application=late, by=user, at=outside)
    assert "23:59:59" in str(refused.value)  # the deadline in Paris time
    assert Application.objects.values().get(pk=late.pk) == before  # the draft is intact
    services.application_submit(application=late, by=user, at=inside)
    late.refresh_from_db()
    assert late.status == Application.Status.SUBMITTED and late.submitted_at == inside


def test_withdraw_before_a_decision_only(client):
    application = _ready_draft()
    user = application.applicant
    services.application_submit(application=application, by=user)
    client.force_login(user)
    response = client.post(f"/mon-espace/demandes/{application.reference}/retirer/")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.application_withdraw(application=application, by=user)


# --- who sees what -------------------------------------------------------------------------------

def _management(**counts):
    data = {}
    for prefix in ("budget", "co", "invest"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(counts)
    return data


def _form_of(application):
    return {
        **_management(**{"budget-TOTAL_FORMS": "2"}),
        "title": application.title, "acronym": application.acronym,
        "lay_summary": application.lay_summary,
        "scientific_content": application.scientific_content,
        "domain": application.domain_id, "requested_amount": "30000",
        "duration_months": application.duration_months,
        "teams": [t.pk for t in application.teams.all()],
        "budget-0-category": "staff", "budget-0-label": "Ingénieur", "budget-0-amount": "20000",
        "budget-1-category": "running", "budget-1-amount": "10000",
    }


def _urls(application, attachment):
    base = f"/mon-espace/demandes/{application.reference}/"
    return [base, base + "retirer/", f"{base}documents/{attachment.pk}/"]


def test_another_applicant_gets_404_everywhere_and_anonymous_is_sent_to_log_in(client):
    application = _ready_draft()
    attachment = application.attachments.get()
    for url in _urls(application, attachment):
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response["Location"], url
    client.force_login(_applicant())
    for url in _urls(application, attachment) + ["/mon-espace/demandes/NEXISTE-PAS/"]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {**_form_of(application), "title": "Volé",
                                 "action": "submit"}).status_code == 404, url
    application.refresh_from_db()
    assert (application.title, application.status) == ("Cibler la résistance", "draft")


def test_staff_see_any_application_and_its_attachment(client):
    application = _ready_draft()
    client.force_login(StaffUserFactory(is_superuser=True))
    page = client.get(f"/mon-espace/demandes/{application.reference}/")
    assert page.status_code == 200 and "Cibler la résistance" in page.content.decode()
    download = client.get(_urls(application, application.attachments.get())[2])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_attachment_download_is_a_private_pdf_attachment(client):
    application = _ready_draft()
    user = application.applicant
    client.force_login(user)
    response = client.get(_urls(application, application.attachments.get())[2])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/" + application.attachments.get().file.name).status_code == 404


def test_a_post_with_fields_the_form_does_not_offer_changes_none_of_them(client):
    call = _open_call()
    other_call = _open_call()
    user = _applicant()
    application = services.application_start(call=call, applicant=user)
    client.force_login(user)
    client.post(f"/mon-espace/demandes/{application.reference}/", {
        **_management(), "title": "Titre", "status": "selected", "applicant": UserFactory().pk,
        "call": other_call.pk, "reference": "PIRATE-1", "submitted_at": "2020-01-01",
        "principal_investigator": PersonFactory().pk, "action": "save",
    })
    application.refresh_from_db()
    assert application.title == "Titre"
    assert (application.status, application.applicant, application.call, application.reference,
            application.submitted_at, application.principal_investigator) == (
        "draft", user, call, application.reference, None, user.person)
    assert application.reference.startswith(call.slug.upper())


def test_autosave_saves_the_typed_fields_and_answers_json(client):
    user = _applicant()
    application = services.application_start(call=_open_call(), applicant=user)
    client.force_login(user)
    url = f"/mon-espace/demandes/{application.reference}/"
    response = client.post(url, {**_management(), "title": "En cours de frappe",
                                 "lay_summary": "Phrase à moitié"}, headers={"X-Autosave": "1"})
    assert response.status_code == 200 and response.json()["saved"] is True
    application.refresh_from_db()
    assert (application.title, application.lay_summary) == ("En cours de frappe",
                                                            "Phrase à moitié")
    bad = client.post(url, {**_management(), "requested_amount": "beaucoup"},
                      headers={"X-Autosave": "1"})
    assert bad.status_code == 400 and bad.json()["saved"] is False


def test_dashboard_lists_own_applications_with_what_is_missing_in_bounded_queries(client):
    user = _applicant()
    client.force_login(user)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/mon-espace/")
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    call = _open_call()
    RequiredDocumentFactory(call=call, label="Projet détaillé")
    services.application_start(call=call, applicant=user)
    services.application_start(call=_open_call(), applicant=_applicant())  # someone else's
    one, page = queries()
    assert "le document « Projet détaillé »" in page.replace("&#x27;", "'")
    assert page.count("/mon-espace/demandes/") == 1
    for _ in range(3):
        other = _open_call()
        RequiredDocumentFactory(call=other)
        _complete(services.application_start(call=other, applicant=user))
    many, page = queries()
    assert page.count("/mon-espace/demandes/") == 4
    assert (one, many) == (12, 12)


def test_pages_exist_in_english(client):
    user = _applicant()
    application = services.application_start(call=_open_call(), applicant=user)
    client.force_login(user)
    assert client.get("/en/mon-espace/").status_code == 200
    response = client.get(f"/en/mon-espace/demandes/{application.reference}/")
    assert response.status_code == 200 and response["Content-Language"] == "en"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (select_for_update) need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_give_one_submission_and_one_email():
    """QUALITY 11 through the applicant's service: a double click or two tabs."""
    import threading

    application = _ready_draft()
    user = application.applicant
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.application_submit(
                application=Application.objects.get(pk=application.pk), by=user)
            outcomes.append("submitted")
        except ValidationError as error:
            outcomes.append(error.error_list[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_submitted", "submitted"]
    assert Application.objects.filter(pk=application.pk, status="submitted").count() == 1
    assert application.history.filter(status="submitted").count() == 1
    assert len(mail.outbox) == 1


def test_dashboard_leads_a_reviewer_to_their_reviews(client):
    from tests.factories import ReviewerFactory, ReviewFactory

    reviewer = ReviewerFactory().user
    client.force_login(reviewer)
    assert "/evaluations/" not in client.get("/mon-espace/").content.decode()
    ReviewFactory(reviewer=reviewer)
    page = client.get("/mon-espace/").content.decode()
    assert "Vous avez 1 évaluation à rendre." in page and 'href="/evaluations/"' in page
