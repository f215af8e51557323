"""The mail server is down (or refuses the message) when an applicant submits: the submission
is committed, so the applicant sees the confirmation, not an error page; the failure is logged
with its traceback for staff to resend. Found by the closing-rush bench's review: a 500 after a
committed submission told the applicant it had failed."""

import logging
import smtplib

import pytest
from django.core import mail

from programmes.models import Application
from tests.programmes.test_applicant import _form_of, _ready_draft

# Real commits: the e-mail is tried when the submission commits, inside the request, as in
# production (in a test transaction it would wait for the end of the test).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def mail_down(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPConnectError(421, "Service not available")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)


def test_submit_with_the_mail_server_down_confirms_and_logs(client, mail_down, caplog):
    application = _ready_draft()
    client.force_login(application.applicant)
    url = f"/mon-espace/demandes/{application.reference}/"
    caplog.set_level(logging.ERROR)
    response = client.post(url, {**_form_of(application), "action": "submit"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode().replace("&#x27;", "'")
    assert "est déposée, mais l'e-mail de confirmation n'a pas pu être envoyé" in content
    assert "Un e-mail de confirmation vous a été envoyé" not in content
    assert len(mail.outbox) == 0
    failure = next(r for r in caplog.records if "on_commit" in r.getMessage())
    assert "notify_application_submitted" in failure.getMessage() or failure.exc_info
    assert failure.levelno == logging.ERROR


def test_submit_with_the_mail_server_up_says_the_email_was_sent(client):
    application = _ready_draft()
    client.force_login(application.applicant)
    url = f"/mon-espace/demandes/{application.reference}/"
    response = client.post(url, {**_form_of(application), "action": "submit"}, follow=True)
    assert "Un e-mail de confirmation vous a été envoyé" in response.content.decode()
    assert len(mail.outbox) == 1
