"""Every database constraint of the funding app refuses a bad row by itself: the rows are
written with `objects.create()`, `bulk_create()` or `QuerySet.update()`, never `full_clean()`,
so a constraint that exists only in Python would let them through."""

import datetime as dt
from decimal import Decimal

import pytest

from funding.models import Contribution, Disbursement
from tests import factories as f
from tests.constraints import Case, check_case, check_coverage, copy_of, update

pytestmark = pytest.mark.django_db

APP_LABEL = "funding"




CASES = [
    Case(
        "award_amount_positive",
        arrange=f.AwardFactory,
        bad=lambda award: update(award, amount=Decimal("-0.01")),
        good=lambda award: [update(award, amount=Decimal("0"))],
    ),
    Case(
        "contribution_unique_funder",
        arrange=f.ContributionFactory,
        bad=lambda contribution: copy_of(contribution, amount=Decimal("1")),
        good=lambda contribution: [
            copy_of(contribution, funder=f.FunderFactory()),
            copy_of(contribution, award=f.AwardFactory()),
        ],
    ),
    Case(
        "contribution_amount_positive",
        arrange=f.ContributionFactory,
        bad=lambda contribution: Contribution.objects.bulk_create(
            [Contribution(award=contribution.award, funder=f.FunderFactory(), amount=-1)]
        ),
        good=lambda contribution: [update(contribution, amount=Decimal("0"))],
    ),
    Case(
        "investment_unique_company",
        arrange=f.CompanyInvestmentFactory,
        bad=lambda investment: copy_of(investment, planned_amount=Decimal("1")),
        good=lambda investment: [
            copy_of(investment, company=f.CompanyFactory()),
            copy_of(investment, award=f.AwardFactory()),
        ],
    ),
    Case(
        "investment_amount_positive",
        arrange=f.CompanyInvestmentFactory,
        bad=lambda investment: update(investment, planned_amount=Decimal("-0.01")),
        good=lambda investment: [update(investment, planned_amount=Decimal("0"))],
    ),
    Case(
        "disbursement_amount_positive",
        arrange=lambda: Disbursement.objects.create(award=f.AwardFactory(), amount=1),
        bad=lambda tranche: update(tranche, amount=Decimal("0")),
        good=lambda tranche: [update(tranche, amount=Decimal("0.01"))],
    ),
    Case(
        "disbursement_paid_on_when_paid",
        arrange=lambda: Disbursement.objects.create(award=f.AwardFactory(), amount=1),
        bad=lambda tranche: update(tranche, status="paid"),
        good=lambda tranche: [update(tranche, status="paid", paid_on=dt.date(2025, 9, 1))],
    ),
    Case(
        "disbursement_paid_on_when_paid",
        arrange=lambda: Disbursement.objects.create(award=f.AwardFactory(), amount=1),
        bad=lambda tranche: update(tranche, paid_on=dt.date(2025, 9, 1)),
        good=lambda tranche: [update(tranche, status="planned", paid_on=None)],
        variant="planned with a date",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_constraint_refuses_bad_row_and_accepts_nearest_good_one(case):
    check_case(case, APP_LABEL)


def test_constraints_all_have_a_case():
    check_coverage(CASES, APP_LABEL)
