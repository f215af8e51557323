"""The health check of the orchestrator (`/healthz`): the database answers, every migration is
applied, the private attachments' storage takes a file. JSON, 200 when all three pass, 503
otherwise; never cached, no session, no detail of an error (those go to the log)."""

from __future__ import annotations

import logging
import time
import uuid

from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("clara.health")

# Loading the migration graph reads every migration file: its answer is kept this many
# seconds in the process, so that a check every few seconds stays cheap.
MIGRATIONS_CHECK_SECONDS = 60
_migrations_checked: dict = {"at": None, "ok": False}


def database_ok() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def migrations_ok() -> bool:
    """No migration left to apply (the answer kept MIGRATIONS_CHECK_SECONDS seconds)."""
    from django.db.migrations.executor import MigrationExecutor

    now = time.monotonic()
    checked_at = _migrations_checked["at"]
    if checked_at is not None and now - checked_at < MIGRATIONS_CHECK_SECONDS:
        return _migrations_checked["ok"]
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    ok = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrations_checked.update(at=now, ok=ok)
    return ok


def storage_ok() -> bool:
    """A small file written to, and deleted from, the private attachments' storage."""
    from programmes.models import private_storage

    storage = private_storage()
    name = f"healthcheck/{uuid.uuid4().hex}.txt"
    try:
        # The name is free (a new uuid), so `save` keeps it; on a full disk it raises after
        # creating the file, which `finally` removes.
        name = storage.save(name, ContentFile(b"ok"))
        return storage.exists(name)
    finally:
        if storage.exists(name):
            storage.delete(name)


CHECKS = {"database": database_ok, "migrations": migrations_ok, "storage": storage_ok}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {}
    for name, check in CHECKS.items():
        # The migrations cannot be read without the database.
        if name == "migrations" and checks.get("database") != "ok":
            checks[name] = "error"
            continue
        try:
            checks[name] = "ok" if check() else "error"
        except Exception:
            logger.exception("health check failed: %s", name)
            checks[name] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                        status=200 if healthy else 503)
