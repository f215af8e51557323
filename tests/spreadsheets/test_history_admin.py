"""The history import in the admin (issue 11): upload, check (nothing written), report,
confirmation of the same stored file, bad files, access, private storage, background."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from clara.network.models import Organisation, Site
from clara.spreadsheets.history_views import HISTORY_RESOURCE
from clara.spreadsheets.models import ImportJob
from clara.spreadsheets.records import KINDS, records_export_xlsx
from clara.spreadsheets.services import imports_dir
from tests import factories as f
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _workbook() -> bytes:
    """Two sites and three organisations exported, then deleted: the workbook creates them."""
    sites = f.SiteFactory.create_batch(2)
    for site in sites:
        f.OrganisationFactory(site=site)
    f.OrganisationFactory(site=sites[0])
    data = records_export_xlsx([KINDS_BY_SLUG["sites"], KINDS_BY_SLUG["organisations"]])
    Organisation.objects.all().delete()
    Site.objects.all().delete()
    return data


def _sheets(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, content: bytes, name="historique.xlsx"):
    return client.post(reverse("admin:spreadsheets_history_import"),
                       {"workbook": SimpleUploadedFile(name, content)})


def test_the_page_is_linked_from_the_admin_index(superuser_client):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    url = reverse("admin:spreadsheets_history_import")
    assert url == "/admin/spreadsheets/importjob/historique/"
    assert f'href="{url}"' in page
    form = superuser_client.get(url).content.decode()
    assert 'type="file"' in form and "Vérifier le classeur" in form


def test_anonymous_and_plain_staff_are_refused(client):
    url = reverse("admin:spreadsheets_history_import")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response.url
    assert client.post(url, {"workbook": SimpleUploadedFile("h.xlsx", b"x")}).status_code == 302

    staff = f.StaffUserFactory()
    login_with_mfa(client, staff)
    assert client.get(url).status_code == 403
    assert client.post(url, {"workbook": SimpleUploadedFile("h.xlsx", b"x")}).status_code == 403
    assert not ImportJob.objects.exists()
    assert f'href="{url}"' not in client.get(reverse("admin:index")).content.decode()


def test_check_writes_nothing_shows_the_report_then_confirm_imports_the_stored_file(
    superuser_client, superuser
):
    data = _workbook()

    response = _upload(superuser_client, data)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:spreadsheets_history_job", args=[job.pk])
    assert (job.resource, job.dry_run, job.status) == (HISTORY_RESOURCE, True, "done")
    assert (job.user, job.total_rows, job.totals["new"]) == (superuser, 5, 5)
    assert not Site.objects.exists() and not Organisation.objects.exists()
    stored = imports_dir() / job.stored_name
    assert stored.read_bytes() == data
    page = superuser_client.get(response.url).content.decode()
    assert "Vérification terminée sans erreur" in page
    assert "À créer" in page and 'value="Confirmer l\'import"' in page
    assert "<th scope=\"row\">Sites (sites)</th>\n        <td>2</td><td>2</td><td>0</td><td>0</td>" \
        in page

    confirm = reverse("admin:spreadsheets_history_confirm", args=[job.pk])
    assert superuser_client.get(confirm).status_code == 405
    response = superuser_client.post(confirm)

    job.refresh_from_db()
    assert response.status_code == 302
    assert (job.dry_run, job.status, job.totals["new"]) == (False, "done", 5)
    assert Site.objects.count() == 2 and Organisation.objects.count() == 3
    assert not stored.exists()  # the file is deleted once imported
    page = superuser_client.get(response.url).content.decode()
    assert "Tout a été enregistré." in page and "Confirmer l" not in page
    # The list of background imports shows the history jobs too.
    for url in (reverse("admin:spreadsheets_importjob_changelist"),
                reverse("admin:spreadsheets_importjob_change", args=[job.pk])):
        assert "historique.xlsx" in superuser_client.get(url).content.decode()

    # A second confirmation (double click, replay) imports nothing again.
    response = superuser_client.post(confirm, follow=True)
    assert "ne peut pas être confirmé" in response.content.decode()
    assert Site.objects.count() == 2


def test_a_workbook_with_errors_lists_them_writes_nothing_and_cannot_be_confirmed(
    superuser_client
):
    # The organisations without their sites (deleted), an empty row 3 in the middle.
    book = load_workbook(io.BytesIO(_workbook()))
    book.remove(book["sites"])
    book["organisations"].insert_rows(3)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()

    response = _upload(superuser_client, data, name="erreurs.xlsx")

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    assert not Organisation.objects.exists()
    assert not (imports_dir() / job.stored_name).exists()
    assert job.errors and {e["sheet"] for e in job.errors} == {"organisations"}
    assert {e["line"] for e in job.errors} >= {2, 4}  # lines of the file (row 3 empty)
    page = superuser_client.get(response.url).content.decode()
    assert "Rien n'a été enregistré : corrigez les erreurs" in page
    assert '<table id="history-errors">' in page
    assert "<td>organisations</td><td>4</td><td>site" in page
    assert "Confirmer l" not in page
    response = superuser_client.post(
        reverse("admin:spreadsheets_history_confirm", args=[job.pk]), follow=True)
    assert "ne peut pas être confirmé" in response.content.decode()
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("historique.csv", b"nom\nA\n", "choisissez un classeur .xlsx"),
    ("historique.xlsx", b"not a zip at all", "n&#x27;a pas pu être lu comme un fichier XLSX"),
    ("historique.xlsx", None, "Feuilles inconnues : « Feuille1 »"),
    ("historique.xlsx", "empty", "Le classeur est vide"),
])
def test_bad_files_get_a_french_message_and_nothing_is_stored(
    superuser_client, name, content, message
):
    if content is None:
        content = _sheets({"Feuille1": [["a"], ["b"]]})
    elif content == "empty":
        content = _sheets({"sites": [["nom", "identifiant"]]})

    response = _upload(superuser_client, content, name=name)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not imports_dir().exists() or not list(imports_dir().iterdir())


def test_the_stored_file_is_private(settings, superuser_client):
    _upload(superuser_client, _workbook())

    job = ImportJob.objects.get()
    stored = imports_dir() / job.stored_name
    assert stored.is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not stored.is_relative_to(settings.MEDIA_ROOT)
    for url in (f"{settings.MEDIA_URL}imports/{job.stored_name}",
                f"{settings.MEDIA_URL}{job.stored_name}"):
        assert superuser_client.get(url).status_code == 404
    page = superuser_client.get(
        reverse("admin:spreadsheets_history_job", args=[job.pk])).content.decode()
    assert job.stored_name not in page


def test_unknown_job_is_404(superuser_client):
    assert superuser_client.get(
        reverse("admin:spreadsheets_history_job", args=[999999])).status_code == 404
    assert superuser_client.post(
        reverse("admin:spreadsheets_history_confirm", args=[999999])).status_code == 404


def test_large_workbook_is_checked_and_imported_in_the_background(settings, superuser_client):
    settings.SPREADSHEET_BACKGROUND_ROWS = 3
    settings.TASKS = DUMMY
    data = _workbook()

    response = _upload(superuser_client, data)

    job = ImportJob.objects.get()
    assert (job.status, job.total_rows) == (ImportJob.Status.QUEUED, 5) and job.task_id
    page = superuser_client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' in page and "en arrière-plan" in page

    # The worker runs the check, then (after the confirmation) the import.
    settings.TASKS = IMMEDIATE
    from clara.spreadsheets.history_views import history_job_run

    history_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.totals["new"]) == ("done", 5)
    assert not Site.objects.exists()
    page = superuser_client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "import se fera en arrière-plan" in page

    superuser_client.post(reverse("admin:spreadsheets_history_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert (job.dry_run, job.status) == (False, "done")
    assert Site.objects.count() == 2 and Organisation.objects.count() == 3
    assert not list(imports_dir().iterdir())


def test_the_upload_page_runs_the_same_queries_with_one_or_many_past_imports(
        superuser_client, superuser):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:spreadsheets_history_import")

    def queries_with(count: int) -> int:
        for index in range(count - ImportJob.objects.filter(resource=HISTORY_RESOURCE).count()):
            ImportJob.objects.create(user=f.StaffUserFactory(), resource=HISTORY_RESOURCE,
                                     model_label="historique", file_name=f"h{index}.xlsx",
                                     stored_name=f"h{index}.xlsx", file_format="xlsx")
        superuser_client.get(url)  # session and caches warm
        with CaptureQueriesContext(connection) as queries:
            page = superuser_client.get(url).content.decode()
        assert page.count('.xlsx</') >= count  # every past import is listed
        return len(queries.captured_queries)

    # The session, the user, the latest imports with who started them.
    assert (queries_with(1), queries_with(8)) == (3, 3)
