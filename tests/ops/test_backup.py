"""`manage.py backup` and `manage.py restore` (clara/backup.py).

The backups are made in the test process from the suite's database, SQLite or PostgreSQL; the
refusals are checked there too (restore refuses before changing anything, and the suite's
database is never empty). The round trip into an empty database runs `restore` in a
subprocess on a new SQLite file, so it runs when the suite is on SQLite; on PostgreSQL the
round trip is tests/test_backup_restore.py (QUALITY.md scenario 17).
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from clara import backup
from programmes.models import Attachment, InnovationDomain
from tests.factories import ApplicationFactory, AttachmentFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor == "postgresql" and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="pg_dump and pg_restore are not installed"),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def pdf(n: int) -> bytes:
    return b"%PDF-1.4\n" + bytes([n]) * (1000 + n)


def attach(application, n: int) -> Attachment:
    data = pdf(n)
    attachment = Attachment(application=application, original_name=f"annexe-{n}.pdf",
                            size=len(data))
    attachment.file.save("annexe.pdf", ContentFile(data), save=True)
    return attachment


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state() -> backup.DatabaseState:
    with connection.cursor() as cursor:
        return backup._read_state(cursor, backup._tables(cursor, connection.vendor))


def run_backup(dest: Path) -> Path:
    out = io.StringIO()
    call_command("backup", str(dest), stdout=out, stderr=io.StringIO())
    (folder,) = [p for p in dest.iterdir() if backup.FOLDER_PATTERN.match(p.name)]
    assert str(folder) in out.getvalue()
    return folder


@pytest.fixture(scope="module")
def module_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """One backup of the suite's database (as migrated: no row of a test) and of two files,
    made outside any test's transaction (SQLite cannot copy a database inside one)."""
    root = tmp_path_factory.mktemp("module-backup")
    media = root / "private"
    (media / "applications" / "1").mkdir(parents=True)
    for n in (1, 2):
        (media / "applications" / "1" / f"{n:032x}.pdf").write_bytes(pdf(n))
    with override_settings(PRIVATE_MEDIA_ROOT=media), django_db_blocker.unblock():
        return backup.backup(root / "backups").path


@pytest.fixture
def made_backup(module_backup, tmp_path):
    """A copy of the module's backup, which the test may spoil."""
    return Path(shutil.copytree(module_backup, tmp_path / module_backup.name))


@pytest.mark.django_db(transaction=True)
def test_backup_writes_dump_archive_and_manifest(media, tmp_path):
    application = ApplicationFactory()
    kept = [attach(application, 1), attach(application, 2)]
    lost = AttachmentFactory(application=application)  # a row whose file is missing
    (media / "healthcheck").mkdir()
    (media / "healthcheck" / "probe.txt").write_text("ok")

    folder = run_backup(tmp_path / "backups")

    assert sorted(p.name for p in folder.iterdir()) == [
        "attachments.tar", "database.dump", "manifest.json"]
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == 1
    assert folder.name == "clara-" + manifest["created_at"].replace("-", "").replace(":", "")
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["migrations"]["programmes"].startswith("0")
    assert manifest["row_counts"] == state().row_counts
    assert manifest["row_counts"]["programmes_attachment"] == 3
    # Every file by its path relative to PRIVATE_MEDIA_ROOT, the health probe's folder aside.
    assert manifest["attachments"] == {
        attachment.file.name: sha256(pdf(n)) for n, attachment in enumerate(kept, start=1)}
    assert manifest["attachments_missing"] == [lost.file.name]
    for name in ("database.dump", "attachments.tar"):
        data = (folder / name).read_bytes()
        assert manifest["archives"][name] == {"sha256": sha256(data), "bytes": len(data)}
    with tarfile.open(folder / "attachments.tar") as tar:
        assert sorted(tar.getnames()) == sorted(manifest["attachments"])
        for name, digest in manifest["attachments"].items():
            assert sha256(tar.extractfile(name).read()) == digest


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump's snapshot: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_manifest_describes_the_dump_even_when_rows_change_meanwhile(media, tmp_path,
                                                                     monkeypatch):
    """A row committed after the snapshot was taken (the site goes on writing) is neither in
    the dump nor in the manifest's counts."""
    real_run = backup._run

    def run_after_a_write(args, env, what):
        if what == "pg_dump":
            InnovationDomain.objects.create(name="Écrit pendant la sauvegarde", slug="pendant")
        return real_run(args, env, what)

    monkeypatch.setattr(backup, "_run", run_after_a_write)
    before = state().row_counts["programmes_innovationdomain"]

    folder = run_backup(tmp_path / "backups")

    manifest = json.loads((folder / "manifest.json").read_text())
    assert state().row_counts["programmes_innovationdomain"] == before + 1
    assert manifest["row_counts"]["programmes_innovationdomain"] == before
    script = subprocess.run(
        ["pg_restore", "--data-only", "--table=programmes_innovationdomain", "--file=-",
         str(folder / "database.dump")], capture_output=True, text=True, check=True,
    ).stdout
    assert "COPY public.programmes_innovationdomain" in script
    assert "pendant" not in script


