"""Funded projects and their yearly statuses in the admin go through the project services."""

import pytest

from programmes.models import Application, Programme
from projects.models import FundedProject, ProjectYearStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

PS = ProjectYearStatus.Status


def test_funded_project_admin_opens_the_project_with_its_first_status(superuser_client):
    programme = f.ProgrammeFactory(kind=Programme.Kind.PROOF_OF_CONCEPT)
    award = f.AwardFactory(application=f.ApplicationFactory(
        call=f.CallFactory(programme=programme), status=Application.Status.SELECTED))
    response = superuser_client.post("/admin/projects/fundedproject/add/", {
        "award": award.pk, "name": "GERME", "public_summary": "",
        "year_statuses-TOTAL_FORMS": "0", "year_statuses-INITIAL_FORMS": "0",
        "reports-TOTAL_FORMS": "0", "reports-INITIAL_FORMS": "0",
        "outcomes-TOTAL_FORMS": "0", "outcomes-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    project = FundedProject.objects.get()
    assert list(project.year_statuses.values_list("year", "status")) == [(2025, PS.NOT_STARTED)]


def test_funded_project_admin_refuses_a_mobility_award(superuser_client):
    programme = f.ProgrammeFactory(kind=Programme.Kind.MOBILITY)
    award = f.AwardFactory(application=f.ApplicationFactory(
        call=f.CallFactory(programme=programme), status=Application.Status.SELECTED))
    response = superuser_client.post("/admin/projects/fundedproject/add/", {
        "award": award.pk, "name": "X",
        "year_statuses-TOTAL_FORMS": "0", "year_statuses-INITIAL_FORMS": "0",
        "reports-TOTAL_FORMS": "0", "reports-INITIAL_FORMS": "0",
        "outcomes-TOTAL_FORMS": "0", "outcomes-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "award" in response.context["adminform"].form.errors
    assert not FundedProject.objects.exists()


def test_project_status_admin_refuses_a_project_that_resumes(superuser_client):
    project = f.FundedProjectFactory()
    f.ProjectYearStatusFactory(project=project, year=2024, status=PS.COMPLETED)
    response = superuser_client.post("/admin/projects/projectyearstatus/add/", {
        "project": project.pk, "year": "2025", "status": PS.ONGOING, "note": "",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == [
        "En 2024 le projet était « Terminé » : il ne peut pas être "
        "« En cours de réalisation et de suivi » en 2025."
    ]
    assert not project.year_statuses.filter(year=2025).exists()


def test_project_status_admin_records_an_allowed_year(superuser_client, superuser):
    project = f.FundedProjectFactory()
    f.ProjectYearStatusFactory(project=project, year=2024, status=PS.ONGOING)
    response = superuser_client.post("/admin/projects/projectyearstatus/add/", {
        "project": project.pk, "year": "2025", "status": PS.COMPLETED, "note": "Fini.",
    })
    assert response.status_code == 302
    row = project.year_statuses.get(year=2025)
    assert (row.status, row.history.get().history_user) == (PS.COMPLETED, superuser)
