"""The attachments' disk is full (ENOSPC) while an applicant uploads a PDF: the upload is
refused with a French message, the draft and its previous document are left as they were, no
partial file stays on disk, and the error is logged; a 500 page before (bench/closing_rush_faults.py
found it under load)."""

import datetime as dt
import errno
import logging
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programmes import services
from programmes.models import Attachment
from tests.factories import CallFactory, PersonFactory, RequiredDocumentFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MESSAGE = "n'a pas pu être enregistré sur le serveur"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return Path(settings.PRIVATE_MEDIA_ROOT)


@pytest.fixture
def full_disk(monkeypatch):
    """The storage writes what fits (a few bytes), then the disk is full, as on a real one:
    the partial file is left behind by Django's FileSystemStorage."""

    def save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(10))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    return monkeypatch


@pytest.fixture
def draft():
    now = timezone.now()
    call = CallFactory(opens_at=now - dt.timedelta(days=10),
                       closes_at=now + dt.timedelta(days=30), year=(now + dt.timedelta(days=30)).year)
    document = RequiredDocumentFactory(call=call, label="Projet détaillé")
    user = UserFactory()
    PersonFactory(user=user, first_name=user.first_name, last_name=user.last_name)
    application = services.application_start(call=call, applicant=user)
    services.application_save_draft(application=application, by=user,
                                    fields={"title": "Titre enregistré"})
    return application, document


def _pdf(name="projet.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_the_service_refuses_the_upload_and_removes_the_partial_file(
    draft, full_disk, private_media, caplog
):
    application, document = draft
    with caplog.at_level(logging.ERROR, logger="programmes.services"), \
            pytest.raises(ValidationError) as refused:
        services.attachment_add(application=application, required_document=document,
                                uploaded_file=_pdf(), by=application.applicant)

    assert refused.value.error_list[0].code == "storage_unavailable"
    assert MESSAGE in refused.value.messages[0]
    assert "projet.pdf" in refused.value.messages[0]
    assert not Attachment.objects.exists()
    assert _files(private_media) == []
    assert any("ENOSPC" in record.getMessage() for record in caplog.records)


def test_the_previous_document_is_kept_when_its_replacement_does_not_fit(
    draft, private_media, monkeypatch
):
    application, document = draft
    first = services.attachment_add(application=application, required_document=document,
                                    uploaded_file=_pdf("v1.pdf"), by=application.applicant)

    def no_space(self, name, content):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(FileSystemStorage, "_save", no_space)
    with pytest.raises(ValidationError):
        services.attachment_add(application=application, required_document=document,
                                uploaded_file=_pdf("v2.pdf"), by=application.applicant)

    assert list(application.attachments.all()) == [first]
    assert Path(first.file.path).read_bytes() == PDF
    assert _files(private_media) == [Path(first.file.path)]


def test_the_form_shows_a_french_message_and_keeps_the_draft(
    client, draft, full_disk, private_media
):
    application, document = draft
    client.force_login(application.applicant)
    url = f"/mon-espace/demandes/{application.reference}/"
    management = {f"{prefix}-{kind}_FORMS": "0" for prefix in ("budget", "co", "invest")
                  for kind in ("TOTAL", "INITIAL")}
    data = {**management, "title": "Titre tapé", "action": "save"}

    response = client.post(url, {**data, f"document_{document.pk}": _pdf()})

    assert response.status_code == 200
    body = response.content.decode().replace("&#x27;", "'")
    assert MESSAGE in body
    assert "Titre tapé" in body  # what was typed is shown again, to save once space is back
    application.refresh_from_db()
    assert application.title == "Titre enregistré"
    assert not Attachment.objects.exists()
    assert _files(private_media) == []

    full_disk.undo()  # space freed: the same form goes through
    response = client.post(url, {**data, f"document_{document.pk}": _pdf()})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Titre tapé"
    attachment = Attachment.objects.get()
    assert Path(attachment.file.path).read_bytes() == PDF
