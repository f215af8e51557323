"""Fixtures of the key-figure tests."""

import pytest


@pytest.fixture
def published_years(db):
    """Every year from 2000 to the current one published (the public pages of a year answer
    only once it is): rows written directly, without figures, so that a test may create its
    records afterwards. Tests of publication itself use `year_publish`. Use it from other
    folders with `from tests.keyfigures.conftest import published_years  # noqa: F401`."""
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
