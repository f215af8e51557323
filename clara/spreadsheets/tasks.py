"""Background tasks (django-tasks; database backend, worker: `manage.py db_worker`)."""

from django_tasks import task

from clara.spreadsheets.services import import_job_run


@task()
def run_import_job(job_id: int) -> dict:
    """Run the spreadsheet import job `job_id` (see clara.spreadsheets.services)."""
    return import_job_run(job_id=job_id)
