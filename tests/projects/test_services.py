"""Funded projects through the write layer: opened from a research award, yearly statuses
that never go back."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError

from programmes.models import Application, Programme
from projects.models import FundedProject, ProjectYearStatus
from projects.services import funded_project_open, project_status_set
from tests import factories as f

pytestmark = pytest.mark.django_db

PS = ProjectYearStatus.Status


def _research_award(kind=Programme.Kind.ONCOSTARTER):
    programme = f.ProgrammeFactory(kind=kind)
    call = f.CallFactory(programme=programme)
    return f.AwardFactory(
        application=f.ApplicationFactory(call=call, status=Application.Status.SELECTED)
    )


def test_funded_project_open_creates_the_project_and_its_first_status():
    award = _research_award()
    staff = f.StaffUserFactory()
    project = funded_project_open(award=award, name="GERME", by=staff)
    assert project.award == award
    status = project.year_statuses.get()
    assert (status.year, status.status) == (2025, PS.NOT_STARTED)
    assert status.history.get().history_user == staff


@pytest.mark.parametrize("kind", [Programme.Kind.SCIENTIFIC_EVENTS, Programme.Kind.MOBILITY])
def test_funded_project_open_refuses_events_and_mobilities(kind):
    award = _research_award(kind)
    with pytest.raises(ValidationError):
        funded_project_open(award=award, name="X")
    assert not FundedProject.objects.exists()


def test_funded_project_open_refuses_a_second_project():
    award = _research_award()
    funded_project_open(award=award, name="A")
    with pytest.raises(ValidationError):
        funded_project_open(award=award, name="B")
    assert FundedProject.objects.count() == 1


@pytest.mark.parametrize(("before", "after"), list(itertools.product(PS.values, PS.values)))
def test_project_status_set_follows_the_yearly_transitions(before, after):
    project = f.FundedProjectFactory()
    f.ProjectYearStatusFactory(project=project, year=2024, status=before)
    if after in ProjectYearStatus.ALLOWED_TRANSITIONS[before]:
        project_status_set(project=project, year=2025, status=after)
        assert project.year_statuses.get(year=2025).status == after
    else:
        with pytest.raises(ValidationError):
            project_status_set(project=project, year=2025, status=after)
        assert not project.year_statuses.filter(year=2025).exists()


def test_project_status_set_checks_the_later_years_too():
    project = f.FundedProjectFactory()
    f.ProjectYearStatusFactory(project=project, year=2025, status=PS.ONGOING)
    with pytest.raises(ValidationError):
        project_status_set(project=project, year=2024, status=PS.COMPLETED)
    project_status_set(project=project, year=2024, status=PS.NOT_STARTED)
    assert list(project.year_statuses.order_by("year").values_list("status", flat=True)) == [
        PS.NOT_STARTED, PS.ONGOING,
    ]


def test_project_status_set_changes_the_row_of_that_year():
    project = f.FundedProjectFactory()
    f.ProjectYearStatusFactory(project=project, year=2025, status=PS.ONGOING)
    project_status_set(project=project, year=2025, status=PS.STOPPED, note="Départ du porteur.")
    row = project.year_statuses.get()
    assert (row.status, row.note) == (PS.STOPPED, "Départ du porteur.")


def test_funded_project_open_refuses_an_award_whose_application_was_withdrawn():
    award = _research_award()
    Application.objects.filter(pk=award.application_id).update(
        status=Application.Status.WITHDRAWN
    )
    with pytest.raises(ValidationError) as error:
        funded_project_open(award=award, name="GERME")
    assert error.value.message_dict == {
        "award": ["Le financement doit porter sur une demande retenue."]
    }
    assert not FundedProject.objects.exists()


def test_funded_project_open_refuses_a_second_project_and_says_why():
    award = _research_award()
    funded_project_open(award=award, name="A")
    with pytest.raises(ValidationError) as error:
        funded_project_open(award=award, name="B")
    assert error.value.message_dict == {"award": ["Ce financement a déjà son projet suivi."]}
    assert list(FundedProject.objects.values_list("name", flat=True)) == ["A"]


@pytest.mark.parametrize(
    ("start_date", "status"),
    [
        (None, PS.NOT_STARTED),
        (datetime.date(2024, 11, 1), PS.ONGOING),
        (datetime.date(2025, 1, 1), PS.ONGOING),
        (datetime.date(2025, 12, 31), PS.ONGOING),
        (datetime.date(2026, 1, 1), PS.NOT_STARTED),
    ],
)
def test_funded_project_open_first_status_depends_on_the_start_year(start_date, status):
    """The award was decided in 2025: a project starting any day of 2025 or before is ongoing
    that year."""
    award = _research_award()
    project = funded_project_open(award=award, name="GERME", start_date=start_date)
    assert list(project.year_statuses.values_list("year", "status")) == [(2025, status)]
