"""Files too big for a request: background jobs (django-tasks), their page, the size limit,
and the `import_spreadsheet` command (QUALITY.md scenario 19)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from clara.spreadsheets.models import ImportJob
from clara.spreadsheets.services import (
    ProgressFile,
    import_job_create,
    import_job_run,
    imports_dir,
    progress_of,
)
from programmes.models import Application
from programmes.resources import ApplicationResource
from tests import factories as f
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

HEADERS = ("référence,appel (identifiant),titre,déposant (e-mail),"
           "porteur ou porteuse (ORCID ou e-mail),statut\n")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def _csv(count, bad_row=None) -> bytes:
    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    lines = [HEADERS]
    for n in range(count):
        status = "acceptée" if n == bad_row else "Brouillon"
        lines.append(f"BG-{n},{call.slug},Projet {n},{applicant.email},{person.orcid},{status}\n")
    return "".join(lines).encode()


def _upload(client, content: bytes):
    return client.post(reverse("admin:programmes_application_import"), {
        "resource": "0", "format": "0",
        "import_file": SimpleUploadedFile("demandes.csv", content, content_type="text/csv"),
    })


def test_big_file_is_imported_in_the_background_and_its_page_shows_the_result(
    settings, superuser_client, superuser
):
    settings.TASKS = IMMEDIATE
    settings.SPREADSHEET_BACKGROUND_ROWS = 3

    response = _upload(superuser_client, _csv(5))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:spreadsheets_importjob_change", args=[job.pk])
    assert job.status == ImportJob.Status.DONE
    assert (job.user, job.total_rows, job.totals["new"]) == (superuser, 5, 5)
    assert Application.objects.filter(reference__startswith="BG-").count() == 5
    page = superuser_client.get(response.url).content.decode()
    assert "5 nouvelles lignes, 0 modifiées, 0 inchangées, 0 refusées, 0 en erreur" in page
    assert "5 lignes sur 5" in page
    assert 'http-equiv="refresh"' not in page
    assert not list(imports_dir().iterdir())  # the stored upload is removed


def test_small_file_stays_in_the_request(settings, superuser_client):
    settings.TASKS = IMMEDIATE
    settings.SPREADSHEET_BACKGROUND_ROWS = 3

    response = _upload(superuser_client, _csv(3))

    assert response.status_code == 200  # the preview, with its confirm button
    assert "Confirmer" in response.content.decode() or "Confirm" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_background_file_with_one_bad_row_writes_nothing_and_lists_the_error(
    settings, superuser_client
):
    settings.TASKS = IMMEDIATE
    settings.SPREADSHEET_BACKGROUND_ROWS = 3

    response = _upload(superuser_client, _csv(6, bad_row=4))

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    assert not Application.objects.filter(reference__startswith="BG-").exists()
    [error] = job.errors
    assert error["line"] == 5
    assert error["messages"][0].startswith("status : « acceptée » n'est pas un choix possible")
    page = superuser_client.get(response.url).content.decode()
    assert "Ligne 5 :" in page
    assert "refusé (rien n&#x27;a été enregistré)" in page


def test_a_job_is_shown_only_to_the_staff_member_who_started_it(settings, client):
    settings.TASKS = DUMMY
    owner, other = f.StaffUserFactory(), f.StaffUserFactory()
    job = import_job_create(
        resource_class=ApplicationResource, model_label="programmes.application",
        data=_csv(2), file_name="demandes.csv", user=owner,
    )
    url = reverse("admin:spreadsheets_importjob_change", args=[job.pk])

    login_with_mfa(client, other)
    assert client.get(url).status_code in (302, 403, 404)
    assert "demandes.csv" not in client.get(reverse(
        "admin:spreadsheets_importjob_changelist")).content.decode()

    login_with_mfa(client, owner)
    page = client.get(url)
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.content.decode()  # queued: the page follows it


def test_a_queued_job_runs_with_its_progress_file(settings):
    settings.TASKS = DUMMY
    job = import_job_create(
        resource_class=ApplicationResource, model_label="programmes.application",
        data=_csv(4), file_name="demandes.csv", user=f.StaffUserFactory(), total_rows=4,
    )
    assert job.status == ImportJob.Status.QUEUED and job.task_id
    ProgressFile(imports_dir() / f"{job.stored_name}.progress", 4).write(3)
    assert progress_of(job) == 3

    totals = import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, totals["new"], progress_of(job)) == (ImportJob.Status.DONE, 4, 4)
    assert Application.objects.filter(reference__startswith="BG-").count() == 4


def test_a_job_with_an_unreadable_file_fails_in_french(settings):
    settings.TASKS = DUMMY
    job = import_job_create(
        resource_class=ApplicationResource, model_label="programmes.application",
        data=b"PK\x03\x04 not a workbook", file_name="demandes.xlsx", user=None,
    )

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["messages"][0].startswith("Le fichier n'a pas pu être lu")


def test_upload_over_the_limit_gets_a_message_not_a_500(settings, superuser_client):
    settings.SPREADSHEET_MAX_UPLOAD_BYTES = 1000

    response = _upload(superuser_client, _csv(40))

    assert response.status_code == 302
    page = superuser_client.get(response.url).content.decode()
    assert "dépasse la taille maximale d&#x27;un import" in page
    assert "import_spreadsheet" in page
    assert not Application.objects.exists() and not ImportJob.objects.exists()


# --- The command -----------------------------------------------------------------------------

def test_import_spreadsheet_command_imports_the_file(tmp_path):
    path = tmp_path / "demandes.csv"
    path.write_bytes(_csv(3))
    out = io.StringIO()

    call_command("import_spreadsheet", "programmes.application", str(path), stdout=out)

    assert Application.objects.filter(reference__startswith="BG-").count() == 3
    assert "Import terminé (3 nouvelles lignes" in out.getvalue()


def test_import_spreadsheet_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "demandes.csv"
    path.write_bytes(_csv(3))
    out = io.StringIO()

    call_command("import_spreadsheet", "programmes.application", str(path), "--dry-run",
                 stdout=out)

    assert not Application.objects.exists()
    assert "Vérification réussie, rien n'a été enregistré" in out.getvalue()


def test_import_spreadsheet_command_refuses_a_bad_file_in_french(tmp_path):
    path = tmp_path / "demandes.csv"
    path.write_bytes(_csv(4, bad_row=2))
    err = io.StringIO()

    with pytest.raises(CommandError, match="Import refusé, rien n'a été enregistré"):
        call_command("import_spreadsheet", "programmes.application", str(path), stderr=err)

    assert "Ligne 3 : status : « acceptée » n'est pas un choix possible" in err.getvalue()
    assert not Application.objects.exists()


def test_import_spreadsheet_command_names_the_importable_models(tmp_path):
    with pytest.raises(CommandError, match="programmes.application"):
        call_command("import_spreadsheet", "programmes.review", str(tmp_path / "x.csv"))


def test_import_spreadsheet_command_with_wrong_headers(tmp_path):
    path = tmp_path / "demandes.csv"
    path.write_text("reference,call\nA-1,x\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_spreadsheet", "programmes.application", str(path), stderr=err)
    assert "Colonnes attendues" in err.getvalue()
