"""Application spreadsheets go through the write layer: every move of the transitions table
through the import, new rows only as drafts or submitted, the separate history mode."""

import datetime
import itertools

import pytest
import tablib
from django.utils import timezone

from programmes.models import Application, Decision
from programmes.resources import ApplicationHistoryResource, ApplicationResource
from programmes.services import HISTORY_IMPORT_REASON
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Application.Status
ALL_MOVES = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]


def _row_for(application, **changes) -> tablib.Dataset:
    dataset = ApplicationResource().export(queryset=Application.objects.filter(pk=application.pk))
    headers = list(dataset.headers)
    row = dict(zip(headers, dataset[0], strict=True))
    row.update(changes)
    if "date du comité" not in headers:
        headers.append("date du comité")
    return tablib.Dataset([row.get(h, "") for h in headers], headers=headers)


def _errors(result):
    return [
        (field, messages)
        for row in result.invalid_rows
        for field, messages in row.error_dict.items()
    ] + [str(e.error) for row in result.rows for e in row.errors]


@pytest.mark.parametrize(("old", "new"), ALL_MOVES)
def test_application_import_applies_exactly_the_transitions_table(old, new):
    application = f.ApplicationFactory(status=old)
    staff = f.StaffUserFactory()
    history_before = application.history.count()
    dataset = _row_for(application, statut=str(S(new).label), **{"date du comité": "26/06/2025"})

    result = ApplicationResource().import_data(dataset, dry_run=False, user=staff)

    application.refresh_from_db()
    if new in Application.ALLOWED_TRANSITIONS[old]:
        assert not result.has_errors() and not result.has_validation_errors(), _errors(result)
        assert application.status == new
        assert application.history.first().history_user == staff
        if new in Application.DECISION_STATUSES:
            decision = application.decisions.get()
            assert (decision.outcome, decision.committee_date, decision.recorded_by) == (
                new, datetime.date(2025, 6, 26), staff
            )
    else:
        assert result.has_validation_errors()
        assert _errors(result) == [
            ("status", [f"Passage impossible de « {S(old).label} » à « {S(new).label} »."])
        ]
        assert application.status == old
        assert application.history.count() == history_before
        assert not application.decisions.exists()


def test_application_import_decision_without_committee_date_is_a_row_error():
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    dataset = _row_for(application, statut=str(S.SELECTED.label))
    result = ApplicationResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert _errors(result) == [
        ("committee_date", ["Indiquez la date du comité qui a pris cette décision."])
    ]
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


def test_application_import_one_bad_row_writes_nothing_of_the_file():
    movable = f.ApplicationFactory(status=S.SUBMITTED)
    stuck = f.ApplicationFactory(status=S.NOT_SELECTED)
    first = _row_for(movable, statut=str(S.WITHDRAWN.label))
    second = _row_for(stuck, statut=str(S.SELECTED.label), **{"date du comité": "26/06/2025"})
    dataset = tablib.Dataset(first[0], second[0], headers=first.headers)

    result = ApplicationResource().import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    movable.refresh_from_db()
    stuck.refresh_from_db()
    assert (movable.status, stuck.status) == (S.SUBMITTED, S.NOT_SELECTED)


def test_application_import_new_row_must_be_draft_or_submitted():
    template = f.ApplicationFactory(status=S.SUBMITTED)
    dataset = _row_for(template, référence="NEW-1", statut=str(S.SELECTED.label))
    result = ApplicationResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert not Application.objects.filter(reference="NEW-1").exists()


def test_application_history_import_creates_past_statuses_of_closed_calls():
    call = f.CallFactory(
        opens_at=timezone.now() - datetime.timedelta(days=500),
        closes_at=timezone.now() - datetime.timedelta(days=400),
    )
    template = f.ApplicationFactory(call=call, status=S.SUBMITTED)
    dataset = _row_for(template, référence="HIST-1", statut=str(S.NOT_SELECTED.label))
    staff = f.StaffUserFactory()

    result = ApplicationHistoryResource().import_data(dataset, dry_run=False, user=staff)

    assert not result.has_validation_errors(), _errors(result)
    created = Application.objects.get(reference="HIST-1")
    assert created.status == S.NOT_SELECTED
    record = created.history.get()
    assert (record.history_change_reason, record.history_user) == (HISTORY_IMPORT_REASON, staff)
    assert not Decision.objects.exists()


def test_application_history_import_never_moves_an_existing_application():
    call = f.CallFactory(
        opens_at=timezone.now() - datetime.timedelta(days=500),
        closes_at=timezone.now() - datetime.timedelta(days=400),
    )
    existing = f.ApplicationFactory(call=call, status=S.NOT_SELECTED)
    dataset = _row_for(existing, statut=str(S.SELECTED.label))
    result = ApplicationHistoryResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    existing.refresh_from_db()
    assert existing.status == S.NOT_SELECTED


def test_application_history_import_refuses_an_open_call():
    call = f.CallFactory(
        opens_at=timezone.now() - datetime.timedelta(days=5),
        closes_at=timezone.now() + datetime.timedelta(days=5),
    )
    template = f.ApplicationFactory(call=call, status=S.SUBMITTED)
    dataset = _row_for(template, référence="HIST-2", statut=str(S.SELECTED.label))
    result = ApplicationHistoryResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert not Application.objects.filter(reference="HIST-2").exists()
