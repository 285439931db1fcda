"""Imports started from the admin: upload, dry run, then import, in the background.

The admin saves an ImportRun and the dry run starts at once in a task; its report
is shown, and "Import" starts the same run for real, in another task. Both run
the commands' own importers (wordpress.py, disqus.py), inside one transaction:
progress cannot be written to the database the import holds, so the worker writes
it to a cache the web processes share (settings.CACHES["imports"]).

Only a checked run can be started, once: the status moves with a conditional
UPDATE, so two clicks (or two editors) start one import.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from .disqus import DisqusImport
from .models import ImportRun
from .wordpress import ImportError_, WordPressImport

PROGRESS_SECONDS = 24 * 3600
UNEXPECTED = (
    "something unexpected went wrong and nothing was imported; the site's team "
    "has the details in the log. Try again, or import from the command line."
)
logger = logging.getLogger(__name__)


def _progress_key(run_id: int) -> str:
    return f"import-run:{run_id}:progress"


def progress(run: ImportRun) -> tuple[int, int]:
    """(items done, items in the file) of a running import or dry run."""
    return caches["imports"].get(_progress_key(run.pk)) or (0, 0)


def options_from_form(data: dict) -> dict:
    return {
        "section_from": data.get("section_from") or "categories",
        "include_pages": bool(data.get("include_pages")),
        "include_pingbacks": bool(data.get("include_pingbacks")),
        "maps": data.get("maps") or [],
    }


def importer(run: ImportRun):
    options = run.options
    if run.source == ImportRun.Source.DISQUS:
        return DisqusImport(maps=[tuple(pair) for pair in options.get("maps", [])])
    return WordPressImport(
        section_from=options.get("section_from", "categories"),
        include_pages=options.get("include_pages", False),
        include_pingbacks=options.get("include_pingbacks", False),
    )


def queue_dry_run(run: ImportRun) -> None:
    from .tasks import dry_run_import

    transaction.on_commit(lambda: dry_run_import.enqueue(run.pk))


def start(run: ImportRun, user) -> bool:
    """Start the import of a checked run. False when it is not (or no longer) one."""
    from .tasks import run_import

    started = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.CHECKED)
    if not started.update(
        status=ImportRun.Status.IMPORTING, started_by=user, started_at=timezone.now()
    ):
        return False
    caches["imports"].delete(_progress_key(run.pk))
    transaction.on_commit(lambda: run_import.enqueue(run.pk))
    return True


def execute(run_id: int, *, dry_run: bool) -> None:
    """The task's work: run the importer on the uploaded file, keep its report."""
    wanted = ImportRun.Status.CHECKING if dry_run else ImportRun.Status.IMPORTING
    run = ImportRun.objects.filter(pk=run_id, status=wanted).first()
    if run is None:
        return  # already done (a task queued twice), or deleted

    def report_progress(done: int, total: int) -> None:
        caches["imports"].set(_progress_key(run_id), (done, total), PROGRESS_SECONDS)

    try:
        report = importer(run).run(
            Path(run.upload.path), dry_run=dry_run, progress=report_progress
        )
    except ImportError_ as error:
        # The message names the stored path; the editor knows the file by its name.
        _finish(run, error=str(error).replace(run.upload.path, run.file_name))
        return
    except Exception:
        # Whatever broke, the run says so instead of running for ever; nothing was
        # written (one transaction). The traceback goes to the log for the team.
        logger.exception("Import run %s failed", run_id)
        _finish(run, error=UNEXPECTED)
        return
    text = "\n".join(report.lines())
    if dry_run:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.CHECKED, dry_run_report=text
        )
    else:
        _finish(run, report=text)


def _finish(run: ImportRun, *, error: str = "", report: str = "") -> None:
    """Done or failed: the reports stay, the uploaded file (commenters' addresses)
    goes."""
    status = ImportRun.Status.FAILED if error else ImportRun.Status.DONE
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, error=error, report=report, finished_at=timezone.now()
    )
    run.upload.delete(save=False)
