"""A request during a database outage: the 503 page in the visitor's language, Retry-After,
never a stack trace."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client


def _outage(*args, **kwargs):
    raise OperationalError('connection to server at "db.internal" failed: secret-detail')


@pytest.fixture
def outage(monkeypatch):
    # The home page reads the calls first.
    monkeypatch.setattr("programmes.selectors.call_list_public", _outage)


@pytest.mark.parametrize(("url", "lang", "home"), [("/", "fr", 'href="/"'),
                                                    ("/en/", "en", 'href="/en/"')])
def test_database_outage_answers_503_in_the_page_language(client, outage, url, lang, home):
    response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert f'<html lang="{lang}">' in body
    assert home in body
    assert "secret-detail" not in body
    assert "Traceback" not in body
    assert "OperationalError" not in body


def test_database_outage_page_in_french(client, outage):
    body = client.get("/").content.decode()

    assert "Service momentanément indisponible" in body
    assert "Revenir à l'accueil" in body


def test_database_outage_page_in_english(client, outage):
    body = client.get("/en/").content.decode()

    assert "Service temporarily unavailable" in body
    assert "Try again in 30 seconds" in body and "base de données" not in body
    assert "Back to the home page" in body


def test_interface_error_too(client, monkeypatch):
    def closed(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("programmes.selectors.call_list_public", closed)

    assert client.get("/").status_code == 503


def test_database_error_raised_outside_the_view_also_answers_503(monkeypatch, db):
    # An error of a middleware reaches handler500 (clara.views.server_error).
    monkeypatch.setattr("clara.middleware.PermissionDeniedLogMiddleware.__call__",
                        lambda self, request: _outage())
    client = Client(raise_request_exception=False)

    response = client.get("/en/")

    assert response.status_code == 503
    assert '<html lang="en">' in response.content.decode()
    assert "secret-detail" not in response.content.decode()


def test_other_errors_still_answer_500(monkeypatch, db):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("programmes.selectors.call_list_public", broken)
    client = Client(raise_request_exception=False)

    assert client.get("/").status_code == 500
