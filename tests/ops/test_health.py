"""The orchestrator's health check (/healthz): database, migrations, private storage."""

import pytest

from clara import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    health._migrations_checked.update(at=None, ok=False)


def test_healthz_all_checks_pass(client, tmp_path):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "checks": {"database": "ok", "migrations": "ok", "storage": "ok"}}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies
    # The probe file is gone.
    assert not [p for p in (tmp_path / "private").rglob("*") if p.is_file()]


def test_healthz_database_down_is_503(client, monkeypatch):
    def unreachable():
        from django.db import OperationalError

        raise OperationalError("could not connect to server at db.internal:5432")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "error", "migrations": "error", "storage": "ok"}}
    assert b"db.internal" not in response.content


def test_healthz_storage_not_writable_is_503(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.PRIVATE_MEDIA_ROOT = blocker

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error"
    assert str(tmp_path).encode() not in response.content


def test_healthz_unapplied_migration_is_503(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan",
                        lambda self, targets: [("programmes", "9999_future")])

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "error"


def test_healthz_migration_check_is_kept_a_minute(client, django_assert_max_num_queries):
    client.get("/healthz")

    # The second check reads no migration table: the database's SELECT 1 only.
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200


def test_healthz_full_disk_is_503_and_leaves_no_file(client, settings, tmp_path, monkeypatch):
    """A full disk: the storage creates the file, then the write fails (ENOSPC). The probe
    answers 503 and removes what it created (it used to leave an empty file per probe)."""
    import errno
    import os
    from pathlib import Path

    from django.core.files.storage import FileSystemStorage

    def save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"

    for _ in range(3):
        assert client.get("/healthz").status_code == 503
    assert not [p for p in (tmp_path / "private").rglob("*") if p.is_file()]
