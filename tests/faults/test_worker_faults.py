"""The task worker outlives a PostgreSQL crash, and a task whose worker was killed
runs again on another: real processes on a PostgreSQL cluster of the test's own."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .servers import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def worker_env(database_url: str, **extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "TASKS_BACKEND"}
    }
    environment.update(DATABASE_URL=database_url, DEBUG="true", **extra)
    return environment


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


class Worker:
    """`manage.py db_worker` in a process of its own, its log kept."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload"]
            + ["--interval", "0.2", "--no-startup-delay"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(
            target=lambda: self.lines.extend(iter(self.process.stdout.readline, "")),
            daemon=True,
        ).start()

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            self.process.wait(timeout=20)


def enqueue_leave_file(path: Path, env: dict[str, str], sleep: float = 0) -> None:
    manage(
        "shell",
        "-c",
        "from tests.core.tasks import leave_file; "
        f"leave_file.enqueue(path={str(path)!r}, sleep={sleep})",
        env=env,
    )


def test_worker_survives_a_database_crash_and_lost_tasks_run_again(
    postgres_cluster, tmp_path
):
    """PostgreSQL killed under a running worker: the worker stays up, logs the
    outage once, and runs new work once the server is back. A worker killed in
    the middle of a task: another worker runs the task again once it has been
    running longer than TASKS_RUNNING_TIMEOUT."""
    env = worker_env(
        postgres_cluster.url, TASKS_RUNNING_TIMEOUT="3", TASKS_MAINTENANCE_SECONDS="1"
    )
    manage("migrate", "--noinput", "-v", "0", env=env)
    first = Worker(env)
    second = None
    try:
        enqueue_leave_file(tmp_path / "before", env)
        wait_until((tmp_path / "before").exists, seconds=30, what="the first task")

        postgres_cluster.kill()
        wait_until(
            lambda: "Database unavailable" in first.log, seconds=30, what="the log"
        )
        assert first.alive(), first.log
        postgres_cluster.start()
        wait_until(
            lambda: "Database reachable again" in first.log,
            seconds=30,
            what="the worker to reconnect",
        )
        enqueue_leave_file(tmp_path / "after", env)
        wait_until((tmp_path / "after").exists, seconds=30, what="work after the crash")
        assert first.log.count("Database unavailable") == 1, first.log

        enqueue_leave_file(tmp_path / "interrupted", env, sleep=4)
        wait_until(lambda: "leave_file" in first.log, seconds=15, what="a claim")
        first.kill()
        assert not (tmp_path / "interrupted").exists()
        second = Worker(env)
        wait_until(
            (tmp_path / "interrupted").exists,
            seconds=45,
            what="the killed worker's task to run again",
        )
        assert "was running on a lost worker: queued again" in second.log
    finally:
        first.stop()
        if second is not None:
            second.stop()
