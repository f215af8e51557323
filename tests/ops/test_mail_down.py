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

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def mail_down(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPConnectError(421, "Service not available")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)


def test_submit_with_the_mail_server_down_confirms_and_logs(
        client, mail_down, caplog, django_capture_on_commit_callbacks):
    application = _ready_draft()
    client.force_login(application.applicant)
    url = f"/mon-espace/demandes/{application.reference}/"
    caplog.set_level(logging.ERROR)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**_form_of(application), "action": "submit"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert client.get(response["Location"]).status_code == 200
    assert len(mail.outbox) == 0
    failure = next(r for r in caplog.records if "on_commit" in r.getMessage())
    assert "notify_application_submitted" in failure.getMessage() or failure.exc_info
    assert failure.levelno == logging.ERROR
