"""manage.py db_worker (core's wrapper of django-tasks-db's): lost tasks come back."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.management.commands.db_worker import WORKER_LOST, recover_lost_tasks
from tests.core.tasks import leave_file

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS
    settings.TASKS_RUNNING_TIMEOUT = 60


def left_running(path, *, minutes_ago: int, workers: int) -> DBTaskResult:
    """A task as a worker killed mid-run leaves it: RUNNING, never finished."""
    result = DBTaskResult.objects.get(pk=leave_file.enqueue(path=str(path)).id)
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timezone.timedelta(minutes=minutes_ago),
        worker_ids=[f"dead-{n}" for n in range(workers)],
    )
    return result


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, verbosity=0
    )


def test_a_task_whose_worker_died_runs_again(database_tasks, tmp_path):
    """A task RUNNING past TASKS_RUNNING_TIMEOUT lost its worker: the next worker
    queues it again and runs it to the end."""
    lost = left_running(tmp_path / "lost", minutes_ago=5, workers=1)
    running = left_running(tmp_path / "running", minutes_ago=0, workers=1)
    run_worker()
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.SUCCESSFUL
    assert (tmp_path / "lost").read_text() == "done"
    running.refresh_from_db()
    assert running.status == TaskResultStatus.RUNNING  # its worker may be alive
    assert not (tmp_path / "running").exists()


def test_a_task_that_keeps_losing_workers_fails_visibly(database_tasks, tmp_path):
    """After three lost workers the task is not tried again: it is failed, with the
    reason in its traceback, for the task admin to show."""
    lost = left_running(tmp_path / "cursed", minutes_ago=5, workers=3)
    assert recover_lost_tasks("default") == (0, 1)
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == WORKER_LOST
    assert "3 workers stopped" in lost.traceback
    run_worker()
    assert not (tmp_path / "cursed").exists()
