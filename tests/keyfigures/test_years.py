"""Which years have key figures: a call counts once it has closed, and no year after the
current one is listed (the demo's calls open today close next year)."""

import datetime as dt

import pytest
from django.utils import timezone

from clara.keyfigures.selectors import years_with_records
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("published_years")]


def test_years_with_records_count_a_call_once_closed():
    now = timezone.now()
    this_year = timezone.localdate().year
    f.CallFactory(year=2021, opens_at=f.paris(2021, 1, 1), closes_at=f.paris(2021, 3, 1))
    f.CallFactory(year=this_year, opens_at=now - dt.timedelta(days=30),
                  closes_at=now + dt.timedelta(seconds=30))

    assert years_with_records() == [2021]


def test_years_with_records_ignore_years_after_the_current_one():
    next_year = timezone.localdate().year + 1
    f.TeamCensusFactory(year=next_year)
    f.EventFactory(start_date=dt.date(next_year, 3, 1), end_date=dt.date(next_year, 3, 1))
    f.CallFactory(year=next_year, opens_at=f.paris(next_year, 1, 1),
                  closes_at=f.paris(next_year, 2, 1))
    f.TeamCensusFactory(year=2024)

    assert years_with_records() == [2024]


def test_years_with_records_list_the_current_year_once_something_closed_in_it():
    now = timezone.now()
    call = f.CallFactory(year=timezone.localdate().year, opens_at=now - dt.timedelta(days=30),
                         closes_at=now - dt.timedelta(seconds=2))

    assert years_with_records() == [timezone.localdate(call.closes_at).year]


def test_year_page_of_the_current_year_says_it_is_in_progress(client):
    this_year = timezone.localdate().year
    f.TeamCensusFactory(year=this_year)
    f.TeamCensusFactory(year=this_year - 1)

    current = client.get(f"/chiffres-clefs/{this_year}/").content.decode()
    last = client.get(f"/chiffres-clefs/{this_year - 1}/").content.decode()

    assert f"{this_year} est l'année en cours" in current
    assert 'id="year-in-progress"' not in last
