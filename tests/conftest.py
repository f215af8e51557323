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


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English (Accept-Language) leaves English active in the test thread; every
    test starts in the default language, French."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_public_cache():
    """Each test starts with no cached public page (a rolled-back test does not commit, so
    its pages would otherwise outlive its records)."""
    from django.core.cache import caches

    caches["public"].clear()
    yield
    caches["public"].clear()
