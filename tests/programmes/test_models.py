"""Every database constraint of the programmes app refuses a bad row by itself: the rows are
written with `objects.create()`, `bulk_create()` or `QuerySet.update()`, never `full_clean()`,
so a constraint that exists only in Python would let them through."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import QuerySet

from programmes.models import (
    Application,
    Audition,
    BudgetLine,
    Decision,
    PlannedInvestment,
    Review,
    ReviewScore,
    Track,
)
from tests import factories as f
from tests.constraints import Case, check_case, check_coverage, copy_of, update
from tests.factories import paris

pytestmark = pytest.mark.django_db

APP_LABEL = "programmes"




def _decisions_in_one_batch(*decisions: Decision) -> list[QuerySet]:
    """`bulk_create()` of `decisions`; each one, read back."""
    return [Decision.objects.filter(pk=d.pk) for d in Decision.objects.bulk_create(decisions)]


def _decision(application, outcome, day: int) -> Decision:
    return Decision(application=application, outcome=outcome, committee_date=dt.date(2025, 6, day))


NEXT_DAY = dt.timedelta(days=1)
UNSUBMITTED = {Application.Status.DRAFT, Application.Status.WITHDRAWN}

CASES = [
    Case(
        "track_unique_code",
        arrange=f.TrackFactory,
        bad=lambda track: copy_of(track),
        good=lambda track: [
            copy_of(track, code=Track.Code.THEMATISE),
            copy_of(track, programme=f.ProgrammeFactory()),
        ],
    ),
    Case(
        "call_closes_after_opening",
        arrange=f.CallFactory,
        bad=lambda call: update(call, closes_at=call.opens_at),
        good=lambda call: [update(call, closes_at=call.opens_at + dt.timedelta(microseconds=1))],
    ),
    Case(
        "call_budget_positive",
        arrange=f.CallFactory,
        bad=lambda call: update(call, budget=Decimal("-0.01")),
        good=lambda call: [update(call, budget=Decimal("0"))],
    ),
    Case(
        "call_year_range",
        variant="lower",
        arrange=f.CallFactory,
        bad=lambda call: update(call, year=1999),
        good=lambda call: [update(call, year=2000)],
    ),
    Case(
        "call_year_range",
        variant="upper",
        arrange=f.CallFactory,
        bad=lambda call: update(call, year=2101),
        good=lambda call: [update(call, year=2100)],
    ),
    Case(
        "call_unique_programme_track_year",
        arrange=lambda: f.CallFactory(with_track=True),
        bad=lambda call: copy_of(call, slug="meme-clef-meme-annee"),
        good=lambda call: [
            copy_of(call, slug="annee-suivante", year=call.year + 1),
            copy_of(
                call, slug="autre-clef",
                track=f.TrackFactory(programme=call.programme, code=Track.Code.THEMATISE),
            ),
        ],
    ),
    Case(
        "call_unique_programme_year_without_track",
        arrange=f.CallFactory,
        bad=lambda call: copy_of(call, slug="sans-clef-meme-annee"),
        # A call of the same programme and year with a track is outside the condition.
        good=lambda call: [
            copy_of(call, slug="avec-clef", track=f.TrackFactory(programme=call.programme)),
            copy_of(call, slug="annee-suivante", year=call.year + 1),
        ],
    ),
    Case(
        "criterion_unique_label",
        arrange=f.EvaluationCriterionFactory,
        bad=lambda criterion: copy_of(criterion),
        good=lambda criterion: [
            copy_of(criterion, label="Autre critère"),
            copy_of(criterion, call=f.CallFactory()),
        ],
    ),
    Case(
        "call_max_requested_positive",
        arrange=f.CallFactory,
        bad=lambda call: update(call, max_requested_amount=Decimal("-0.01")),
        good=lambda call: [update(call, max_requested_amount=Decimal("0"))],
    ),
    Case(
        "budget_line_amount_positive",
        arrange=lambda: BudgetLine.objects.create(
            application=f.ApplicationFactory(), category="staff", amount=Decimal("10")),
        bad=lambda line: update(line, amount=Decimal("-0.01")),
        good=lambda line: [update(line, amount=Decimal("0"))],
    ),
    Case(
        "planned_investment_positive",
        arrange=lambda: PlannedInvestment.objects.create(
            application=f.ApplicationFactory(), company=f.OrganisationFactory(kind="company"),
            planned_amount=Decimal("10")),
        bad=lambda row: update(row, planned_amount=Decimal("-0.01")),
        good=lambda row: [update(row, planned_amount=Decimal("0"))],
    ),
    Case(
        "planned_investment_unique_company",
        arrange=lambda: PlannedInvestment.objects.create(
            application=f.ApplicationFactory(), company=f.OrganisationFactory(kind="company"),
            planned_amount=Decimal("10")),
        bad=lambda row: copy_of(row),
        good=lambda row: [copy_of(row, company=f.OrganisationFactory(kind="company")),
                          copy_of(row, application=f.ApplicationFactory())],
    ),
    Case(
        "criterion_max_positive",
        arrange=f.EvaluationCriterionFactory,
        bad=lambda criterion: update(criterion, max_score=0),
        good=lambda criterion: [update(criterion, max_score=1)],
    ),
    Case(
        "criterion_weight_positive",
        arrange=f.EvaluationCriterionFactory,
        bad=lambda criterion: update(criterion, weight=Decimal("-0.01")),
        good=lambda criterion: [update(criterion, weight=Decimal("0"))],
    ),
    Case(
        "required_document_unique",
        arrange=f.RequiredDocumentFactory,
        bad=lambda document: copy_of(document),
        good=lambda document: [
            copy_of(document, label="Autre document"),
            copy_of(document, call=f.CallFactory()),
        ],
    ),
    Case(
        "application_requested_positive",
        arrange=f.ApplicationFactory,
        bad=lambda application: update(application, requested_amount=Decimal("-0.01")),
        good=lambda application: [update(application, requested_amount=Decimal("0"))],
    ),
    *[
        Case(
            "application_submitted_at_unless_draft",
            variant=status,
            arrange=f.ApplicationFactory,
            bad=lambda application, status=status: update(
                application, status=status, submitted_at=None
            ),
            good=lambda application, status=status: [update(application, status=status)],
        )
        for status in Application.Status.values
        if status not in UNSUBMITTED
    ],
    Case(
        "application_submitted_at_unless_draft",
        variant="unsubmitted",
        arrange=f.ApplicationFactory,
        bad=lambda application: update(application, submitted_at=None),
        good=lambda application: [
            update(application, status=Application.Status.WITHDRAWN, submitted_at=None),
            copy_of(
                application, reference="BROUILLON", status=Application.Status.DRAFT,
                submitted_at=None,
            ),
        ],
    ),
    Case(
        "review_unique_reviewer",
        arrange=f.ReviewFactory,
        bad=lambda review: copy_of(review),
        good=lambda review: [
            copy_of(review, reviewer=f.UserFactory()),
            copy_of(review, application=f.ApplicationFactory()),
        ],
    ),
    Case(
        "review_submitted_at_when_submitted",
        arrange=f.ReviewFactory,
        bad=lambda review: update(review, status=Review.Status.SUBMITTED),
        good=lambda review: [
            update(review, status=Review.Status.SUBMITTED, submitted_at=paris(2025, 5, 2, 18)),
            copy_of(review, reviewer=f.UserFactory(), status=Review.Status.DECLINED),
        ],
    ),
    Case(
        "audition_unique_slot",
        arrange=f.AuditionFactory,
        bad=lambda audition: copy_of(audition),
        good=lambda audition: [
            copy_of(audition, scheduled_at=audition.scheduled_at + NEXT_DAY),
            copy_of(audition, kind=Audition.Kind.SCIENTIFIC_COUNCIL),
        ],
    ),
    Case(
        "audition_outcome_recorded_at",
        arrange=f.AuditionFactory,
        bad=lambda audition: update(audition, outcome=Audition.Outcome.FAVOURABLE),
        good=lambda audition: [
            update(audition, outcome=Audition.Outcome.FAVOURABLE,
                   outcome_recorded_at=paris(2025, 6, 10, 16)),
        ],
    ),
    Case(
        "score_unique_criterion",
        arrange=f.ReviewScoreFactory,
        bad=lambda score: ReviewScore.objects.bulk_create(
            [ReviewScore(review=score.review, criterion=score.criterion, score=1)]
        ),
        good=lambda score: [
            copy_of(score, criterion=f.EvaluationCriterionFactory(call=score.criterion.call)),
        ],
    ),
    Case(
        "score_at_most_100",
        arrange=f.ReviewScoreFactory,
        bad=lambda score: update(score, score=101),
        good=lambda score: [update(score, score=100)],
    ),
    Case(
        "decision_unique_per_committee",
        arrange=lambda: f.DecisionFactory(outcome=Decision.Outcome.ELIGIBLE),
        bad=lambda decision: copy_of(decision),
        good=lambda decision: [
            copy_of(decision, committee_date=decision.committee_date + NEXT_DAY),
            copy_of(decision, outcome=Decision.Outcome.AUDITION),
        ],
    ),
    Case(
        "decision_one_final_per_application",
        variant="selected_then_not_selected",
        arrange=lambda: f.DecisionFactory(outcome=Decision.Outcome.SELECTED),
        bad=lambda decision: copy_of(
            decision, outcome=Decision.Outcome.NOT_SELECTED,
            committee_date=decision.committee_date + NEXT_DAY,
        ),
        # Decisions that are not final are outside the condition.
        good=lambda decision: [
            copy_of(decision, outcome=Decision.Outcome.AUDITION),
            copy_of(
                decision, outcome=Decision.Outcome.ELIGIBLE,
                committee_date=decision.committee_date + NEXT_DAY,
            ),
            copy_of(
                decision, outcome=Decision.Outcome.NOT_SELECTED,
                application=f.ApplicationFactory(),
            ),
        ],
    ),
    Case(
        "decision_one_final_per_application",
        variant="selected_twice",
        arrange=lambda: f.DecisionFactory(outcome=Decision.Outcome.SELECTED),
        bad=lambda decision: copy_of(
            decision, committee_date=decision.committee_date + NEXT_DAY
        ),
        good=lambda decision: [copy_of(decision, application=f.ApplicationFactory())],
    ),
    Case(
        "decision_one_final_per_application",
        variant="in_one_batch",
        arrange=f.ApplicationFactory,
        bad=lambda application: _decisions_in_one_batch(
            _decision(application, Decision.Outcome.NOT_SELECTED, 1),
            _decision(application, Decision.Outcome.SELECTED, 2),
        ),
        good=lambda application: _decisions_in_one_batch(
            _decision(application, Decision.Outcome.ELIGIBLE, 1),
            _decision(application, Decision.Outcome.AUDITION, 2),
            _decision(application, Decision.Outcome.SELECTED, 3),
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_constraint_refuses_bad_row_and_accepts_nearest_good_one(case):
    check_case(case, APP_LABEL)


def test_constraints_all_have_a_case():
    check_coverage(CASES, APP_LABEL)
