"""The staff admin: every registered model opens, changelists and inline forms keep the
same number of queries whatever the number of rows, search and filters work, and
spreadsheet import/export behaves (row-level French errors, formula escaping)."""

import html
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from clara.accounts.models import User
from clara.keyfigures import selectors
from clara.keyfigures.views import admin_changelist_url
from clara.network.models import Organisation, Team, TeamCensus
from clara.network.resources import OrganisationResource
from events.models import Event
from funding.models import Award
from programmes.models import Application
from tests import factories as f

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
ADMIN_IDS = [model._meta.label for model, _ in MODEL_ADMINS]


def _application_with_everything():
    application = f.ApplicationFactory(
        domain=f.InnovationDomainFactory(), teams=[f.TeamFactory()],
        partner_companies=[f.CompanyFactory()],
    )
    f.AttachmentFactory(application=application)
    f.ReviewScoreFactory(review__application=application)
    f.DecisionFactory(application=application, recorded_by=f.StaffUserFactory())
    return application


def _award_with_everything():
    award = f.AwardFactory()
    f.ContributionFactory(award=award)
    f.ContributionFactory(award=award)
    f.CompanyInvestmentFactory(award=award)
    return award


def _funded_project_with_everything():
    project = f.FundedProjectFactory()
    f.ProjectYearStatusFactory(project=project)
    f.FollowUpReportFactory(project=project)
    f.OutcomeFactory(project=project)
    return project


def _event_with_everything():
    event = f.EventFactory(
        kind="forum", parent=f.EventFactory(), organiser=f.OrganisationFactory(),
        call=f.CallFactory(), working_group=f.WorkingGroupFactory(), award=f.AwardFactory(),
    )
    f.EventSpeakerFactory(event=event)
    f.PrizeFactory(event=event)
    f.PrizeFactory(event=event, startup_trophy=True)
    f.SurveyResponseFactory(event=event)
    return event


_group_numbers = iter(range(10**6))

# One "realistic" row per model: its foreign keys and the rows its admin shows beside it.
BUILDERS = {
    "auth.Group": lambda: Group.objects.create(name=f"Groupe {next(_group_numbers)}"),
    "network.Organisation": lambda: f.OrganisationFactory(parent=f.OrganisationFactory()),
    "network.Team": lambda: f.TeamCensusFactory(team__leader=f.PersonFactory()).team,
    "network.TeamCensus": lambda: f.TeamCensusFactory(team__leader=f.PersonFactory()),
    "network.Person": lambda: f.PersonFactory(team=f.TeamFactory(), user=f.UserFactory()),
    "programmes.Programme": lambda: f.TrackFactory(
        programme__partner=f.OrganisationFactory()
    ).programme,
    "programmes.Call": lambda: f.ApplicationFactory(
        call=f.CallFactory(with_track=True)
    ).call,
    "programmes.Application": _application_with_everything,
    "programmes.Review": lambda: f.ReviewScoreFactory().review,
    "programmes.Decision": lambda: f.DecisionFactory(recorded_by=f.StaffUserFactory()),
    "funding.Funder": lambda: f.FunderFactory(organisation=f.OrganisationFactory()),
    "funding.Award": _award_with_everything,
    "projects.FundedProject": _funded_project_with_everything,
    "projects.SupportAction": lambda: f.SupportActionFactory(project=f.FundedProjectFactory()),
    "events.Event": _event_with_everything,
    "events.WorkingGroup": lambda: f.WorkingGroupFactory(
        members=[f.PersonFactory(), f.PersonFactory()]
    ),
    "events.Prize": lambda: f.PrizeFactory(),
    "events.InternationalAction": lambda: f.InternationalActionFactory(
        award=f.AwardFactory(), members=[f.PersonFactory()]
    ),
    "spreadsheets.ImportJob": lambda: _import_job(),
    "django_tasks_database.DBTaskResult": lambda: _import_job().task_result(),
    "axes.AccessAttempt": lambda: _login_record("AccessAttempt", failures_since_start=1),
    "axes.AccessFailureLog": lambda: _login_record("AccessFailureLog"),
    "axes.AccessLog": lambda: _login_record("AccessLog"),
    "account.EmailAddress": lambda: _email_address(),
    "mfa.Authenticator": lambda: _authenticator(),
}


