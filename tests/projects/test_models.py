"""Every database constraint of the projects app refuses a bad row by itself: the rows are
written with `objects.create()`, `bulk_create()` or `QuerySet.update()`, never `full_clean()`,
so a constraint that exists only in Python would let them through."""

import datetime as dt
from decimal import Decimal

import pytest

from projects.models import FollowUpReport
from tests import factories as f
from tests.constraints import Case, check_case, check_coverage, copy_of, update

pytestmark = pytest.mark.django_db

APP_LABEL = "projects"




ONE_DAY = dt.timedelta(days=1)

CASES = [
    Case(
        "project_end_after_start",
        arrange=f.FundedProjectFactory,
        bad=lambda project: update(project, end_date=project.start_date - ONE_DAY),
        good=lambda project: [update(project, end_date=project.start_date)],
    ),
    Case(
        "project_end_after_start",
        variant="open_start",
        arrange=lambda: f.FundedProjectFactory(start_date=None),
        bad=lambda project: update(project, start_date=project.end_date + ONE_DAY),
        good=lambda project: [
            update(project, end_date=dt.date(1990, 1, 1)),
            copy_of(project, award=f.AwardFactory(), start_date=dt.date(2030, 1, 1), end_date=None),
        ],
    ),
    Case(
        "project_status_unique_year",
        arrange=f.ProjectYearStatusFactory,
        bad=lambda status: copy_of(status),
        good=lambda status: [
            copy_of(status, year=status.year + 1),
            copy_of(status, project=f.FundedProjectFactory()),
        ],
    ),
    Case(
        "project_status_year_range",
        variant="lower",
        arrange=f.ProjectYearStatusFactory,
        bad=lambda status: update(status, year=1999),
        good=lambda status: [update(status, year=2000)],
    ),
    Case(
        "project_status_year_range",
        variant="upper",
        arrange=f.ProjectYearStatusFactory,
        bad=lambda status: update(status, year=2101),
        good=lambda status: [update(status, year=2100)],
    ),
    Case(
        "report_unique_year",
        arrange=f.FollowUpReportFactory,
        bad=lambda report: FollowUpReport.objects.bulk_create(
            [
                FollowUpReport(
                    project=report.project, year=report.year, submitted_on=report.submitted_on,
                    summary="Second rapport de la même année.", due_on=report.due_on,
                    status=report.status,
                )
            ]
        ),
        good=lambda report: [
            copy_of(report, year=report.year + 1),
            copy_of(report, project=f.FundedProjectFactory()),
        ],
    ),
    Case(
        "report_year_range",
        variant="lower",
        arrange=f.FollowUpReportFactory,
        bad=lambda report: update(report, year=1999),
        good=lambda report: [update(report, year=2000)],
    ),
    Case(
        "report_year_range",
        variant="upper",
        arrange=f.FollowUpReportFactory,
        bad=lambda report: update(report, year=2101),
        good=lambda report: [update(report, year=2100)],
    ),
    Case(
        "report_submitted_has_date",
        arrange=f.FollowUpReportFactory,
        bad=lambda report: update(report, submitted_on=None),
        good=lambda report: [update(report, submitted_on=None, status="expected")],
    ),
    Case(
        "report_submitted_has_date",
        variant="accepted",
        arrange=lambda: f.FollowUpReportFactory(status="accepted"),
        bad=lambda report: update(report, submitted_on=None),
        good=lambda report: [update(report, submitted_on=report.submitted_on)],
    ),
    Case(
        "outcome_amount_positive",
        arrange=f.OutcomeFactory,
        bad=lambda outcome: update(outcome, amount=Decimal("-0.01")),
        good=lambda outcome: [update(outcome, amount=Decimal("0"))],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_constraint_refuses_bad_row_and_accepts_nearest_good_one(case):
    check_case(case, APP_LABEL)


def test_constraints_all_have_a_case():
    check_coverage(CASES, APP_LABEL)
