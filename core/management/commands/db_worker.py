"""manage.py db_worker: django-tasks-db's worker, made to outlive outages.

django-tasks-db 0.13's worker has two gaps this command closes, without forking it
(the loop, the claiming and the signal handling are upstream's own):

1. **A database outage ends it.** Its polling loop re-raises any OperationalError
   that is not SQLite's "database is locked", so a PostgreSQL restart stops every
   worker. Here the loop is restarted: the broken connections are closed, the
   outage is logged once (and its end once), and the database is tried again with
   backoff (0.5 s doubling to TASKS_RECONNECT_MAX_SECONDS) until it answers.
2. **A task whose worker died stays RUNNING for ever.** Every
   TASKS_MAINTENANCE_SECONDS a thread looks for tasks RUNNING for longer than
   TASKS_RUNNING_TIMEOUT (our tasks are built to finish well within it: newsletter
   batches stop at their lease) and puts them back in the queue; one that has
   already lost TASKS_MAX_WORKERS_LOST workers is failed instead, visibly, with the
   reason. Every task here is safe to run again (docs/architecture.md).

The same thread runs the periodic jobs named in TASKS_PERIODIC_JOBS (dotted paths
of functions with no arguments), e.g. the newsletter's check that every issue being
sent has a batch queued: the queue itself, not a cache, is what says whether work
is waiting. Every worker runs them, so each must be safe to run concurrently.
"""

import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker as upstream
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("core.worker")

WORKER_LOST = "core.worker.WorkerLost"


def recover_lost_tasks(backend_name: str) -> tuple[int, int]:
    """Re-queue (or fail) tasks left RUNNING by a worker that died.

    Returns (re-queued, failed).
    """
    cutoff = timezone.now() - timezone.timedelta(seconds=settings.TASKS_RUNNING_TIMEOUT)
    lost = DBTaskResult.objects.filter(
        backend_name=backend_name,
        status=TaskResultStatus.RUNNING,
        started_at__lt=cutoff,
    )
    requeued = failed = 0
    for result in lost.only("id", "worker_ids", "task_path"):
        running = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        if len(result.worker_ids) >= settings.TASKS_MAX_WORKERS_LOST:
            changed = running.update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path=WORKER_LOST,
                traceback=(
                    f"{len(result.worker_ids)} workers stopped while running this "
                    "task (killed, crashed or cut off from the database); it was "
                    "not tried again."
                ),
            )
            failed += changed
            if changed:
                logger.error("Task %s (%s): workers lost", result.pk, result.task_path)
        else:
            changed = running.update(
                status=TaskResultStatus.READY, run_after=timezone.now()
            )
            requeued += changed
            if changed:
                logger.warning(
                    "Task %s (%s) was running on a lost worker: queued again",
                    result.pk,
                    result.task_path,
                )
    return requeued, failed


def periodic_jobs() -> list[Callable[[], object]]:
    return [import_string(path) for path in settings.TASKS_PERIODIC_JOBS]


def run_maintenance(backend_name: str) -> None:
    """One round: recover lost tasks, then each periodic job; errors are logged."""
    try:
        recover_lost_tasks(backend_name)
    except DatabaseError as error:
        logger.debug("Task recovery skipped, database unavailable: %s", error)
    for job in periodic_jobs():
        try:
            job()
        except DatabaseError as error:
            logger.debug("%s skipped, database unavailable: %s", job.__name__, error)
        except Exception:
            logger.exception("Periodic job %s failed", job.__name__)
    close_old_connections()


class Worker(upstream.Worker):
    """Upstream's worker, restarted through database outages."""

    def run(self) -> None:
        down_since: float | None = None
        delay = 0.5
        while self.running:
            try:
                if down_since is not None:
                    self._probe_database()
                    logger.warning(
                        "Database reachable again after %.0f s: worker %s resumes",
                        time.monotonic() - down_since,
                        self.worker_id,
                    )
                    down_since, delay = None, 0.5
                    self.startup_delay = False
                return super().run()
            except DatabaseError as error:
                if down_since is None:
                    down_since = time.monotonic()
                    logger.error(
                        "Database unavailable (%s): worker %s retries until it answers",
                        error,
                        self.worker_id,
                    )
                self._close_connections()
                time.sleep(delay)
                delay = min(delay * 2, settings.TASKS_RECONNECT_MAX_SECONDS)

    @staticmethod
    def _close_connections() -> None:
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
            except DatabaseError:
                pass

    @staticmethod
    def _probe_database() -> None:
        """Raise unless the database answers a query. A connection pool still holds
        the connections of before the outage: drop the dead ones first."""
        connection = connections["default"]
        pool = getattr(connection, "pool", None)
        if pool is not None:
            pool.check()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")


class Command(upstream.Command):
    help = (
        "Run a database background worker that survives database outages and "
        "recovers tasks whose worker died (core/management/commands/db_worker.py)."
    )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        batch: bool,
        backend_name: str,
        reload: bool,
        exclude_queues: str,
        **options,
    ) -> None:
        """Upstream's handle(), building this module's Worker."""
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            backend_name=backend_name,
            interval=options["interval"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        run_maintenance(backend_name)
        if batch or not reload:
            if not batch:
                start_maintenance_thread(backend_name)
            worker.configure_signals()
            worker.run()
            return

        def run_reloading() -> None:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # the child process only
            start_maintenance_thread(backend_name)
            worker.run()

        run_with_reloader(run_reloading)


def start_maintenance_thread(backend_name: str) -> None:
    def loop() -> None:
        while True:
            time.sleep(settings.TASKS_MAINTENANCE_SECONDS)
            run_maintenance(backend_name)

    threading.Thread(target=loop, name="task-maintenance", daemon=True).start()
