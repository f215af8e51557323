"""A form sent without a valid CSRF token gets a page in the user's language saying what to
do (status 403, no stack trace, nothing saved) and a security event on `clara.security`."""

import logging

import pytest
from django.test import Client

from programmes.models import Application
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_expired_form_page_in_french_and_logged(csrf_client, caplog):
    caplog.set_level(logging.WARNING, logger="clara.security")
    response = csrf_client.post("/comptes/login/", {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    content = response.content.decode()
    assert "Formulaire expiré" in content and "rechargez-la" in content
    assert "Traceback" not in content
    event = next(r for r in caplog.records if getattr(r, "event", "") == "csrf_failure")
    assert event.path == "/comptes/login/" and event.method == "POST"
    assert "CSRF cookie not set" in event.reason
    assert "a@example.org" not in caplog.text


def test_expired_form_page_in_english(csrf_client):
    response = csrf_client.post("/en/comptes/login/", {"login": "a@example.org"},
                                HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()


def test_a_refused_draft_save_changes_nothing(csrf_client):
    application = f.ApplicationFactory(status=Application.Status.DRAFT, title="Avant")
    csrf_client.force_login(application.applicant)
    url = f"/mon-espace/demandes/{application.reference}/"
    response = csrf_client.post(url, {"title": "Après"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.title == "Avant"
