"""Every database constraint of the domain apps refuses a bad row by itself, on SQLite and
PostgreSQL: rows are written with `QuerySet.update()` or `objects.create()`, never through
`full_clean()`, so a rule that lived only in Python would let them through. Each case also
writes the nearest good row, so that a constraint that refuses everything fails too. (The
network app's constraints are in tests/network/test_models.py.)"""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F

from tests import factories as f

pytestmark = pytest.mark.django_db

APPS = ("programmes", "funding", "projects", "events")


def _update(row, **values):
    type(row).objects.filter(pk=row.pk).update(**values)


def _copy(row, **changes):
    model = type(row)
    values = {
        field.attname: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in changes and field.name not in changes
    }
    model.objects.create(**values, **changes)


def _check(build, bad, good):
    """(write the bad values with update(), write the good ones)."""
    return lambda: build(), lambda row: _update(row, **bad), lambda row: _update(row, **good)


def _unique(build, bad=None, good=None):
    """(copy the row, changing `bad`: refused; changing `good`: accepted)."""
    return (lambda: build(), lambda row: _copy(row, **(bad or {})),
            lambda row: _copy(row, **(good or {})))


def _application(status="submitted"):
    return f.ApplicationFactory(status=status)


CASES = {
    # programmes
    "track_unique_code": _unique(f.TrackFactory, good={"code": "interface"}),
    "call_closes_after_opening": _check(
        f.CallFactory, {"closes_at": F("opens_at")},
        {"closes_at": F("opens_at") + dt.timedelta(seconds=1)}),
    "call_budget_positive": _check(f.CallFactory, {"budget": Decimal("-0.01")},
                                   {"budget": Decimal("0")}),
    "call_year_range": _check(f.CallFactory, {"year": 2101}, {"year": 2100}),
    "call_unique_programme_track_year": _unique(
        lambda: f.CallFactory(with_track=True), {"slug": "copie"}, {"slug": "copie", "year": 2030}),
    "call_unique_programme_year_without_track": _unique(
        f.CallFactory, {"slug": "copie"}, {"slug": "copie", "year": 2030}),
    "criterion_unique_label": _unique(f.EvaluationCriterionFactory, good={"label": "Autre"}),
    "criterion_max_positive": _check(f.EvaluationCriterionFactory, {"max_score": 0},
                                     {"max_score": 1}),
    "criterion_weight_positive": _check(f.EvaluationCriterionFactory, {"weight": Decimal("-1")},
                                        {"weight": Decimal("0")}),
    "required_document_unique": _unique(f.RequiredDocumentFactory, good={"label": "Autre"}),
    "application_requested_positive": _check(
        _application, {"requested_amount": Decimal("-1")}, {"requested_amount": Decimal("0")}),
    "application_submitted_at_unless_draft": _check(
        _application, {"submitted_at": None}, {"submitted_at": None, "status": "withdrawn"}),
    "review_unique_reviewer": _unique(
        f.ReviewFactory, good={"reviewer_id": None}),
    "review_submitted_at_when_submitted": _check(
        f.ReviewFactory, {"status": "submitted", "submitted_at": None},
        {"status": "declined", "submitted_at": None}),
    "score_unique_criterion": _unique(f.ReviewScoreFactory, good={"criterion_id": None}),
    "score_at_most_100": _check(f.ReviewScoreFactory, {"score": 101}, {"score": 100}),
    "decision_unique_per_committee": _unique(
        lambda: f.DecisionFactory(outcome="eligible"),
        good={"committee_date": dt.date(2030, 1, 1)}),
    "decision_one_final_per_application": _unique(
        lambda: f.DecisionFactory(outcome="selected"),
        {"outcome": "not_selected", "committee_date": dt.date(2030, 1, 1)},
        {"outcome": "audition", "committee_date": dt.date(2030, 1, 1)}),
    # funding
    "award_amount_positive": _check(f.AwardFactory, {"amount": Decimal("-1")},
                                    {"amount": Decimal("0")}),
    "contribution_unique_funder": _unique(f.ContributionFactory, good={"funder_id": None}),
    "contribution_amount_positive": _check(f.ContributionFactory, {"amount": Decimal("-1")},
                                           {"amount": Decimal("0")}),
    "investment_unique_company": _unique(f.CompanyInvestmentFactory, good={"company_id": None}),
    "investment_amount_positive": _check(
        f.CompanyInvestmentFactory, {"planned_amount": Decimal("-1")},
        {"planned_amount": Decimal("0")}),
    # projects
    "project_end_after_start": _check(
        f.FundedProjectFactory, {"end_date": F("start_date") - dt.timedelta(days=1)},
        {"end_date": F("start_date")}),
    "project_status_unique_year": _unique(f.ProjectYearStatusFactory, good={"year": 2030}),
    "project_status_year_range": _check(f.ProjectYearStatusFactory, {"year": 1999},
                                        {"year": 2000}),
    "report_unique_year": _unique(f.FollowUpReportFactory, good={"year": 2030}),
    "report_year_range": _check(f.FollowUpReportFactory, {"year": 2101}, {"year": 2100}),
    "outcome_amount_positive": _check(f.OutcomeFactory, {"amount": Decimal("-1")},
                                      {"amount": Decimal("0")}),
    # events
    "working_group_end_after_start": _check(
        f.WorkingGroupFactory, {"ended_on": F("started_on") - dt.timedelta(days=1)},
        {"ended_on": F("started_on")}),
    "event_end_after_start": _check(
        f.EventFactory, {"end_date": F("start_date") - dt.timedelta(days=1)},
        {"end_date": F("start_date")}),
    "speaker_unique_person": _unique(f.EventSpeakerFactory, good={"person_id": None}),
    "prize_kind_matches_laureate": _check(
        f.PrizeFactory, {"kind": "startup_trophy"}, {"kind": "poster_prize"}),
    "survey_rating_0_5": _check(f.SurveyResponseFactory, {"rating": 6}, {"rating": 5}),
    "international_end_after_start": _check(
        f.InternationalActionFactory, {"end_date": F("start_date") - dt.timedelta(days=1)},
        {"end_date": F("start_date")}),
}

# Cases whose good copy needs a fresh related row (a unique key names it).
FRESH = {
    "review_unique_reviewer": ("reviewer_id", f.UserFactory),
    "score_unique_criterion": ("criterion_id", None),
    "contribution_unique_funder": ("funder_id", f.FunderFactory),
    "investment_unique_company": ("company_id", f.CompanyFactory),
    "speaker_unique_person": ("person_id", f.PersonFactory),
}


def test_every_constraint_of_the_domain_apps_has_a_case():
    declared = {
        constraint.name
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    }
    assert declared == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_database_refuses_the_bad_row_and_accepts_the_good_one(name):
    build, bad, good = CASES[name]
    row = build()
    with pytest.raises(IntegrityError), transaction.atomic():
        bad(row)
    if name in FRESH:
        attname, factory = FRESH[name]
        if factory is None:  # a criterion of the same call
            fresh = f.EvaluationCriterionFactory(call=row.criterion.call, label="Autre")
        else:
            fresh = factory()
        _copy(row, **{attname: fresh.pk})
    else:
        good(row)