def _email_address():
    """A verified address of an account (django-allauth)."""
    from allauth.account.models import EmailAddress

    user = f.UserFactory()
    return EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def _authenticator():
    """A second factor (authenticator app) of a staff account (django-allauth MFA)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.create(
        user=f.StaffUserFactory(), type=Authenticator.Type.TOTP,
        data={"secret": "not-a-real-secret"},
    )

_login_numbers = iter(range(10**6))


def _login_record(model_name: str, **fields):
    """A row of django-axes' login records (attempts, failures, successful logins)."""
    from django.apps import apps

    return apps.get_model("axes", model_name).objects.create(
        username=f"user{next(_login_numbers)}@example.org", ip_address="192.0.2.7",
        user_agent="Mozilla/5.0", http_accept="text/html", path_info="/admin/login/", **fields,
    )


def _import_job():
    """A background import (queued, database backend) with its task row."""
    from django_tasks.backends.database.models import DBTaskResult

    from clara.spreadsheets.models import ImportJob
    from clara.spreadsheets.tasks import run_import_job

    job = ImportJob.objects.create(
        user=f.StaffUserFactory(), resource="programmes.resources.ApplicationResource",
        model_label="programmes.application", file_name="demandes.csv",
        stored_name="absent.csv", file_format="csv", total_rows=3,
    )
    job.task_result = lambda: DBTaskResult.objects.get(pk=run_import_job.enqueue(job.pk).id)
    return job


def build(model):
    label = model._meta.label
    if label in BUILDERS:
        return BUILDERS[label]()
    return getattr(f, f"{model.__name__}Factory")()


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


# --- every admin opens ---------------------------------------------------------------------


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=ADMIN_IDS)
def test_admin_pages_open_for_superuser(superuser_client, superuser, rf, model, model_admin):
    obj = build(model)
    request = rf.get("/")
    request.user = superuser

    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    expected_add = 200 if model_admin.has_add_permission(request) else 403
    assert superuser_client.get(admin_url(model, "add")).status_code == expected_add


HISTORY_ADMINS = [item for item in MODEL_ADMINS if isinstance(item[1], SimpleHistoryAdmin)]
SPREADSHEET_ADMINS = [item for item in MODEL_ADMINS if isinstance(item[1], ImportExportMixin)]


@pytest.mark.parametrize(
    ("model", "model_admin"), HISTORY_ADMINS, ids=[m._meta.label for m, _ in HISTORY_ADMINS]
)
def test_admin_history_page_opens(superuser_client, model, model_admin):
    obj = build(model)

    assert superuser_client.get(admin_url(model, "history", obj.pk)).status_code == 200


def test_history_is_kept_for_the_models_that_have_it():
    assert {model._meta.label for model, _ in HISTORY_ADMINS} == {
        "programmes.Application", "programmes.Decision", "funding.Award",
        "funding.Contribution", "funding.CompanyInvestment", "projects.ProjectYearStatus",
        "projects.FundedProject", "projects.FollowUpReport", "projects.Outcome",
        "funding.Disbursement", "programmes.Audition",
    }


@pytest.mark.parametrize(
    ("model", "model_admin"), SPREADSHEET_ADMINS,
    ids=[m._meta.label for m, _ in SPREADSHEET_ADMINS],
)
def test_admin_import_and_export_pages_offer_csv_and_xlsx_only(
    superuser_client, model, model_admin
):
    build(model)

    for view in ("import", "export"):
        response = superuser_client.get(admin_url(model, view))
        assert response.status_code == 200
        choices = [label for value, label in response.context["form"].fields["format"].choices
                   if value != ""]
        assert choices == ["csv", "xlsx"]


@pytest.mark.parametrize(
    ("model", "model_admin"), SPREADSHEET_ADMINS,
    ids=[m._meta.label for m, _ in SPREADSHEET_ADMINS],
)
def test_admin_export_queries_do_not_grow_with_rows(superuser_client, model, model_admin):
    resource_class = model_admin.resource_classes[0]
    build(model)
    _export(superuser_client, model, resource_class, "0")
    with CaptureQueriesContext(connection) as with_one:
        response = _export(superuser_client, model, resource_class, "0")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")

    for _ in range(3):
        build(model)
    with CaptureQueriesContext(connection) as with_four:
        _export(superuser_client, model, resource_class, "0")

    assert len(with_four) == len(with_one)


