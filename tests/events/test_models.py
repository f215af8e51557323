"""Every database constraint of the events app refuses a bad row by itself: the rows are
written with `objects.create()`, `bulk_create()` or `QuerySet.update()`, never `full_clean()`,
so a constraint that exists only in Python would let them through."""

import datetime as dt

import pytest

from events.models import Prize, SurveyResponse
from tests import factories as f
from tests.constraints import Case, check_case, check_coverage, copy_of, update

pytestmark = pytest.mark.django_db

APP_LABEL = "events"




ONE_DAY = dt.timedelta(days=1)

CASES = [
    Case(
        "working_group_end_after_start",
        arrange=f.WorkingGroupFactory,
        bad=lambda group: update(group, ended_on=group.started_on - ONE_DAY),
        good=lambda group: [
            update(group, ended_on=group.started_on),
            copy_of(group, name="Groupe toujours actif", ended_on=None),
        ],
    ),
    Case(
        "event_end_after_start",
        arrange=lambda: f.EventFactory(end_date=dt.date(2025, 10, 11)),
        bad=lambda event: update(event, end_date=event.start_date - ONE_DAY),
        good=lambda event: [update(event, end_date=event.start_date)],
    ),
    Case(
        "speaker_unique_person",
        arrange=f.EventSpeakerFactory,
        bad=lambda speaker: copy_of(speaker, topic="Une seconde intervention"),
        good=lambda speaker: [
            copy_of(speaker, person=f.PersonFactory()),
            copy_of(speaker, event=f.EventFactory()),
        ],
    ),
    Case(
        "prize_kind_matches_laureate",
        variant="poster_prize_with_laureate",
        arrange=f.PrizeFactory,
        bad=lambda prize: update(prize, laureate=f.CompanyFactory()),
        good=lambda prize: [update(prize, poster=f.PosterFactory(event=prize.event))],
    ),
    Case(
        "prize_kind_matches_laureate",
        variant="startup_trophy_with_poster",
        arrange=lambda: f.PrizeFactory(startup_trophy=True),
        bad=lambda prize: update(prize, poster=f.PosterFactory(event=prize.event)),
        good=lambda prize: [update(prize, laureate=f.CompanyFactory())],
    ),
    Case(
        "prize_kind_matches_laureate",
        variant="other_kind",
        arrange=f.PrizeFactory,
        bad=lambda prize: update(prize, kind="other"),
        good=lambda prize: [
            update(
                prize, kind=Prize.Kind.STARTUP_TROPHY, poster=None, laureate=f.CompanyFactory()
            ),
        ],
    ),
    Case(
        "survey_rating_0_5",
        arrange=f.SurveyResponseFactory,
        bad=lambda response: SurveyResponse.objects.bulk_create(
            [SurveyResponse(event=response.event, would_recommend=True, rating=6)]
        ),
        good=lambda response: [
            update(response, rating=0),
            copy_of(response, rating=5),
        ],
    ),
    Case(
        "international_end_after_start",
        arrange=f.InternationalActionFactory,
        bad=lambda action: update(action, end_date=action.start_date - ONE_DAY),
        good=lambda action: [
            update(action, end_date=action.start_date),
            copy_of(action, title="Sans date de fin", end_date=None),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_constraint_refuses_bad_row_and_accepts_nearest_good_one(case):
    check_case(case, APP_LABEL)


def test_constraints_all_have_a_case():
    check_coverage(CASES, APP_LABEL)
