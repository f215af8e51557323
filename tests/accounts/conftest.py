"""Fixtures of the account tests."""

import pytest
from allauth.account.models import EmailAddress

from clara.accounts.models import User

PASSWORD = "Lyon-Gerland-2025!"  # noqa: S105


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_account(db):
    """A function making an account with a verified address and PASSWORD."""

    def make(email: str, **fields) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, **fields)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make