def test_user_admin_creates_an_account_from_its_email(superuser_client):
    response = superuser_client.post(
        admin_url(User, "add"),
        {"email": "Chercheuse@Univ-Lyon.FR", "usable_password": "true",
         "password1": "Un-mot-de-passe-solide-2025", "password2": "Un-mot-de-passe-solide-2025"},
    )

    assert response.status_code == 302
    user = User.objects.get(email="chercheuse@univ-lyon.fr")
    assert user.check_password("Un-mot-de-passe-solide-2025")


def test_user_admin_refuses_an_email_already_used_in_another_case(superuser_client):
    f.UserFactory(email="chercheuse@univ-lyon.fr")

    response = superuser_client.post(
        admin_url(User, "add"), {"email": "CHERCHEUSE@univ-lyon.fr", "usable_password": "false"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "Un compte utilise déjà cette adresse e-mail."
    ]
    assert User.objects.filter(email__iexact="chercheuse@univ-lyon.fr").count() == 1


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=ADMIN_IDS)
def test_admin_changelist_queries_do_not_grow_with_rows(superuser_client, model, model_admin):
    url = admin_url(model, "changelist")
    build(model)
    superuser_client.get(url)  # warm caches (content types, permissions) out of the count
    with_one = count_queries(superuser_client, url)

    for _ in range(3):
        build(model)
    with_four = count_queries(superuser_client, url)

    assert with_four == with_one


@pytest.mark.parametrize(
    ("model", "model_admin"),
    [item for item in MODEL_ADMINS if item[1].search_fields],
    ids=[label for label, item in zip(ADMIN_IDS, MODEL_ADMINS, strict=True)
         if item[1].search_fields],
)
def test_admin_changelist_search_runs(superuser_client, model, model_admin):
    build(model)

    response = superuser_client.get(admin_url(model, "changelist"), {"q": "zzz-nothing"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


# --- literal query counts of the main changelists ------------------------------------------

# Session, user, then: count of filtered rows, count of all rows, the page of rows, and one
# query per list filter offering values from the database (related tables, years).


def _assert_changelist_queries(client, django_assert_num_queries, url, expected):
    client.get(url)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_application_changelist_query_count_is_fixed(
    superuser_client, django_assert_num_queries
):
    url = admin_url(Application, "changelist")
    # No date hierarchy and no count of the unfiltered table: 7 (national-scale bench).
    _application_with_everything()
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 7)

    for _ in range(4):
        _application_with_everything()
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 7)


def test_award_changelist_query_count_is_fixed(superuser_client, django_assert_num_queries):
    url = admin_url(Award, "changelist")
    _award_with_everything()
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 7)

    for _ in range(4):
        _award_with_everything()
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 7)


def test_teamcensus_changelist_query_count_is_fixed(
    superuser_client, django_assert_num_queries
):
    url = admin_url(TeamCensus, "changelist")
    f.TeamCensusFactory()
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 7)

    for _ in range(4):
        f.TeamCensusFactory(team__leader=f.PersonFactory())
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 7)


def test_organisation_changelist_query_count_is_fixed(
    superuser_client, django_assert_num_queries
):
    url = admin_url(Organisation, "changelist")
    f.OrganisationFactory(parent=f.OrganisationFactory())
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 6)

    for _ in range(4):
        f.OrganisationFactory(parent=f.OrganisationFactory())
    _assert_changelist_queries(superuser_client, django_assert_num_queries, url, 6)


# --- change forms with inlines -------------------------------------------------------------


def test_award_change_form_queries_do_not_grow_with_contributions(superuser_client):
    award = f.AwardFactory()
    f.ContributionFactory(award=award)
    f.CompanyInvestmentFactory(award=award)
    url = admin_url(Award, "change", award.pk)
    superuser_client.get(url)
    with_one = count_queries(superuser_client, url)

    for _ in range(3):
        f.ContributionFactory(award=award)
        f.CompanyInvestmentFactory(award=award)
    with_four = count_queries(superuser_client, url)

    assert with_four == with_one


