"""The history import in the admin (issue 11): the `import_records` command for superusers.

A workbook (.xlsx, one sheet per kind of record, see clara.spreadsheets.records) is uploaded,
stored in the private storage of the background imports (never under a public URL), and
checked (`records_import(commit=False)`: nothing is written). Its job page shows, per kind,
what would be created, updated and left unchanged, and every error with its sheet, line and
column. When the check found no error, "Confirmer l'import" imports the SAME stored file
(`records_import(commit=True)`), all or nothing; the file is then deleted.

The job is an `ImportJob` row (resource `HISTORY_RESOURCE`), so that the list of background
imports shows it too. A file over `SPREADSHEET_BACKGROUND_ROWS` rows or
`SPREADSHEET_BACKGROUND_BYTES` bytes is checked, then imported, in the background
(django-tasks, `run_history_job`); the job page refreshes itself while it runs. Reserved to
superusers: the history writes every kind of record.
"""

import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_tasks import task

from clara.spreadsheets.models import ImportJob
from clara.spreadsheets.records import KINDS, ImportReport, read_workbook, records_import
from clara.spreadsheets.services import ProgressFile, imports_dir, progress_of

HISTORY_RESOURCE = "clara.spreadsheets.records.records_import"
HISTORY_LABEL = "historique"
MAX_LISTED_ERRORS = 500


# --- Services ------------------------------------------------------------------------------


def history_sheets_check(sheets) -> int:
    """The number of rows of `sheets`; ValueError (French) when a sheet is not a kind of
    record or when no sheet has a row."""
    unknown = [sheet.name for sheet in sheets if sheet.kind is None]
    if unknown:
        raise ValueError(gettext(
            "Feuilles inconnues : %(sheets)s. Nommez chaque feuille comme l'une de ces sortes "
            "d'enregistrements : %(names)s."
        ) % {"sheets": ", ".join(f"« {name} »" for name in unknown),
             "names": ", ".join(kind.slug for kind in KINDS)})
    rows = sum(len(sheet.dataset) for sheet in sheets)
    if not rows:
        raise ValueError(gettext("Le classeur est vide : aucune feuille n'a de ligne."))
    return rows


def history_is_large(*, size: int, rows: int) -> bool:
    return (size > settings.SPREADSHEET_BACKGROUND_BYTES
            or rows > settings.SPREADSHEET_BACKGROUND_ROWS)


def history_summary(report: ImportReport) -> tuple[dict, list[dict]]:
    """The report as the job keeps it: totals (with one entry per kind) and the errors (at
    most `MAX_LISTED_ERRORS`; `error` counts them all). Each error also carries `line` and
    `messages`, as the errors of the other background imports."""
    totals = {**report.totals(), "invalid": 0, "error": len(report.errors), "kinds": [
        {"slug": k.kind.slug, "label": k.kind.label, "sheet": k.sheet, "rows": k.rows,
         "new": k.new, "update": k.update, "skip": k.skip}
        for k in report.kinds
    ]}
    errors = [
        {"sheet": e.sheet, "line": e.line, "column": e.column, "message": e.message,
         "messages": [str(e)]}
        for e in report.errors[:MAX_LISTED_ERRORS]
    ]
    return totals, errors


def history_job_create(*, data: bytes, file_name: str, user, rows: int = 0) -> ImportJob:
    """Store the uploaded workbook in the private storage and record its (queued) check."""
    stored_name = f"history-{uuid.uuid4().hex}.xlsx"
    (imports_dir() / stored_name).write_bytes(data)
    return ImportJob.objects.create(
        user=user, resource=HISTORY_RESOURCE, model_label=HISTORY_LABEL,
        file_name=Path(file_name).name[:255], stored_name=stored_name, file_format="xlsx",
        size=len(data), dry_run=True, total_rows=rows,
    )


def history_job_run(*, job_id: int, sheets=None) -> dict:
    """Check (dry run) or import (after confirmation) the job's stored workbook, in one
    transaction, and save the report on the job. The file is kept only after a check that
    found no error (for the confirmation); returns the totals."""
    job = ImportJob.objects.get(pk=job_id, resource=HISTORY_RESOURCE)
    if not job.is_active:
        return job.totals
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), finished_at=None
    )
    path = imports_dir() / job.stored_name
    progress_path = imports_dir() / f"{job.stored_name}.progress"
    status, totals, rows, keep = ImportJob.Status.FAILED, {}, job.total_rows, False
    errors = [{"sheet": "", "line": 0, "column": "", "message": gettext(
        "L'import s'est arrêté sur une erreur inattendue ; rien n'a été enregistré."
    )}]
    try:
        if sheets is None:
            try:
                data = path.read_bytes()
            except OSError:
                raise ValueError(gettext(
                    "Le fichier vérifié n'est plus disponible : déposez-le à nouveau."
                )) from None
            sheets = read_workbook(data)
        rows = history_sheets_check(sheets)
        progress_file = ProgressFile(progress_path, rows)
        progress_file.write(0)
        report = records_import(
            sheets, commit=not job.dry_run, user=job.user,
            progress=lambda done, total: progress_file(done),
        )
        totals, errors = history_summary(report)
        status = ImportJob.Status.DONE if report.ok else ImportJob.Status.REFUSED
        keep = job.dry_run and report.ok
    except ValueError as error:
        errors = [{"sheet": "", "line": 0, "column": "", "message": str(error)}]
        status = ImportJob.Status.REFUSED
    finally:
        for error in errors:
            error.setdefault("messages", [error["message"]])
        ImportJob.objects.filter(pk=job.pk).update(
            status=status, totals=totals, errors=errors, total_rows=rows,
            finished_at=timezone.now(),
        )
        progress_path.unlink(missing_ok=True)
        if not keep:
            path.unlink(missing_ok=True)
    return totals


