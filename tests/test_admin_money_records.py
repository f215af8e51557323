"""Money records cannot disappear through a chain of deletes (issue 7): awards, contributions
and company investments are never deleted from the admin, funded projects are stopped rather
than deleted, and the database refuses the deletes the admin does not offer. Funded projects,
follow-up reports and outcomes keep their history."""

from decimal import Decimal

import pytest
from django.db.models import ProtectedError

from funding.models import Award, CompanyInvestment
from projects.models import FundedProject
from tests import factories as f
from tests.helpers import admin_post_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "url"),
    [
        (f.AwardFactory, "/admin/funding/award/"),
        (f.ContributionFactory, "/admin/funding/contribution/"),
        (f.CompanyInvestmentFactory, "/admin/funding/companyinvestment/"),
        (f.FundedProjectFactory, "/admin/projects/fundedproject/"),
    ],
    ids=["award", "contribution", "company-investment", "funded-project"],
)
def test_money_record_has_no_delete_in_admin(superuser_client, factory, url):
    record = factory()
    model = type(record)

    assert superuser_client.post(f"{url}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = superuser_client.get(url)
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    response = superuser_client.post(
        url, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert model.objects.filter(pk=record.pk).exists()


def test_award_page_offers_no_deletion_of_company_investments(superuser_client):
    investment = f.CompanyInvestmentFactory()
    url = f"/admin/funding/award/{investment.award_id}/change/"
    data = admin_post_data(superuser_client.get(url))
    assert not [key for key in data if key.startswith("company_investments") and "DELETE" in key]

    data["company_investments-0-DELETE"] = "on"
    superuser_client.post(url, data)

    assert CompanyInvestment.objects.filter(pk=investment.pk).exists()


def test_database_refuses_deleting_an_award_with_its_money():
    contribution = f.ContributionFactory()
    f.CompanyInvestmentFactory(award=contribution.award)
    award = contribution.award

    with pytest.raises(ProtectedError):
        award.delete()
    assert Award.objects.filter(pk=award.pk).exists()


@pytest.mark.parametrize(
    "factory", [f.ProjectYearStatusFactory, f.FollowUpReportFactory, f.OutcomeFactory],
    ids=["status", "report", "outcome"],
)
def test_database_refuses_deleting_a_followed_project(factory):
    project = factory().project

    with pytest.raises(ProtectedError):
        project.delete()
    assert FundedProject.objects.filter(pk=project.pk).exists()


def test_funded_project_and_its_report_and_outcome_edits_have_history(superuser_client, superuser):
    report = f.FollowUpReportFactory(summary="Avancement conforme.")
    outcome = f.OutcomeFactory(project=report.project, amount=Decimal("0"))
    project = report.project
    url = f"/admin/projects/fundedproject/{project.pk}/change/"
    data = admin_post_data(superuser_client.get(url))
    data["name"] = "RENOMME"
    (summary,) = [key for key in data if key.startswith("reports") and key.endswith("-summary")]
    data[summary] = "Retard de six mois."
    (amount,) = [key for key in data if key.startswith("outcomes") and key.endswith("-amount")]
    data[amount] = "150000"

    assert superuser_client.post(url, data).status_code == 302

    for record, field, value in [
        (project, "name", "RENOMME"), (report, "summary", "Retard de six mois."),
        (outcome, "amount", Decimal("150000")),
    ]:
        latest = record.history.first()
        assert getattr(latest, field) == value
        assert latest.history_user == superuser
        assert latest.history_type == "~"
    history = superuser_client.get(f"/admin/projects/fundedproject/{project.pk}/history/")
    assert "RENOMME" in history.content.decode()