def test_team_change_form_queries_do_not_grow_with_censuses(superuser_client):
    team = f.TeamFactory(leader=f.PersonFactory())
    f.TeamCensusFactory(team=team, year=2021)
    url = admin_url(Team, "change", team.pk)
    superuser_client.get(url)
    with_one = count_queries(superuser_client, url)

    for year in (2022, 2023, 2024):
        f.TeamCensusFactory(team=team, year=year)
    with_four = count_queries(superuser_client, url)

    assert with_four == with_one


def test_event_change_form_queries_do_not_grow_with_posters(superuser_client):
    event = f.EventFactory(kind="forum")
    f.PosterFactory(event=event)
    f.EventSpeakerFactory(event=event)
    f.PrizeFactory(event=event)
    url = admin_url(Event, "change", event.pk)
    superuser_client.get(url)
    with_one = count_queries(superuser_client, url)

    for _ in range(3):
        f.PosterFactory(event=event)
        f.EventSpeakerFactory(event=event)
        f.PrizeFactory(event=event)
    with_four = count_queries(superuser_client, url)

    assert with_four == with_one


def test_application_change_form_queries_do_not_grow_with_inline_rows(superuser_client):
    application = _application_with_everything()
    url = admin_url(Application, "change", application.pk)
    superuser_client.get(url)
    with_one = count_queries(superuser_client, url)

    for _ in range(3):
        f.AttachmentFactory(application=application)
        f.ReviewFactory(application=application)
        # Only one final decision per application: the others are eligibility decisions.
        f.DecisionFactory(
            application=application, outcome="eligible", recorded_by=f.StaffUserFactory()
        )
    with_four = count_queries(superuser_client, url)

    assert with_four == with_one


def test_attachment_inline_never_links_the_file(superuser_client):
    attachment = f.AttachmentFactory()

    response = superuser_client.get(admin_url(Application, "change", attachment.application.pk))

    html = response.content.decode()
    assert attachment.original_name in html
    assert attachment.file.name not in html


# --- search and filters --------------------------------------------------------------------


