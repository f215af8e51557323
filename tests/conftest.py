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
    """A test client logged in to the admin as `superuser`, second factor passed (the admin
    refuses staff sessions without one: tests.helpers.login_with_mfa)."""
    from tests.helpers import login_with_mfa

    login_with_mfa(client, superuser)
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


@pytest.fixture(autouse=True)
def _empty_default_cache():
    """Each test starts with an empty default cache: django-allauth keeps its rate limits
    (logins, sign-ups, password resets per address) and the second-factor codes already used
    there, and one test's attempts would count against the next."""
    from django.core.cache import caches

    caches["default"].clear()
    yield


@pytest.fixture
def published_years(db):
    """Every year from 2000 to the current one published (the public pages of a year answer
    only once it is): rows written directly, without figures, so that a test may create its
    records afterwards. Tests of publication itself use `year_publish`."""
    from django.utils import timezone

    from clara.keyfigures.models import YearPublication

    this_year = timezone.localdate().year
    existing = set(YearPublication.objects.in_force().values_list("year", flat=True))
    now = timezone.now()
    YearPublication.objects.bulk_create(
        YearPublication(year=year, published_at=now, figures={})
        for year in range(2000, this_year + 1) if year not in existing
    )
    return list(range(this_year, 1999, -1))
