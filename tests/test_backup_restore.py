"""QUALITY.md scenario 17: a `pg_dump -Fc` restored with `pg_restore` into an empty database
gives the same row counts and the same key figures.

PostgreSQL only (the suite's DATABASE_URL must point at PostgreSQL, and pg_dump/pg_restore must
be installed). The test makes two scratch databases of its own beside the test database, fills
the first through `manage.py migrate` and `load_demo` in a subprocess, and drops both at the end.
"""

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


def _manage(dsn: dict, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": _url(dsn), "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )
    return result.stdout


def _row_counts(dsn: dict) -> dict[str, int]:
    with psycopg.connect(**dsn) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def _pg_env(dsn: dict) -> dict:
    return {**os.environ, "PGPASSWORD": dsn["password"]}


@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump and pg_restore are not installed",
)
def test_backup_restore_keeps_rows_and_key_figures():
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore are checked on PostgreSQL (DATABASE_URL=postgres://…)")
    suffix = uuid.uuid4().hex[:8]
    source, target = _server_dsn(f"clara_backup_{suffix}"), _server_dsn(f"clara_restore_{suffix}")
    admin = _server_dsn("postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{source["dbname"]}"')
        conn.execute(f'CREATE DATABASE "{target["dbname"]}"')
    try:
        _manage(source, "migrate", "--noinput")
        _manage(source, "load_demo")
        dump = subprocess.run(
            ["pg_dump", "-Fc", "-h", source["host"], "-p", source["port"], "-U", source["user"],
             source["dbname"]],
            check=True, capture_output=True, env=_pg_env(source),
        ).stdout
        subprocess.run(
            ["pg_restore", "--no-owner", "-h", target["host"], "-p", target["port"],
             "-U", target["user"], "-d", target["dbname"]],
            input=dump, check=True, capture_output=True, env=_pg_env(target),
        )

        counts = _row_counts(source)
        assert counts["programmes_application"] > 0
        assert _row_counts(target) == counts
        for year in ("2023", "2024", "2025"):
            before = json.loads(_manage(source, "key_figures", year, "--format", "json"))
            after = json.loads(_manage(target, "key_figures", year, "--format", "json"))
            assert after == before
        assert before["calls.applications"] == 70
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            for dsn in (source, target):
                conn.execute(f'DROP DATABASE IF EXISTS "{dsn["dbname"]}" WITH (FORCE)')
