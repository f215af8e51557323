"""Structured logs: the request id on the access line and in the answer; security events for
failed logins, refused permissions and exports; no password or full e-mail address."""

import io
import json
import logging

import pytest
from django.urls import reverse

from clara.logging import JsonFormatter, mask_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The lines of the `clara` loggers as the production handler writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("clara")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_access_line_has_the_request_id_of_the_answer(client, json_lines):
    response = client.get("/robots.txt")

    request_id = response["X-Request-ID"]
    access = [line for line in json_lines() if line["logger"] == "clara.request"]
    assert len(request_id) == 32
    assert access == [{
        "time": access[0]["time"], "level": "INFO", "logger": "clara.request",
        "message": "GET /robots.txt 200", "request_id": request_id, "path": "/robots.txt",
        "method": "GET", "status": 200, "duration_ms": access[0]["duration_ms"],
    }]
    assert access[0]["time"].endswith("Z")


def test_safe_request_id_from_the_proxy_is_kept_unsafe_one_replaced(client):
    kept = client.get("/robots.txt", HTTP_X_REQUEST_ID="proxy-1234abcd")
    replaced = client.get("/robots.txt", HTTP_X_REQUEST_ID="x\n{\"level\": \"fake\"}")

    assert kept["X-Request-ID"] == "proxy-1234abcd"
    assert replaced["X-Request-ID"] != "x\n{\"level\": \"fake\"}"
    assert len(replaced["X-Request-ID"]) == 32


@pytest.mark.parametrize(("value", "masked"), [
    ("claire.martin@example.org", "c***@example.org"),
    ("hunter2-my-password", "***"),
    ("", None),
])
def test_mask_email(value, masked):
    assert mask_email(value) == masked


def test_failed_login_is_a_security_event(client, json_lines, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from tests.factories import UserFactory

    UserFactory(email="claire.martin@example.org")
    response = client.post(reverse("account_login"), {
        "login": "claire.martin@example.org", "password": "Wrong-password-42"})

    events = [line for line in json_lines() if line["logger"] == "clara.security"]
    assert [e["event"] for e in events] == ["login_failed"]
    assert events[0]["email_masked"] == "c***@example.org"
    assert events[0]["request_id"] == response["X-Request-ID"]
    assert events[0]["level"] == "WARNING"
    text = json.dumps(events)
    assert "claire.martin" not in text
    assert "Wrong-password-42" not in text


def test_permission_denied_is_a_security_event(client, json_lines):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("admin:login"))

    assert response.status_code == 403
    events = [line for line in json_lines() if line["logger"] == "clara.security"
              and line["event"] != "login_succeeded"]  # force_login's
    assert [(e["event"], e["user_id"], e["path"]) for e in events] == [
        ("permission_denied", user.pk, reverse("admin:login"))]


def test_export_of_people_is_a_security_event(superuser_client, superuser, json_lines):
    from clara.network.resources import PersonResource
    from tests.factories import PersonFactory

    PersonFactory.create_batch(3)
    prefix = PersonResource.__name__.lower()
    fields = {f"{prefix}_{name}": "on" for name in PersonResource().get_export_order()}
    response = superuser_client.post(
        reverse("admin:network_person_export"), {"format": "0", "resource": "0", **fields})

    assert response.status_code == 200
    events = [line for line in json_lines() if line.get("event") == "personal_data_export"]
    assert [(e["model"], e["rows"], e["user_id"]) for e in events] == [
        ("network.person", 3, superuser.pk)]
    assert "@" not in json.dumps(events)
