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
