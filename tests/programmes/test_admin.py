"""Staff move applications along the allowed transitions only; every change is in history."""

import pytest
from django.forms.models import model_to_dict

from programmes.admin import ApplicationAdminForm
from programmes.models import Application
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _form(application, **changes):
    data = {key: value for key, value in model_to_dict(application).items() if value is not None}
    data["teams"] = [team.pk for team in data.get("teams", [])]
    data["partner_companies"] = [org.pk for org in data.get("partner_companies", [])]
    data["edit_version"] = application.history.first().history_id
    data.update(changes)
    return ApplicationAdminForm(data=data, instance=application)


def test_application_admin_refuses_a_transition_not_allowed():
    application = ApplicationFactory(status=Application.Status.NOT_SELECTED)
    form = _form(application, status=Application.Status.SELECTED)
    assert not form.is_valid()
    assert form.errors["status"] == ["Passage impossible de « Non retenue » à « Retenue (lauréate) »."]
    application.refresh_from_db()
    assert application.status == Application.Status.NOT_SELECTED


def test_application_admin_allows_a_transition_and_records_history():
    application = ApplicationFactory(status=Application.Status.SUBMITTED)
    form = _form(application, status=Application.Status.ELIGIBLE)
    assert form.is_valid(), form.errors
    form.save()
    application.refresh_from_db()
    assert application.status == Application.Status.ELIGIBLE
    latest = application.history.first()
    assert latest.status == Application.Status.ELIGIBLE
    assert latest.prev_record.status == Application.Status.SUBMITTED


def test_application_admin_refuses_submitted_status_without_date():
    application = ApplicationFactory(status=Application.Status.DRAFT)
    form = _form(application, status=Application.Status.SUBMITTED)
    assert not form.is_valid()
    assert "submitted_at" in form.errors