def history_job_confirm(*, job: ImportJob) -> bool:
    """Turn a check without error into the import of the same stored file (queued); False
    when the job is not (or no longer) a check waiting for its confirmation."""
    return bool(ImportJob.objects.filter(
        pk=job.pk, resource=HISTORY_RESOURCE, dry_run=True, status=ImportJob.Status.DONE,
    ).update(dry_run=False, status=ImportJob.Status.QUEUED, started_at=None,
             finished_at=None))


def history_job_start(*, job: ImportJob, sheets=None) -> None:
    """Run the job now, or enqueue it when its file is large."""
    if history_is_large(size=job.size, rows=job.total_rows):
        result = run_history_job.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    else:
        history_job_run(job_id=job.pk, sheets=sheets)


@task()
def run_history_job(job_id: int) -> dict:
    """Check or import the history workbook of job `job_id` (django-tasks worker)."""
    return history_job_run(job_id=job_id)


# --- Views ---------------------------------------------------------------------------------


class HistoryUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Classeur de l'historique (.xlsx)"),
        help_text=_("Une feuille par sorte d'enregistrement, nommée comme dans l'export "
                    "(« sites », « organisations », « personnes »…)."),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }),
    )


def _check_access(request) -> None:
    if not (request.user.is_active and request.user.is_superuser):
        raise PermissionDenied


def _context(request, **context):
    return {**admin.site.each_context(request), **context}


def _read_upload(upload) -> tuple[bytes, list | None, int]:
    """The upload's bytes, its sheets and rows (None, 0 when it is too big to be read in the
    request: the background check reads it); ValueError (French) for a bad file."""
    if Path(upload.name).suffix.lower() != ".xlsx":
        raise ValueError(gettext(
            "Format de fichier non pris en charge : choisissez un classeur .xlsx."))
    if upload.size > settings.SPREADSHEET_MAX_UPLOAD_BYTES:
        raise ValueError(gettext(
            "Ce fichier (%(size)s) dépasse la taille maximale d'un import depuis "
            "l'administration (%(max)s) : importez-le avec la commande "
            "« manage.py import_records »."
        ) % {"size": filesizeformat(upload.size),
             "max": filesizeformat(settings.SPREADSHEET_MAX_UPLOAD_BYTES)})
    data = b"".join(upload.chunks())
    if not data:
        raise ValueError(gettext("Le fichier est vide."))
    if len(data) > settings.SPREADSHEET_BACKGROUND_BYTES:
        return data, None, 0
    sheets = read_workbook(data)
    return data, sheets, history_sheets_check(sheets)


def history_upload(request):
    """/admin/spreadsheets/importjob/historique/: upload a workbook to check."""
    _check_access(request)
    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["workbook"]
        try:
            data, sheets, rows = _read_upload(upload)
        except ValueError as error:
            form.add_error("workbook", str(error))
        else:
            job = history_job_create(data=data, file_name=upload.name, user=request.user,
                                     rows=rows)
            history_job_start(job=job, sheets=sheets)
            return HttpResponseRedirect(reverse("admin:spreadsheets_history_job",
                                                args=[job.pk]))
    recent = ImportJob.objects.filter(resource=HISTORY_RESOURCE).select_related("user")[:10]
    return render(request, "admin/spreadsheets/history_import.html", _context(
        request, title=gettext("Importer l'historique"), form=form, recent=recent,
        kinds=KINDS,
    ))


def _job(pk) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk, resource=HISTORY_RESOURCE).select_related(
        "user").first()
    if job is None:
        raise Http404
    return job


def history_job(request, pk: int):
    """The check's (or the import's) report, with its confirmation button."""
    _check_access(request)
    job = _job(pk)
    totals = job.totals or {}
    can_confirm = (job.dry_run and job.status == ImportJob.Status.DONE
                   and (imports_dir() / job.stored_name).exists())
    return render(request, "admin/spreadsheets/history_import_job.html", _context(
        request, title=gettext("Import de l'historique : %(file)s") % {"file": job.file_name},
        job=job, kinds=totals.get("kinds", []), totals=totals,
        error_count=totals.get("error", len(job.errors)), errors=job.errors,
        errors_capped=totals.get("error", 0) > len(job.errors),
        max_errors=MAX_LISTED_ERRORS, can_confirm=can_confirm, done=progress_of(job),
        background=history_is_large(size=job.size, rows=job.total_rows),
    ))


@require_POST
def history_confirm(request, pk: int):
    """Import the stored file that the check accepted (never a new upload)."""
    _check_access(request)
    job = _job(pk)
    if not (imports_dir() / job.stored_name).exists() or not history_job_confirm(job=job):
        messages.error(request, gettext(
            "Cet import ne peut pas être confirmé : il n'est pas une vérification sans "
            "erreur, ou il a déjà été confirmé."
        ))
    else:
        job.refresh_from_db()
        history_job_start(job=job)
        if history_is_large(size=job.size, rows=job.total_rows):
            messages.info(request, gettext(
                "L'import se poursuit en arrière-plan : suivez-le sur cette page ; si une "
                "ligne est refusée, rien n'est enregistré."
            ))
    return HttpResponseRedirect(reverse("admin:spreadsheets_history_job", args=[job.pk]))
