"""Login lockout (django-axes, QUALITY.md scenario 15): repeated failures lock the client
address out, also when the client forges `X-Forwarded-For`; behind a trusted reverse proxy
the client's own address is counted; every attempt is recorded and logged."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from clara.accounts.login_lockout import client_ip
from clara.accounts.models import User
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # noqa: S105
# The one login page (django-allauth's); the admin's sends there.
LOGIN_URL = reverse("account_login")
ADMIN_URL = reverse("admin:index")


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Every failed attempt checks a password: PBKDF2 would make these tests slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    user = User.objects.create_user(
        email="staff@canceropole-clara.example", password=PASSWORD, is_staff=True
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def attempt(client, password, url=LOGIN_URL, **headers):
    return client.post(
        url,
        {"login": "staff@canceropole-clara.example", "password": password,
         "next": ADMIN_URL},
        **headers,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_locked_out_after_failure_limit(client, staff):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200  # the form again, with its error

    fifth = attempt(client, "wrong")
    after = attempt(client, PASSWORD)

    assert fifth.status_code == 429
    assert after.status_code == 429
    assert not logged_in(client)
    page = after.content.decode()
    assert "Connexion bloquée" in page
    assert "bloquée pendant 15 minutes" in page
    assert "Aller au contenu" in page  # the site's layout
    assert AccessAttempt.objects.get().failures_since_start == 6


def test_lockout_page_in_english(client, staff):
    for _ in range(5):
        response = attempt(client, "wrong", url=f"/en{LOGIN_URL}")

    assert response.status_code == 429
    assert "Login blocked" in response.content.decode()
    assert "blocked for 15 minutes" in response.content.decode()


def test_login_below_failure_limit_succeeds_without_clearing_the_failures(client, staff):
    for _ in range(4):
        attempt(client, "wrong")

    success = attempt(client, PASSWORD)
    client.logout()
    fifth_failure = attempt(client, "wrong")

    assert success.status_code == 302
    # A login of one's own does not clear the failures made against other accounts.
    assert fifth_failure.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=2)
def test_failure_limit_is_configurable(client, staff):
    assert attempt(client, "wrong").status_code == 200

    assert attempt(client, "wrong").status_code == 429


def test_lockout_ends_after_the_cool_off(client, staff):
    for _ in range(5):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_spoofed_forwarded_for_without_trusted_proxy_is_still_locked_out(client, staff):
    assert settings.TRUSTED_PROXY_COUNT == 0
    for n in range(5):
        attempt(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", REMOTE_ADDR="192.0.2.7")

    response = attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99",
                       REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 429
    assert not logged_in(client)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.7"]


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_forwarded_client_is_locked_out(client, staff):
    proxy = "10.0.0.2"
    for n in range(5):
        # The client forges a header; the proxy appends the address it saw.
        attempt(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9",
                REMOTE_ADDR=proxy)

    locked = attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR=proxy)
    other_client = attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.50",
                           REMOTE_ADDR=proxy)

    assert locked.status_code == 429
    assert other_client.status_code == 302  # the proxy's other clients are not locked out
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.7"}, "192.0.2.7"),
        (0, {"REMOTE_ADDR": "192.0.2.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "192.0.2.7"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"},
         "203.0.113.9"),
        (2, {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9, 10.0.0.2"},
         "203.0.113.9"),
        (2, {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
        (1, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, not-an-ip"},
         "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": " 2001:db8::1 "}, "2001:db8::1"),
    ],
)
def test_client_ip(rf, settings, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", **meta)

    assert client_ip(request) == expected


def test_every_attempt_is_recorded_and_logged(client, staff, caplog):
    caplog.set_level(logging.INFO, logger="clara.security")

    attempt(client, "wrong", REMOTE_ADDR="192.0.2.7")
    attempt(client, PASSWORD, REMOTE_ADDR="192.0.2.7")

    assert AccessFailureLog.objects.get().ip_address == "192.0.2.7"
    assert AccessLog.objects.get().ip_address == "192.0.2.7"
    messages = [r.getMessage() for r in caplog.records
                if r.name == "clara.security"]
    assert messages == [
        f"login failed: ip=192.0.2.7 path={LOGIN_URL} email=s***@canceropole-clara.example",
        f"login succeeded: ip=192.0.2.7 path={LOGIN_URL} user_id={staff.pk}",
    ]


def test_lockout_is_logged(client, staff, caplog):
    caplog.set_level(logging.INFO, logger="clara.security")

    for _ in range(5):
        attempt(client, "wrong", REMOTE_ADDR="192.0.2.7")

    assert (f"login locked out: ip=192.0.2.7 path={LOGIN_URL} "
            "email=s***@canceropole-clara.example") in caplog.messages


def test_force_login_is_untouched_by_the_lockout(client, staff):
    for _ in range(5):
        attempt(client, "wrong")

    login_with_mfa(client, staff)

    assert client.get(ADMIN_URL).status_code == 200


def test_lockout_settings_read_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clara.settings",
        "AXES_FAILURE_LIMIT": "3",
        "AXES_COOLOFF_MINUTES": "60",
        "TRUSTED_PROXY_COUNT": "1",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.TRUSTED_PROXY_COUNT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=Path(settings.BASE_DIR),
        capture_output=True, text=True, check=True,
    )

    assert result.stdout.split() == ["3", "3600.0", "1"]


def test_guesses_at_one_account_from_many_addresses_are_limited(client, staff):
    """axes counts by address; allauth's per-account limit (ACCOUNT_RATE_LIMITS) stops
    guesses at one account spread over many addresses."""
    for n in range(10):
        assert attempt(client, "wrong", REMOTE_ADDR=f"198.51.100.{n}").status_code == 200

    response = attempt(client, PASSWORD, REMOTE_ADDR="198.51.100.200")

    assert response.status_code == 200
    assert not logged_in(client)
    assert "Trop de tentatives" in response.content.decode()
