"""The admin's imports, run by the task worker (django-tasks, queued on commit)."""

from django_tasks import task

from . import runs


@task()
def dry_run_import(run_id: int) -> None:
    """Read the uploaded file and report what an import would do; write nothing."""
    runs.execute(run_id, dry_run=True)


@task()
def run_import(run_id: int) -> None:
    """Import the uploaded file, once its dry run is done and an editor said so."""
    runs.execute(run_id, dry_run=False)
