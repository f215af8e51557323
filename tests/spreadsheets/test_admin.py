"""The admin import and export pages: French file errors without traceback, the preview's
stylesheet, no template comment printed (QUALITY.md scenario 19)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programmes.models import Application

pytestmark = pytest.mark.django_db


def _upload(client, url, content: bytes, name="demandes.csv", **extra):
    return client.post(url, {
        "resource": "0", "format": "0",
        "import_file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra,
    })


def test_admin_import_with_wrong_headers_answers_in_french_without_traceback(superuser_client):
    url = reverse("admin:programmes_application_import")

    response = _upload(superuser_client, url, b"reference,call\nA-1,x\n")

    assert response.status_code == 200
    page = response.content.decode()
    assert "L&#x27;en-tête du fichier ne correspond pas à cet import" in page
    assert "Colonnes attendues : « référence »" in page
    assert "Traceback" not in page and "site-packages" not in page
    assert not Application.objects.exists()


def test_admin_import_page_loads_the_preview_stylesheet(superuser_client):
    response = superuser_client.get(reverse("admin:programmes_application_import"))
    assert response.status_code == 200
    assert "css/clara-import.css" in response.content.decode()


def test_admin_export_page_does_not_print_the_template_comment(superuser_client):
    response = superuser_client.get(reverse("admin:programmes_application_export"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Copy of django-import-export" not in page
    assert "{#" not in page


def test_admin_import_preview_then_confirm_writes_the_rows_and_their_log(superuser_client):
    from django.contrib.admin.models import ADDITION, LogEntry

    from tests import factories as f

    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    content = (
        "référence,appel (identifiant),titre,déposant (e-mail),"
        "porteur ou porteuse (ORCID ou e-mail),statut\n"
        + "".join(f"C-{n},{call.slug},Projet {n},{applicant.email},{person.orcid},Brouillon\n"
                  for n in range(3))
    ).encode()

    preview = _upload(superuser_client, reverse("admin:programmes_application_import"), content)

    assert not Application.objects.exists()
    confirm = preview.context["confirm_form"]
    response = superuser_client.post(
        reverse("admin:programmes_application_process_import"),
        {name: confirm.initial[name] for name in
         ("import_file_name", "original_file_name", "format", "resource")},
    )
    assert response.status_code == 302
    applications = Application.objects.filter(reference__startswith="C-")
    assert applications.count() == 3
    logged = LogEntry.objects.filter(action_flag=ADDITION).values_list("object_id", flat=True)
    assert sorted(logged) == sorted(str(a.pk) for a in applications)