@pytest.mark.django_db(transaction=True)
def test_failed_backup_leaves_no_folder(media, tmp_path, monkeypatch):
    def broken(root, path):
        raise OSError("disque plein")

    monkeypatch.setattr(backup, "_archive_media", broken)
    with pytest.raises(OSError, match="disque plein"):
        call_command("backup", str(tmp_path / "backups"))
    assert list((tmp_path / "backups").iterdir()) == []


def test_restore_refuses_a_database_that_is_not_empty(made_backup, media, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "empty"
    before = state()

    with pytest.raises(CommandError, match="La base de données cible n'est pas vide"):
        call_command("restore", str(made_backup))

    assert state() == before
    assert not (tmp_path / "empty").exists()


def test_restore_refuses_attachments_folder_that_is_not_empty(made_backup, media):
    (media / "applications" / "7").mkdir(parents=True)
    (media / "applications" / "7" / "left-over.pdf").write_bytes(pdf(7))
    before = sorted(p.relative_to(media) for p in media.rglob("*"))

    with pytest.raises(CommandError, match="dossier des pièces jointes .* n'est pas vide"):
        call_command("restore", str(made_backup))

    assert sorted(p.relative_to(media) for p in media.rglob("*")) == before


@pytest.mark.parametrize("name", ["database.dump", "attachments.tar"])
def test_restore_refuses_a_corrupted_backup(made_backup, settings, tmp_path, name):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "empty"
    data = bytearray((made_backup / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (made_backup / name).write_bytes(bytes(data))
    before = state()

    with pytest.raises(CommandError, match=f"Sauvegarde corrompue .* de {name} ne correspond"):
        call_command("restore", str(made_backup))

    assert state() == before
    assert not (tmp_path / "empty").exists()


def rewrite_manifest(folder: Path, **changes) -> None:
    path = folder / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_restore_refuses_a_backup_of_another_database_vendor(made_backup, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "empty"
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    rewrite_manifest(made_backup, database_vendor=other)

    with pytest.raises(CommandError, match=f"vient d'une base {other}"):
        call_command("restore", str(made_backup))


def test_restore_refuses_an_archive_entry_outside_the_folder(made_backup, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "empty" / "private"
    tar_path = made_backup / "attachments.tar"
    with tarfile.open(tar_path, "w") as tar:
        info = tarfile.TarInfo("../outside.pdf")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"pdf"))
    manifest = json.loads((made_backup / "manifest.json").read_text())
    manifest["archives"]["attachments.tar"]["sha256"] = sha256(tar_path.read_bytes())
    rewrite_manifest(made_backup, archives=manifest["archives"])

    with pytest.raises(CommandError, match=r"entrée refusée : \.\./outside\.pdf"):
        call_command("restore", str(made_backup))
    assert not (tmp_path / "empty").exists()


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path, media):
    with pytest.raises(CommandError, match="manifest.json est absent"):
        call_command("restore", str(tmp_path))


def test_verify_reports_every_difference(media):
    (media / "applications" / "1").mkdir(parents=True)
    (media / "applications" / "1" / "a.pdf").write_bytes(pdf(1))
    (media / "applications" / "1" / "extra.pdf").write_bytes(pdf(3))
    current = state()
    manifest = {
        "row_counts": {**current.row_counts, "programmes_call": 99999},
        "migrations": {**current.migrations, "programmes": "9999_future"},
        "attachments": {"applications/1/a.pdf": sha256(pdf(2)),
                        "applications/1/gone.pdf": sha256(pdf(1))},
        "attachments_missing": [],
    }
    result = backup.RestoreResult(manifest)

    backup.verify(connection, media, manifest, result)

    assert result.problems == [
        f"Table programmes_call : attendu 99999, trouvé {current.row_counts['programmes_call']}",
        f"Migration programmes : attendu 9999_future, trouvé {current.migrations['programmes']}",
        f"Fichier applications/1/a.pdf : attendu {sha256(pdf(2))}, trouvé {sha256(pdf(1))}",
        f"Fichier applications/1/extra.pdf : attendu —, trouvé {sha256(pdf(3))}",
        f"Fichier applications/1/gone.pdf : attendu {sha256(pdf(1))}, trouvé —",
    ]
    assert (result.files, result.file_bytes) == (2, len(pdf(1)) + len(pdf(3)))


def test_restore_fails_on_any_difference(monkeypatch):
    problems = [f"Table t{n} : attendu 1, trouvé 0" for n in range(25)]
    monkeypatch.setattr(backup, "restore", lambda path: backup.RestoreResult(
        {"database_vendor": "sqlite", "created_at": "2025-01-01T02:00:00Z"}, problems=problems))

    with pytest.raises(CommandError) as error:
        call_command("restore", "/nowhere", stdout=io.StringIO())

    message = str(error.value)
    assert "ne correspond pas au manifeste (25 différences)" in message
    assert "Table t19 " in message and "Table t20 " not in message
    assert "… et 5 autres différences." in message


def test_keep_deletes_only_the_oldest_finished_backups(tmp_path):
    names = ["clara-20250101T020000Z", "clara-20250102T020000Z", "clara-20250103T020000Z"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    (tmp_path / "clara-20240101T020000Z").mkdir()  # no manifest: not a finished backup
    (tmp_path / "notes").mkdir()

    removed = backup.prune(tmp_path, keep=2)

    assert removed == [tmp_path / names[0]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "clara-20240101T020000Z", *names[1:], "notes"]


@pytest.mark.skipif(connection.vendor != "sqlite",
                    reason="on PostgreSQL the round trip is tests/test_backup_restore.py")
@pytest.mark.django_db(transaction=True)
def test_sqlite_round_trip_into_an_empty_database(media, tmp_path):
    application = ApplicationFactory()
    files = {a.file.name: sha256(pdf(n)) for n, a in
             enumerate([attach(application, 1), attach(application, 2)], start=1)}
    lost = AttachmentFactory(application=application)
    before = state()
    folder = run_backup(tmp_path / "backups")
    target, target_media = tmp_path / "restored.sqlite3", tmp_path / "restored-private"

    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder)], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{target}", "DJANGO_DEBUG": "1",
             "PRIVATE_MEDIA_ROOT": str(target_media)},
        capture_output=True, text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "Vérification réussie" in result.stdout
    assert "Pièces jointes restaurées : 2 fichiers" in result.stdout
    assert f"déjà absente lors de la sauvegarde : {lost.file.name}" in result.stderr
    restored = {p.relative_to(target_media).as_posix(): sha256(p.read_bytes())
                for p in target_media.rglob("*") if p.is_file()}
    assert restored == files
    copy = sqlite3.connect(target)
    try:
        after = backup._read_state(copy.cursor(), backup._tables(copy.cursor(), "sqlite"))
    finally:
        copy.close()
    assert after == before
