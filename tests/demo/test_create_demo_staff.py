import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clara.demo.management.commands.create_demo_staff import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD

pytestmark = pytest.mark.django_db


def test_create_demo_staff_creates_superuser_in_debug(settings, capsys):
    settings.DEBUG = True

    call_command("create_demo_staff")

    user = get_user_model().objects.get(email=DEMO_STAFF_EMAIL)
    assert user.is_staff
    assert user.is_superuser
    assert user.is_active
    assert user.check_password(DEMO_STAFF_PASSWORD)
    assert f"{DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}" in capsys.readouterr().out


def test_create_demo_staff_resets_existing_account(settings):
    settings.DEBUG = True
    get_user_model().objects.create_user(
        email=DEMO_STAFF_EMAIL, password="something-else-entirely", is_active=False
    )

    call_command("create_demo_staff")
    call_command("create_demo_staff")

    users = get_user_model().objects.filter(email=DEMO_STAFF_EMAIL)
    assert users.count() == 1
    user = users.get()
    assert user.check_password(DEMO_STAFF_PASSWORD)
    assert (user.is_staff, user.is_superuser, user.is_active) == (True, True, True)


def test_create_demo_staff_refuses_outside_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("create_demo_staff")

    assert not get_user_model().objects.filter(email=DEMO_STAFF_EMAIL).exists()


# --- The demo account's second factor (development only) -----------------------------------


def test_demo_staff_gets_a_verified_address_and_the_public_totp_secret(settings, capsys):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from clara.demo.management.commands.create_demo_staff import DEMO_STAFF_TOTP_SECRET

    settings.DEBUG = True

    call_command("create_demo_staff")
    call_command("create_demo_staff")  # again: still one address, one authenticator

    user = get_user_model().objects.get(email=DEMO_STAFF_EMAIL)
    assert EmailAddress.objects.get(user=user).verified
    assert Authenticator.objects.get(user=user).type == Authenticator.Type.TOTP
    assert DEMO_STAFF_TOTP_SECRET in capsys.readouterr().out


def test_demo_staff_reaches_the_admin_with_the_printed_code(settings, client, capsys):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("create_demo_staff")

    response = client.post("/comptes/login/", {
        "login": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD, "next": "/admin/",
    })
    assert response["Location"] == "/comptes/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # the password alone is not enough

    capsys.readouterr()
    call_command("demo_staff_totp")
    code = capsys.readouterr().out.split()[0]
    response = client.post("/comptes/2fa/authenticate/", {"code": code})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_demo_staff_totp_refuses_outside_debug(settings, capsys):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_staff_totp")

    assert capsys.readouterr().out == ""


def test_demo_staff_has_no_way_around_the_second_factor(settings, client):
    """The development way through is a real authenticator with a known secret: the admin
    itself has no exception for the demo account, with DEBUG on or off."""
    settings.DEBUG = True
    call_command("create_demo_staff")
    client.force_login(get_user_model().objects.get(email=DEMO_STAFF_EMAIL))

    assert client.get("/admin/").status_code == 302
    settings.DEBUG = False
    assert client.get("/admin/").status_code == 302
