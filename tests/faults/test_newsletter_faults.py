"""A newsletter send always finishes: real workers (`manage.py db_worker`) send an
issue to a real SMTP server while it refuses, greets with 421 or drops connections,
while a worker is killed, PostgreSQL crashes or Redis goes away. Each time the send
finishes by itself, every address gets the issue exactly once (a crash may repeat
the one message each worker had in flight), and the time from the end of the fault
to the next message is printed (bench/README.md records it).

Everything runs on servers of the test's own: a PostgreSQL cluster, a Redis server
and an SMTP sink on free ports.
"""

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from .servers import (
    PostgresCluster,
    RedisServer,
    SmtpSink,
    can_run_postgres_clusters,
    wait_until,
)
from .test_worker_faults import Worker, worker_env

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 200
pytestmark = pytest.mark.slow


class Newsroom:
    """The cluster, Redis, the SMTP sink and two workers, shared by the tests."""

    def __init__(self, tmp: Path) -> None:
        self.cluster = PostgresCluster().create()
        self.redis = RedisServer(tmp).start()
        self.sink = SmtpSink().start()
        self.sink.handler.delay = 0.02  # ~50 messages a second per connection
        self.env = worker_env(
            self.cluster.url,
            REDIS_URL=self.redis.url,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.sink.port),
            EMAIL_USE_TLS="false",
            EMAIL_TIMEOUT="5",
            SITE_URL="https://news.example.com",
            TASKS_MAINTENANCE_SECONDS="2",
            TASKS_RUNNING_TIMEOUT="30",
            NEWSLETTER_LEASE_SECONDS="10",
            NEWSLETTER_BATCH_SIZE="50",
            NEWSLETTER_SEND_RATE_PER_MINUTE="100000",
        )
        self.shell(
            "from django.core.management import call_command; "
            "call_command('migrate', verbosity=0)"
        )
        self.shell(
            "from tests.faults.newsletter_seed import seed_subscribers; "
            f"seed_subscribers({SUBSCRIBERS})"
        )
        self.workers = [Worker(self.env), Worker(self.env)]

    def shell(self, code: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def start_issue(self, subject: str) -> None:
        self.shell(
            "from tests.faults.newsletter_seed import start_issue; "
            f"start_issue({subject!r})"
        )

    def issue_status(self, subject: str) -> str | None:
        try:
            with psycopg.connect(self.cluster.url, connect_timeout=2) as connection:
                row = connection.execute(
                    "SELECT status FROM newsletter_issue WHERE subject = %s", [subject]
                ).fetchone()
        except psycopg.OperationalError:
            return None
        return row[0] if row else None

    def wait_until_received(self, subject: str, count: int) -> None:
        wait_until(
            lambda: len(self.sink.copies(subject)) >= count,
            seconds=60,
            what=f"{count} messages of {subject!r}",
        )

    def assert_finished(
        self, subject: str, *, fault_ended: float, repeats: int = 0
    ) -> float | None:
        """Every address gets the issue, at most `repeats` of them twice (the
        messages in flight at a crash); the issue ends "sent" by itself."""
        wait_until(
            lambda: self.issue_status(subject) == "sent",
            seconds=150,
            what=f"{subject!r} to finish sending "
            f"({len(self.sink.copies(subject))} of {SUBSCRIBERS} addresses)",
        )
        copies = self.sink.copies(subject)
        assert len(copies) == SUBSCRIBERS
        twice = [address for address, count in copies.items() if count > 1]
        assert len(twice) <= repeats, twice
        assert max(copies.values()) <= 2
        for worker in self.workers:
            assert worker.alive(), worker.log
        resumed = self.sink.first_arrival_after(fault_ended, subject)
        if resumed is None:
            print(f"\n{subject}: the send finished during the fault")  # noqa: T201
            return None
        seconds = resumed - fault_ended
        print(f"\n{subject}: sending resumed {seconds:.1f} s after the fault")  # noqa: T201
        return seconds

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.sink.stop()
        self.redis.stop()
        self.cluster.drop()


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    if not can_run_postgres_clusters():
        pytest.skip("needs pg_createcluster (postgresql-common) and root")
    newsroom = Newsroom(tmp_path_factory.mktemp("newsroom"))
    try:
        yield newsroom
    finally:
        newsroom.close()


@pytest.mark.parametrize("fault", ["refused", "greet-421"])
def test_a_send_started_while_smtp_is_down_finishes_when_it_returns(newsroom, fault):
    """The server refuses connections (or greets with 421) for 10 s from the start:
    nothing is lost or counted against anyone, and sending resumes by itself."""
    subject = f"SMTP {fault}"
    if fault == "refused":
        newsroom.sink.stop()
    else:
        newsroom.sink.set_mode("greet-421")
    newsroom.start_issue(subject)
    time.sleep(10)
    if fault == "refused":
        newsroom.sink.start()
    else:
        newsroom.sink.set_mode("accept")
    newsroom.assert_finished(subject, fault_ended=time.monotonic())


def test_connections_dropped_mid_message_are_retried(newsroom):
    """The server drops every connection mid-message for 5 s during the send."""
    subject = "SMTP drops"
    newsroom.start_issue(subject)
    newsroom.wait_until_received(subject, 40)
    newsroom.sink.set_mode("drop")
    time.sleep(5)
    newsroom.sink.set_mode("accept")
    newsroom.assert_finished(subject, fault_ended=time.monotonic())


def test_a_killed_worker_s_batch_is_sent_by_the_others(newsroom):
    """kill -9 of a worker mid-send; a new one starts (as a supervisor would)."""
    subject = "Worker killed"
    newsroom.start_issue(subject)
    newsroom.wait_until_received(subject, 40)
    newsroom.workers[0].kill()
    newsroom.workers[0] = Worker(newsroom.env)
    newsroom.assert_finished(subject, fault_ended=time.monotonic(), repeats=1)


def test_a_postgresql_crash_mid_send(newsroom):
    """PostgreSQL is killed mid-send and is back 5 s later: the workers stay up."""
    subject = "PostgreSQL crash"
    newsroom.start_issue(subject)
    newsroom.wait_until_received(subject, 40)
    newsroom.cluster.kill()
    time.sleep(5)
    newsroom.cluster.start()
    newsroom.assert_finished(subject, fault_ended=time.monotonic(), repeats=2)


def test_a_redis_outage_mid_send(newsroom):
    """Redis goes away for 5 s mid-send: the throttle counts locally, nothing stops."""
    subject = "Redis outage"
    newsroom.start_issue(subject)
    newsroom.wait_until_received(subject, 40)
    newsroom.redis.stop()
    during = len(newsroom.sink.copies(subject))
    time.sleep(5)
    assert len(newsroom.sink.copies(subject)) > during  # sending went on
    newsroom.redis.start()
    newsroom.assert_finished(subject, fault_ended=time.monotonic())
