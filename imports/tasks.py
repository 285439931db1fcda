"""The admin's imports, run by the task worker (django-tasks, queued on commit)."""

from django_tasks import task

from . import images, runs


@task()
def dry_run_import(run_id: int) -> None:
    """Read the uploaded file and report what an import would do; write nothing."""
    runs.execute(run_id, dry_run=True)


@task()
def run_import(run_id: int) -> None:
    """Import the uploaded file, once its dry run is done and an editor said so."""
    runs.execute(run_id, dry_run=False)


@task()
def fetch_imported_images(article_id: int, featured_url: str, featured_alt: str) -> int:
    """Bring an imported article's images into our media; how many stayed out."""
    return images.localise(article_id, featured_url, featured_alt)
