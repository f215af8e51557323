"""Running a spreadsheet import outside a request: the background job (django-tasks) and the
`import_spreadsheet` command share `spreadsheet_import_file`, with the same all-or-nothing
rule and French errors as the admin.

Progress: the import runs in one transaction, which on SQLite holds the only write lock until
it ends, so progress cannot be written to the database while it runs. The worker writes it
to a small file beside the stored upload (`<job>.progress`), which the job page reads.
"""

import json
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from import_export.formats import base_formats

from clara.spreadsheets.models import ImportJob

FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}
MAX_LISTED_ERRORS = 200


def imports_dir() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def format_of(file_name: str) -> str:
    """"csv" or "xlsx" from the file name; ValueError (French) otherwise."""
    extension = Path(file_name).suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise ValueError(gettext("Format de fichier non pris en charge : choisissez un fichier "
                                 "CSV ou XLSX."))
    return extension


def read_dataset(data: bytes, file_format: str):
    """The file as a tablib Dataset (CSV read as UTF-8, with or without BOM); ValueError
    (French) when it cannot be read."""
    input_format = FORMATS[file_format]()
    try:
        if not input_format.is_binary():
            data = data.decode("utf-8-sig")
        return input_format.create_dataset(data)
    except Exception as error:  # noqa: BLE001 - any reader error is the file's fault
        raise ValueError(gettext(
            "Le fichier n'a pas pu être lu comme un fichier %(format)s : vérifiez son format "
            "et son encodage (UTF-8)."
        ) % {"format": file_format.upper()}) from error


def summarise(result) -> tuple[dict, list[dict]]:
    """Counts of the result (new, update, skip, invalid, error) and its errors, in French,
    each with its line of the file (0 for the whole file)."""
    totals = {key: result.totals.get(key, 0) for key in ("new", "update", "skip")}
    totals["invalid"] = len(result.invalid_rows)
    totals["error"] = len(result.row_errors()) + len(result.base_errors)
    errors = [{"line": 0, "messages": [str(e.error)]} for e in result.base_errors]
    for line, row_errors in result.row_errors():
        errors.append({"line": line, "messages": [str(e.error) for e in row_errors]})
    for row in result.invalid_rows:
        errors.append({"line": row.number, "messages": [
            f"{field} : {message}" if field != "__all__" else message
            for field, messages in row.error_dict.items() for message in messages
        ]})
    return totals, errors


def spreadsheet_import_file(
    *, resource_class, dataset, dry_run: bool, user=None, progress=None
):
    """Import `dataset` with `resource_class`, all or nothing (one bad row: nothing is
    written); returns the import-export Result."""
    resource = resource_class(progress=progress)
    return resource.import_data(dataset, dry_run=dry_run, raise_errors=False, user=user)


class ProgressFile:
    """Rows done so far, written at most every half second to `<job>.progress`."""

    def __init__(self, path: Path, total: int):
        self.path, self.total, self.last = path, total, 0.0

    def __call__(self, row_number):
        now = time.monotonic()
        if row_number is None or (now - self.last < 0.5 and row_number != self.total):
            return
        self.last = now
        self.write(row_number)

    def write(self, done: int):
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"done": done, "total": self.total}))
        os.replace(temporary, self.path)


def progress_of(job: ImportJob) -> int:
    """Rows of the job's file processed so far."""
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.REFUSED):
        return job.total_rows
    try:
        return int(json.loads((imports_dir() / f"{job.stored_name}.progress").read_text())[
            "done"])
    except (OSError, ValueError, KeyError):
        return 0


def import_job_create(
    *, resource_class, model_label: str, data: bytes, file_name: str, user,
    file_format: str | None = None, dry_run: bool = False, total_rows: int = 0,
) -> ImportJob:
    """Store the uploaded file and queue its import in the background."""
    from clara.spreadsheets.tasks import run_import_job

    file_format = file_format or format_of(file_name)
    stored_name = f"{uuid.uuid4().hex}.{file_format}"
    (imports_dir() / stored_name).write_bytes(data)
    job = ImportJob.objects.create(
        user=user, resource=f"{resource_class.__module__}.{resource_class.__qualname__}",
        model_label=model_label, file_name=Path(file_name).name[:255],
        stored_name=stored_name, file_format=file_format, size=len(data), dry_run=dry_run,
        total_rows=total_rows,
    )
    result = run_import_job.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> dict:
    """Run a queued job: the whole file in one transaction, then its status, counts and
    errors saved on the job. Returns the counts."""
    job = ImportJob.objects.get(pk=job_id)
    if not job.is_active:
        return job.totals
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    path = imports_dir() / job.stored_name
    progress_path = imports_dir() / f"{job.stored_name}.progress"
    # Until the import says otherwise, an exception stops it with nothing written (the
    # transaction is rolled back) and the job says so.
    status, totals, total_rows = ImportJob.Status.FAILED, {}, job.total_rows
    errors = [{"line": 0, "messages": [gettext(
        "L'import s'est arrêté sur une erreur inattendue ; rien n'a été enregistré.")]}]
    try:
        dataset = read_dataset(path.read_bytes(), job.file_format)
        total_rows = len(dataset)
        progress = ProgressFile(progress_path, total_rows)
        progress.write(0)
        result = spreadsheet_import_file(
            resource_class=import_string(job.resource), dataset=dataset,
            dry_run=job.dry_run, user=job.user, progress=progress,
        )
        totals, errors = summarise(result)
        refused = result.has_errors() or result.has_validation_errors()
        status = ImportJob.Status.REFUSED if refused else ImportJob.Status.DONE
    except ValueError as error:
        errors = [{"line": 0, "messages": [str(error)]}]
    finally:
        ImportJob.objects.filter(pk=job.pk).update(
            status=status, totals=totals, errors=errors[:MAX_LISTED_ERRORS],
            total_rows=total_rows, finished_at=timezone.now(),
        )
        path.unlink(missing_ok=True)
        progress_path.unlink(missing_ok=True)
    return totals
