"""QUALITY.md scenario 17, the restore drill: `manage.py backup` of a database and its private
attachments, `manage.py restore` into an empty database and an empty attachments folder, gives
the same row counts, the same key figures and the same attachment files (sha256); a second
restore into the now filled database is refused and changes nothing.

PostgreSQL only (the suite's DATABASE_URL must point at PostgreSQL, and pg_dump/pg_restore must
be installed). The test makes two scratch databases of its own beside the test database, fills
the first through `manage.py migrate`, `load_demo` and a few attachments with real files, all in
subprocesses, and drops both at the end. The commands' refusals and the SQLite round trip are
tests/ops/test_backup.py.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


def _server_dsn(dbname: str) -> dict:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
        "dbname": dbname,
    }


def _url(dsn: dict) -> str:
    auth = dsn["user"] + (f":{dsn['password']}" if dsn["password"] else "")
    return f"postgres://{auth}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}"


def _run(dsn: dict, media: Path | None, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(dsn), "DJANGO_DEBUG": "1"}
    if media is not None:
        env["PRIVATE_MEDIA_ROOT"] = str(media)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
    )


def _manage(dsn: dict, *args: str, media: Path | None = None) -> str:
    result = _run(dsn, media, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


# Three attachments with files of their own on the first demo applications (the demo has none).
ATTACH = """
from django.core.files.base import ContentFile
from programmes.models import Application, Attachment
for n, application in enumerate(Application.objects.order_by("pk")[:3], start=1):
    data = b"%PDF-1.4\\n" + bytes(range(256)) * n
    attachment = Attachment(application=application, original_name=f"annexe-{n}.pdf",
                            size=len(data))
    attachment.file.save("annexe.pdf", ContentFile(data), save=True)
"""


def _checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*") if path.is_file()
    }


def _row_counts(dsn: dict) -> dict[str, int]:
    with psycopg.connect(**dsn) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump and pg_restore are not installed",
)
def test_backup_restore_keeps_rows_key_figures_and_attachments(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore are checked on PostgreSQL (DATABASE_URL=postgres://…)")
    suffix = uuid.uuid4().hex[:8]
    source, target = _server_dsn(f"clara_backup_{suffix}"), _server_dsn(f"clara_restore_{suffix}")
    source_media, target_media = tmp_path / "source-private", tmp_path / "restored-private"
    admin = _server_dsn("postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{source["dbname"]}"')
        conn.execute(f'CREATE DATABASE "{target["dbname"]}"')
    try:
        _manage(source, "migrate", "--noinput")
        _manage(source, "load_demo")
        _manage(source, "shell", "-c", ATTACH, media=source_media)
        files = _checksums(source_media)
        assert len(files) == 3

        _manage(source, "backup", str(tmp_path / "backups"), media=source_media)
        (folder,) = (tmp_path / "backups").iterdir()
        manifest = json.loads((folder / "manifest.json").read_text())
        restored = _manage(target, "restore", str(folder), media=target_media)

        assert "Vérification réussie" in restored
        counts = _row_counts(source)
        assert counts["programmes_application"] > 0
        assert counts["programmes_attachment"] == 3
        assert manifest["row_counts"] == counts
        assert manifest["attachments"] == files
        assert _row_counts(target) == counts
        assert _checksums(target_media) == files
        for year in ("2023", "2024", "2025"):
            before = json.loads(_manage(source, "key_figures", year, "--format", "json"))
            after = json.loads(_manage(target, "key_figures", year, "--format", "json"))
            assert after == before
        assert before["calls.applications"] == 70

        # Once more into the database just restored: refused, nothing touched.
        again = _run(target, tmp_path / "empty-private", "restore", str(folder))
        assert again.returncode != 0
        assert "La base de données cible n'est pas vide" in again.stderr
        assert _row_counts(target) == counts
        assert not (tmp_path / "empty-private").exists()
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            for dsn in (source, target):
                conn.execute(f'DROP DATABASE IF EXISTS "{dsn["dbname"]}" WITH (FORCE)')
