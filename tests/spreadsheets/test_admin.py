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
