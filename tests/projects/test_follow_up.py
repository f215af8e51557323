"""Follow-up of funded projects by their principal investigators: the project's pages, the
yearly report, outcomes, reminders, staff's overdue list (QUALITY 3, 4, 13, 14; issue 9)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.models import FollowUpReport, Outcome
from projects.selectors import pi_project_list, reports_overdue
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    FollowUpReportFactory,
    FundedProjectFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectYearStatusFactory,
    StaffUserFactory,
    SuperUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Report = FollowUpReport.Status
Kind = Outcome.Kind


def _pi():
    user = UserFactory()
    PersonFactory(user=user, first_name=user.first_name, last_name=user.last_name)
    return user


def _project(pi=None, *, by_person=False):
    """A funded project led by `pi`: as its applicant, or (`by_person`) only as the person
    named principal investigator, someone else having applied."""
    pi = pi or _pi()
    application = ApplicationFactory(
        status="selected", applicant=UserFactory() if by_person else pi,
        principal_investigator=pi.person,
    )
    project = FundedProjectFactory(award=AwardFactory(application=application))
    ProjectYearStatusFactory(project=project, year=2025)
    return project


def _expected(project, year=2025, due_on=None):
    return services.report_expect(project=project, year=year, due_on=due_on)


@pytest.fixture
def pi():
    return _pi()


@pytest.fixture
def project(pi):
    project = _project(pi)
    _expected(project)
    return project


@pytest.fixture
def staff():
    return SuperUserFactory()


def _urls(project, outcome):
    return [
        reverse("projects:detail", args=[project.pk]),
        reverse("projects:report", args=[project.pk, 2025]),
        reverse("projects:outcome_add", args=[project.pk]),
        reverse("projects:outcome_delete", args=[project.pk, outcome.pk]),
    ]


REPORT_POST = {"summary": "Recrutement fait.", "difficulties": "", "next_steps": "Essai."}


# --- Who sees what (QUALITY 3) ---------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_on_every_url(client, project):
    outcome = OutcomeFactory(project=project)
    for url in _urls(project, outcome):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert "/connexion/" in response["Location"] or "login" in response["Location"]


def test_another_applicant_gets_404_get_and_post_and_nothing_changes(client, project):
    outcome = OutcomeFactory(project=project)
    client.force_login(_pi())
    for url in _urls(project, outcome):
        assert client.get(url).status_code == 404, url
        assert client.post(url, REPORT_POST).status_code == 404, url
    report = FollowUpReport.objects.get(project=project, year=2025)
    assert report.status == Report.EXPECTED
    assert Outcome.objects.filter(pk=outcome.pk).exists()


def test_unknown_project_is_404_like_someone_elses(client, pi, project):
    client.force_login(pi)
    assert client.get(reverse("projects:detail", args=[project.pk + 999])).status_code == 404
    assert client.get(reverse("projects:report", args=[project.pk, 2019])).status_code == 404


@pytest.mark.parametrize("by_person", [False, True])
def test_the_pi_sees_every_page(client, by_person):
    pi = _pi()
    project = _project(pi, by_person=by_person)
    _expected(project)
    outcome = OutcomeFactory(project=project)
    client.force_login(pi)
    for url in _urls(project, outcome):
        assert client.get(url).status_code == 200, url


def test_staff_read_every_page_and_cannot_post(client, project, staff):
    outcome = OutcomeFactory(project=project)
    client.force_login(staff)
    for url in _urls(project, outcome):
        assert client.get(url).status_code == 200, url
        assert client.post(url, REPORT_POST).status_code in (403, 405), url
    assert FollowUpReport.objects.get(project=project, year=2025).status == Report.EXPECTED
    assert Outcome.objects.filter(pk=outcome.pk).exists()


def test_staff_without_the_view_permission_get_404(client, project):
    client.force_login(StaffUserFactory())
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404


def test_english_pages_under_en(client, pi, project):
    client.force_login(pi)
    response = client.get(f"/en/mon-espace/projets/{project.pk}/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"


# --- The dashboard ---------------------------------------------------------------------------


def test_dashboard_lists_the_pi_projects_and_their_reports_due(client, pi, project):
    other = _project()
    _expected(other)
    client.force_login(pi)
    response = client.get(reverse("applications:dashboard"))
    content = response.content.decode()
    assert "Mes projets financés" in content
    assert project.name in content
    assert other.name not in content
    assert reverse("projects:report", args=[project.pk, 2025]) in content


def test_dashboard_without_projects_has_no_section(client):
    client.force_login(_pi())
    assert "Mes projets financés" not in client.get(
        reverse("applications:dashboard")).content.decode()


def _dashboard_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("applications:dashboard")).status_code == 200
    return len(queries.captured_queries)


def test_dashboard_query_count_does_not_grow_with_projects(client, pi):
    client.force_login(pi)
    _expected(_project(pi))
    one = _dashboard_queries(client, pi)
    for _ in range(3):
        project = _project(pi)
        _expected(project)
        _expected(project, year=2024)
    assert _dashboard_queries(client, pi) == one == 14


def test_pi_project_list_is_three_queries(pi):
    for _ in range(3):
        _expected(_project(pi))
    with CaptureQueriesContext(connection) as queries:
        projects = list(pi_project_list(user=pi))
        for project in projects:
            list(project.reports.all())
    assert len(projects) == 3
    assert len(queries.captured_queries) == 3


def test_project_page_query_count_does_not_grow(client, pi, project):
    client.force_login(pi)
    url = reverse("projects:detail", args=[project.pk])
    OutcomeFactory(project=project)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for year in (2023, 2024):
        _expected(project, year=year)
    for _ in range(3):
        OutcomeFactory(project=project)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries) == 8


# --- The yearly report -----------------------------------------------------------------------


def test_pi_submits_the_report(client, pi, project):
    client.force_login(pi)
    response = client.post(reverse("projects:report", args=[project.pk, 2025]),
                           {**REPORT_POST, "difficulties": "Retard de livraison."})
    assert response.status_code == 302
    report = FollowUpReport.objects.get(project=project, year=2025)
    assert report.status == Report.SUBMITTED
    assert report.summary == "Recrutement fait."
    assert report.difficulties == "Retard de livraison."
    assert report.submitted_by == pi
    assert report.submitted_on == timezone.localdate()
    assert report.history.first().history_user == pi


def test_report_without_progress_is_refused_in_french_and_unchanged(client, pi, project):
    client.force_login(pi)
    response = client.post(reverse("projects:report", args=[project.pk, 2025]),
                           {"summary": "  ", "next_steps": "x"})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
    assert FollowUpReport.objects.get(project=project, year=2025).status == Report.EXPECTED


def test_report_post_with_fields_the_form_does_not_offer_is_ignored(client, pi, project):
    client.force_login(pi)
    client.post(reverse("projects:report", args=[project.pk, 2025]),
                {**REPORT_POST, "status": "accepted", "year": "2030", "due_on": "2030-01-01",
                 "project": "1"})
    report = FollowUpReport.objects.get(project=project, year=2025)
    assert report.status == Report.SUBMITTED
    assert report.due_on == dt.date(2026, 3, 31)


def test_submitted_report_may_be_corrected_until_accepted(pi, project):
    report = FollowUpReport.objects.get(project=project, year=2025)
    services.report_submit(report=report, by=pi, fields={"summary": "Premier jet."})
    services.report_submit(report=report, by=pi, fields={"summary": "Corrigé."})
    assert report.summary == "Corrigé."
    services.report_accept(report=report, by=SuperUserFactory())
    with pytest.raises(ValidationError) as error:
        services.report_submit(report=report, by=pi, fields={"summary": "Trop tard."})
    assert "accepté" in error.value.messages[0]
    report.refresh_from_db()
    assert report.summary == "Corrigé."
    assert report.status == Report.ACCEPTED


def test_accepted_report_page_is_read_only(client, pi, project):
    report = FollowUpReport.objects.get(project=project, year=2025)
    services.report_submit(report=report, by=pi, fields={"summary": "Fait."})
    services.report_accept(report=report)
    client.force_login(pi)
    url = reverse("projects:report", args=[project.pk, 2025])
    assert "<textarea" not in client.get(url).content.decode()
    response = client.post(url, {"summary": "Changé."}, follow=True)
    assert "ne peut plus être modifié" in response.content.decode()
    report.refresh_from_db()
    assert report.summary == "Fait."


def test_only_a_submitted_report_can_be_accepted(project):
    report = FollowUpReport.objects.get(project=project, year=2025)
    with pytest.raises(ValidationError):
        services.report_accept(report=report)
    report.refresh_from_db()
    assert report.status == Report.EXPECTED


def test_someone_else_cannot_submit_through_the_service(project):
    report = FollowUpReport.objects.get(project=project, year=2025)
    with pytest.raises(ValidationError):
        services.report_submit(report=report, by=_pi(), fields={"summary": "Intrus."})
    report.refresh_from_db()
    assert report.status == Report.EXPECTED


def test_report_expect_defaults_to_31_march_and_keeps_a_submitted_report(pi, project):
    report = FollowUpReport.objects.get(project=project, year=2025)
    assert report.due_on == dt.date(2026, 3, 31)
    moved = services.report_expect(project=project, year=2025, due_on=dt.date(2026, 5, 1))
    assert moved.due_on == dt.date(2026, 5, 1)
    services.report_submit(report=report, by=pi, fields={"summary": "Fait."})
    kept = services.report_expect(project=project, year=2025, due_on=dt.date(2027, 1, 1))
    assert kept.due_on == dt.date(2026, 5, 1)
    assert kept.status == Report.SUBMITTED


# --- Outcomes --------------------------------------------------------------------------------


def _record(project, pi, **fields):
    fields = {"kind": Kind.PUBLICATION, "title": "Article", "date": dt.date(2025, 3, 1),
              **fields}
    return services.outcome_record(project=project, by=pi, fields=fields)


@pytest.mark.parametrize("doi", [
    "10.1038/s41586-020-2649-2", "https://doi.org/10.1000/xyz123", "doi:10.1016/j.cell.2020.01.001",
])
def test_publication_with_a_valid_doi(pi, project, doi):
    outcome = _record(project, pi, identifier=doi)
    assert outcome.identifier.startswith("10.")
    assert outcome.recorded_by == pi


@pytest.mark.parametrize("doi", ["", "11.1038/abc", "10.12/abc", "10.1038", "10.1038/ a b"])
def test_publication_without_a_valid_doi_is_refused(pi, project, doi):
    with pytest.raises(ValidationError) as error:
        _record(project, pi, identifier=doi)
    assert "DOI" in error.value.message_dict["identifier"][0]
    assert not Outcome.objects.exists()


@pytest.mark.parametrize("number", ["NCT01234567", "nct01234567", "2023-500123-45-00",
                                    "2019-001234-56"])
def test_clinical_trial_with_a_registry_number(pi, project, number):
    outcome = _record(project, pi, kind=Kind.CLINICAL_TRIAL, identifier=number)
    assert outcome.identifier == number.upper()


@pytest.mark.parametrize("number", ["", "NCT1234567", "NCT012345678", "ISRCTN12345678",
                                    "2023-50012-45"])
def test_clinical_trial_without_a_registry_number_is_refused(pi, project, number):
    with pytest.raises(ValidationError) as error:
        _record(project, pi, kind=Kind.CLINICAL_TRIAL, identifier=number)
    assert "NCT" in error.value.message_dict["identifier"][0]
    assert not Outcome.objects.exists()


def test_patent_needs_its_number(pi, project):
    with pytest.raises(ValidationError):
        _record(project, pi, kind=Kind.PATENT, identifier="")
    assert _record(project, pi, kind=Kind.PATENT, identifier="fr2301234").identifier == "FR2301234"


def test_jobs_need_a_count_and_follow_on_funding_an_amount_and_a_funder(pi, project):
    with pytest.raises(ValidationError) as error:
        _record(project, pi, kind=Kind.JOBS, jobs=0)
    assert "jobs" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _record(project, pi, kind=Kind.FOLLOW_ON_FUNDING, amount=Decimal("0"))
    assert set(error.value.message_dict) == {"amount", "funder"}
    assert not Outcome.objects.exists()
    funding = _record(project, pi, kind=Kind.FOLLOW_ON_FUNDING, amount=Decimal("250000.50"),
                      funder="ANR")
    assert funding.amount == Decimal("250000.50")
    assert _record(project, pi, kind=Kind.JOBS, jobs=3).jobs == 3
    assert _record(project, pi, kind=Kind.PRODUCT, title="Dispositif").kind == Kind.PRODUCT


def test_outcome_in_the_future_is_refused(pi, project):
    with pytest.raises(ValidationError) as error:
        _record(project, pi, identifier="10.1000/x",
                date=timezone.localdate() + dt.timedelta(days=1))
    assert "futur" in error.value.message_dict["date"][0]


def test_outcomes_of_an_accepted_year_are_final(pi, project):
    kept = _record(project, pi, identifier="10.1000/kept")
    report = FollowUpReport.objects.get(project=project, year=2025)
    services.report_submit(report=report, by=pi, fields={"summary": "Fait."})
    services.report_accept(report=report)
    with pytest.raises(ValidationError):
        _record(project, pi, identifier="10.1000/new")
    with pytest.raises(ValidationError):
        services.outcome_delete(outcome=kept, by=pi)
    assert list(Outcome.objects.values_list("identifier", flat=True)) == ["10.1000/kept"]
    # Another year stays open.
    _record(project, pi, identifier="10.1000/2024", date=dt.date(2024, 5, 1))


def test_pi_records_an_outcome_through_the_form(client, pi, project):
    client.force_login(pi)
    url = reverse("projects:outcome_add", args=[project.pk])
    response = client.post(url, {"kind": "clinical_trial", "title": "Phase I",
                                 "date": "2025-05-20", "identifier": "NCT123"})
    assert response.status_code == 200
    assert "NCT suivi de 8 chiffres" in response.content.decode()
    assert not Outcome.objects.exists()
    response = client.post(url, {"kind": "clinical_trial", "title": "Phase I",
                                 "date": "2025-05-20", "identifier": "NCT06543210",
                                 "project": "999", "recorded_by": "1"})
    assert response.status_code == 302
    outcome = Outcome.objects.get()
    assert (outcome.project, outcome.recorded_by, outcome.identifier) == (
        project, pi, "NCT06543210")


def test_pi_records_follow_on_funding_in_french_notation(client, pi, project):
    client.force_login(pi)
    client.post(reverse("projects:outcome_add", args=[project.pk]), {
        "kind": "follow_on_funding", "title": "ANR JCJC", "date": "2025-07-10",
        "amount": "250 000,50", "funder": "ANR"})
    assert Outcome.objects.get().amount == Decimal("250000.50")


def test_pi_deletes_an_outcome(client, pi, project):
    outcome = OutcomeFactory(project=project)
    client.force_login(pi)
    response = client.post(reverse("projects:outcome_delete", args=[project.pk, outcome.pk]))
    assert response.status_code == 302
    assert not Outcome.objects.exists()


def test_outcome_of_another_project_is_404(client, pi, project):
    other = OutcomeFactory(project=_project())
    client.force_login(pi)
    url = reverse("projects:outcome_delete", args=[project.pk, other.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Outcome.objects.filter(pk=other.pk).exists()


# --- Reminders -------------------------------------------------------------------------------


NOW = dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`report_reminders_send`, running the e-mails it queues with transaction.on_commit as a
    commit would (the test's transaction never commits)."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return services.report_reminders_send(now=now)

    return run


def test_reminders_are_sent_once_however_many_runs(pi, project, send):
    soon = _project()
    _expected(soon, due_on=dt.date(2026, 3, 20))
    late = _project()
    _expected(late, year=2024, due_on=dt.date(2025, 3, 31))
    _expected(_project(), due_on=dt.date(2026, 6, 30))  # too far ahead
    done = _project()
    FollowUpReportFactory(project=done, year=2025, due_on=dt.date(2026, 3, 15))
    # `project` is due on 31 March 2026: within 30 days.
    assert send(NOW) == 3
    assert len(mail.outbox) == 3
    assert send(NOW) == 0
    assert send(NOW + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 3
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert pi.email in recipients
    report = FollowUpReport.objects.get(project=project, year=2025)
    assert report.reminded_at == NOW
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects[0] == f"CLARA — rapport de suivi 2024 du projet {late.name} en retard"
    assert f"CLARA — rapport de suivi 2025 du projet {project.name} à remettre" in subjects


def test_reminder_reaches_the_person_and_the_applicant(pi, send):
    project = _project(pi, by_person=True)
    _expected(project, due_on=dt.date(2026, 3, 20))
    send(NOW)
    applicant = project.award.application.applicant
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pi.email, applicant.email])


def test_send_reminders_command_calls_the_report_reminders(
    project, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", "--now", "2026-03-10T08:00:00+01:00", stdout=out)
    assert [m.to for m in mail.outbox] == [[project.award.application.applicant.email]]
    assert len(mail.outbox) == 1
    assert "rapports de suivi : 0 rappel(s)" in out.getvalue()


# --- Staff: overdue reports ------------------------------------------------------------------


def test_reports_overdue_are_expected_ones_past_their_date(pi, project):
    submitted = _project()
    FollowUpReportFactory(project=submitted, year=2024, due_on=dt.date(2025, 3, 31))
    today = dt.date(2026, 4, 1)
    assert list(reports_overdue(today=today)) == [project.reports.get()]
    assert list(reports_overdue(today=dt.date(2026, 3, 31))) == []


def _changelist_queries(client) -> tuple[int, str]:
    url = reverse("admin:projects_followupreport_changelist") + "?echeance=en-retard"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_admin_overdue_filter_is_bounded_and_lists_overdue_only(superuser_client):
    late = _project()
    _expected(late, year=2023, due_on=dt.date(2024, 3, 31))
    ahead = _project()
    _expected(ahead, due_on=timezone.localdate() + dt.timedelta(days=90))
    one, content = _changelist_queries(superuser_client)
    assert late.name in content and ahead.name not in content
    for _ in range(3):
        _expected(_project(), year=2023, due_on=dt.date(2024, 3, 31))
    many, _content = _changelist_queries(superuser_client)
    assert one == many


def test_admin_action_accepts_submitted_reports_with_history(superuser_client, superuser,
                                                             pi, project):
    report = FollowUpReport.objects.get(project=project, year=2025)
    services.report_submit(report=report, by=pi, fields={"summary": "Fait."})
    expected = _expected(_project())
    superuser_client.post(reverse("admin:projects_followupreport_changelist"), {
        "action": "accept_reports", "_selected_action": [report.pk, expected.pk]})
    report.refresh_from_db()
    expected.refresh_from_db()
    assert report.status == Report.ACCEPTED
    assert expected.status == Report.EXPECTED
    last = report.history.first()
    assert (last.history_user, last.status) == (superuser, Report.ACCEPTED)
    assert last.prev_record.status == Report.SUBMITTED


# --- Key figures -----------------------------------------------------------------------------


def test_outcomes_recorded_by_the_pi_move_the_figures_of_their_year(pi, project):
    from clara.keyfigures.selectors import figure_records, key_figures_for_year

    keys = ("outcomes.publications", "outcomes.clinical_trials", "outcomes.jobs",
            "outcomes.follow_on_eur", "outcomes.patents")
    before = {year: {k: key_figures_for_year(year)[k] for k in keys} for year in (2024, 2025)}
    assert before[2025] == {"outcomes.publications": 0, "outcomes.clinical_trials": 0,
                            "outcomes.jobs": 0, "outcomes.follow_on_eur": Decimal("0"),
                            "outcomes.patents": 0}
    publication = _record(project, pi, identifier="10.1000/a", date=dt.date(2025, 12, 31))
    _record(project, pi, kind=Kind.CLINICAL_TRIAL, identifier="NCT06543210",
            date=dt.date(2025, 1, 1))
    _record(project, pi, kind=Kind.JOBS, jobs=3, date=dt.date(2025, 6, 1))
    _record(project, pi, kind=Kind.FOLLOW_ON_FUNDING, amount=Decimal("120000"), funder="ERC",
            date=dt.date(2025, 6, 1))
    _record(project, pi, kind=Kind.PATENT, identifier="EP4123456", date=dt.date(2024, 12, 31))
    after = key_figures_for_year(2025)
    assert {k: after[k] for k in keys} == {
        "outcomes.publications": 1, "outcomes.clinical_trials": 1, "outcomes.jobs": 3,
        "outcomes.follow_on_eur": Decimal("120000"), "outcomes.patents": 0}
    assert key_figures_for_year(2024)["outcomes.patents"] == 1
    assert list(figure_records("outcomes.publications", 2025)) == [publication]
    services.outcome_delete(outcome=publication, by=pi)
    assert key_figures_for_year(2025)["outcomes.publications"] == 0


def test_public_representation_of_outcomes_names_no_person(pi, project):
    from clara.public import representation_of

    outcome = _record(project, pi, kind=Kind.FOLLOW_ON_FUNDING, amount=Decimal("1000"),
                      funder="ANR", title="ANR JCJC")
    row = [column.value(outcome) for column in representation_of(Outcome).columns]
    assert row[:3] == [project.name, "Financement obtenu ensuite", "ANR JCJC"]
    for value in row:
        assert str(value) not in (pi.email, pi.get_full_name(), str(pi.person))


def test_outcome_form_offers_today_in_the_date_input_format(client, pi, project):
    client.force_login(pi)
    html = client.get(reverse("projects:outcome_add", args=[project.pk])).content.decode()
    assert f'type="date" name="date" value="{timezone.localdate().isoformat()}"' in html


def test_a_year_under_way_expects_its_report(pi):
    import datetime

    from projects.models import ProjectYearStatus
    from projects.services import project_status_set

    project = _project(pi)
    project_status_set(project=project, year=2032, status=ProjectYearStatus.Status.ONGOING)
    report = project.reports.get(year=2032)
    assert (report.status, report.due_on) == ("expected", datetime.date(2033, 3, 31))
    project_status_set(project=project, year=2033, status=ProjectYearStatus.Status.COMPLETED)
    assert not project.reports.filter(year=2033).exists()
