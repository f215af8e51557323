"""Shared pytest fixtures. App-specific fixtures live in the nearest conftest.py
(tests/<app>/conftest.py); browser fixtures in tests/e2e/conftest.py."""

import pytest


@pytest.fixture
def superuser(db):
    """A superuser made by the factory (password hashed once per run, unlike `admin_user`)."""
    from tests.factories import SuperUserFactory

    return SuperUserFactory()


@pytest.fixture
def superuser_client(client, superuser):
    """A test client logged in to the admin as `superuser`."""
    client.force_login(superuser)
    return client