def test_application_changelist_search_finds_by_reference(superuser_client):
    wanted = f.ApplicationFactory(reference="ONCO-2025-017")
    f.ApplicationFactory(reference="PDC-2025-003")

    response = superuser_client.get(admin_url(Application, "changelist"), {"q": "ONCO-2025"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_application_changelist_filters_by_programme_year_and_status(superuser_client):
    call = f.CallFactory(year=2025)
    wanted = f.ApplicationFactory(call=call, status="selected")
    f.ApplicationFactory(call=call, status="not_selected")
    f.ApplicationFactory(call=f.CallFactory(programme=call.programme, year=2024),
                         status="selected")
    f.ApplicationFactory(status="selected")

    response = superuser_client.get(
        admin_url(Application, "changelist"),
        {"call__programme__id__exact": call.programme.pk, "call__year": 2025,
         "status__exact": "selected"},
    )

    assert list(response.context["cl"].result_list) == [wanted]


def test_award_changelist_search_finds_by_application_acronym(superuser_client):
    wanted = f.AwardFactory(application__acronym="GERME")
    f.AwardFactory(application__acronym="OTHER")

    response = superuser_client.get(admin_url(Award, "changelist"), {"q": "germe"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_award_changelist_year_filter_lists_years_present_and_filters(superuser_client):
    wanted = f.AwardFactory(decided_at=f.paris(2025, 1, 1, 0, 30))  # 2024 in UTC
    f.AwardFactory(decided_at=f.paris(2024, 12, 31, 23, 30))

    url = admin_url(Award, "changelist")
    response = superuser_client.get(url, {"decided_at_year": "2025"})

    assert list(response.context["cl"].result_list) == [wanted]
    year_filter = next(
        spec for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "decided_at_year"
    )
    assert [value for value, _ in year_filter.lookup_choices] == ["2025", "2024"]


def test_award_changelist_flags_contributions_that_do_not_add_up(superuser_client):
    complete = f.AwardFactory(amount=Decimal("40000"))
    f.ContributionFactory(award=complete, amount=Decimal("25000"))
    f.ContributionFactory(award=complete, amount=Decimal("15000"))
    incomplete = f.AwardFactory(amount=Decimal("40000"))
    f.ContributionFactory(award=incomplete, amount=Decimal("30000"))

    url = admin_url(Award, "changelist")
    response = superuser_client.get(url, {"split": "incomplete"})

    assert list(response.context["cl"].result_list) == [incomplete]
    html = response.content.decode()
    assert "30\u202f000\u00a0€" in html
    assert "40\u202f000\u00a0€" in html
    assert 'alt="False"' in html


# --- import and export ---------------------------------------------------------------------

ORGANISATION_HEADER = "nom,sigle,type,site (identifiant),SIREN\n"


def _import(client, model, content: bytes, name: str, file_format: str):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(
        admin_url(model, "import"),
        {"resource": "0", "format": file_format, "import_file": upload},
    )


def test_organisation_import_with_bad_siren_shows_french_row_error_and_creates_nothing(
    superuser_client,
):
    site = f.SiteFactory(slug="lyon")
    csv = (
        ORGANISATION_HEADER
        + f"Centre Léon Bérard,CLB,Centre de lutte contre le cancer (CLCC),{site.slug},"
        "779924133\n"
        + "Onco Start,,Entreprise,lyon,123456789\n"
    ).encode()

    response = _import(superuser_client, Organisation, csv, "organisations.csv", "0")

    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    invalid = result.invalid_rows
    assert [row.number for row in invalid] == [2]
    assert invalid[0].error_dict == {
        "siren": ["« 123456789 » n'est pas un SIREN valide (9 chiffres, clé de Luhn)."]
    }
    assert "« 123456789 » n'est pas un SIREN valide" in html.unescape(
        response.content.decode()
    )
    assert Organisation.objects.count() == 0


def test_organisation_import_valid_file_creates_rows_after_confirmation(superuser_client):
    f.SiteFactory(slug="lyon")
    csv = (
        ORGANISATION_HEADER
        + "Centre Léon Bérard,CLB,Centre de lutte contre le cancer (CLCC),lyon,779924133\n"
        + "Onco Start,,company,lyon,\n"
    ).encode()

    preview = _import(superuser_client, Organisation, csv, "organisations.csv", "0")
    assert Organisation.objects.count() == 0
    confirm = preview.context["confirm_form"]
    response = superuser_client.post(
        admin_url(Organisation, "process_import"),
        {name: confirm[name].value() for name in confirm.fields},
    )

    assert response.status_code == 302
    clb = Organisation.objects.get(acronym="CLB")
    assert clb.kind == Organisation.Kind.CANCER_CENTRE
    assert clb.site.slug == "lyon"
    assert clb.siren == "779924133"
    assert Organisation.objects.get(name="Onco Start").kind == Organisation.Kind.COMPANY


def test_organisation_import_of_unknown_site_is_a_row_error(superuser_client):
    csv = (ORGANISATION_HEADER + "Labo X,,laboratory,atlantide,\n").encode()

    response = _import(superuser_client, Organisation, csv, "organisations.csv", "0")

    assert [row.number for row in response.context["result"].invalid_rows] == [1]
    assert "Aucun(e) site ne correspond à « atlantide »" in html.unescape(
        response.content.decode()
    )
    assert Organisation.objects.count() == 0


def test_organisation_import_xlsx_updates_the_row_with_the_same_name_and_site(
    superuser_client,
):
    site = f.SiteFactory(slug="grenoble")
    existing = f.OrganisationFactory(name="CHU Grenoble Alpes", site=site, kind="hospital")
    book = openpyxl.Workbook()
    book.active.append(["nom", "sigle", "type", "site (identifiant)", "ville"])
    book.active.append(["CHU Grenoble Alpes", "CHUGA", "hospital", "grenoble", "La Tronche"])
    content = io.BytesIO()
    book.save(content)

    preview = _import(superuser_client, Organisation, content.getvalue(), "o.xlsx", "1")
    confirm = preview.context["confirm_form"]
    superuser_client.post(
        admin_url(Organisation, "process_import"),
        {name: confirm[name].value() for name in confirm.fields},
    )

    existing.refresh_from_db()
    assert Organisation.objects.count() == 1
    assert existing.acronym == "CHUGA"
    assert existing.city == "La Tronche"


def _export(client, model, resource_class, file_format: str):
    prefix = resource_class.__name__.lower()
    fields = {f"{prefix}_{name}": "on" for name in resource_class().get_export_order()}
    return client.post(
        admin_url(model, "export"), {"format": file_format, "resource": "0", **fields}
    )


def test_award_export_xlsx_opens_with_expected_columns_and_numbers(superuser_client):
    from funding.resources import AwardResource

    award = f.AwardFactory(amount=Decimal("14350"), application__reference="ONCO-2025-001")
    f.ContributionFactory(award=award, amount=Decimal("10000"))

    response = _export(superuser_client, Award, AwardResource, "1")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == [
        "demande (référence)", "programme", "titre", "montant (€)",
        "répartition (financeur : montant ; …)", "total des contributions (€)",
        "date de décision", "date de convention", "notes",
    ]
    contribution = award.contributions.get()
    assert rows[1][0] == "ONCO-2025-001"
    assert rows[1][3] == 14350
    assert rows[1][4] == f"{contribution.funder.name} : 10000.00"
    assert rows[1][5] == 10000


def test_export_escapes_formula_cells_and_leaves_numbers_alone(superuser_client):
    """QUALITY scenario 9."""
    from clara.admin_helpers import escape_formula
    from funding.resources import AwardResource

    f.OrganisationFactory(name='=HYPERLINK("x")', acronym="+33", city="-Lyon")
    award = f.AwardFactory(
        amount=Decimal("275000"), application__title="@SUM(A1)",
        notes="\tcmd", application__reference="\rREF",
    )

    csv_response = _export(superuser_client, Organisation, OrganisationResource, "0")
    organisations = tablib.Dataset().load(csv_response.content.decode(), format="csv").dict
    hyperlink = next(row for row in organisations if row["nom"].endswith('HYPERLINK("x")'))
    assert hyperlink["nom"] == "'=HYPERLINK(\"x\")"
    assert hyperlink["sigle"] == "'+33"
    assert hyperlink["ville"] == "'-Lyon"

    xlsx_response = _export(superuser_client, Award, AwardResource, "1")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).active.values)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["titre"] == "'@SUM(A1)"
    assert row["notes"] == "'\tcmd"
    # XML parsers read a carriage return back as a line feed.
    assert row["demande (référence)"] in ("'\rREF", "'\nREF")
    assert row["montant (€)"] == 275000
    assert isinstance(row["montant (€)"], int | float)
    assert escape_formula(Decimal("-5")) == Decimal("-5")
    assert award.amount == Decimal("275000")


def test_import_strips_the_escaping_apostrophe_of_our_own_exports(superuser_client):
    f.OrganisationFactory(name='=HYPERLINK("x")', site=None)
    exported = OrganisationResource().export()

    result = OrganisationResource().import_data(exported, dry_run=True)

    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["skip"]


def test_settings_leave_formula_escaping_to_our_resources(settings):
    """django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (4.4) only drops a
    leading "=", ignores + - @ tab CR, and turns every cell, numbers included, into text.
    `SpreadsheetResource` escapes instead, so the library's option must stay off."""
    assert getattr(settings, "IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT", False) is False


# --- key figures lead to their records -----------------------------------------------------


@pytest.mark.parametrize("key", sorted(selectors.FIGURES), ids=str)
def test_key_figure_link_opens_changelist_with_exactly_its_records(superuser_client, key):
    _application_with_everything()
    _award_with_everything()
    _event_with_everything()
    expected = selectors.figure_records(key, 2025)
    url = admin_changelist_url(selectors.FIGURES[key], 2025)
    if url is None:
        pytest.skip(f"no admin changelist for {expected.model._meta.label}")

    response = superuser_client.get(url)

    assert response.status_code == 200, url
    shown = set(response.context["cl"].queryset.values_list("pk", flat=True))
    assert shown == set(expected.values_list("pk", flat=True))
