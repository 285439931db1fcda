"""A database outage does not starve readers of cached pages: production gunicorn on
a PostgreSQL cluster of the test's own, under mixed traffic (anonymous readers and
readers with a session, whose pages need the database), with the cluster stopped.
Requests that need the database answer 503 at once instead of holding a worker for
the pool's timeout, and /healthz answers within a second."""

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .servers import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "/articles/ukraine-peace-talks-miami/"
pytestmark = pytest.mark.slow


def production_env(database_url: str, redis_url: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "TASKS_BACKEND", "SITE_URL"}
    }
    environment.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="ERROR",
        GUNICORN_ACCESS_LOG="/dev/null",
    )
    return environment


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def fetch(url: str, cookie: str = "", timeout: float = 30) -> tuple[int, float]:
    """(status, seconds) of one GET; a refused or timed-out request is 0."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


class Traffic:
    """Readers in threads, each counting what they were answered, until stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.anonymous_ok: list[float] = []  # when each 200 arrived
        self.signed_in: list[int] = []
        self.running = True
        self.threads = [
            threading.Thread(target=self._anonymous, daemon=True) for _ in range(4)
        ] + [threading.Thread(target=self._signed_in, daemon=True) for _ in range(4)]

    def _anonymous(self) -> None:
        while self.running:
            status, _ = fetch(self.base + ARTICLE)
            if status == 200:
                self.anonymous_ok.append(time.monotonic())

    def _signed_in(self) -> None:
        # A session cookie makes the page personal: the view runs and needs the
        # database (the session, the user).
        while self.running:
            status, _ = fetch(self.base + ARTICLE, cookie="sessionid=abc123")
            self.signed_in.append(status)

    def __enter__(self) -> "Traffic":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        for thread in self.threads:
            thread.join(timeout=40)

    def answered_between(self, start: float, end: float) -> int:
        return sum(1 for moment in list(self.anonymous_ok) if start <= moment < end)


@pytest.fixture
def site_on_its_own_database(postgres_cluster, redis_server):
    env = production_env(postgres_cluster.url, redis_server.url)
    manage("migrate", "--noinput", env=env)
    manage("import_articles", "articles/demo", env=env)
    manage("collectstatic", "--noinput", env=env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "3"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: fetch(base + "/healthz", timeout=2)[0] == 200,
            seconds=60,
            what="gunicorn",
        )
        yield base, postgres_cluster
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_cached_readers_keep_their_pace_while_the_database_is_down(
    site_on_its_own_database,
):
    base, cluster = site_on_its_own_database
    for _ in range(3):  # the page is in the cache, in every worker's memory
        fetch(base + ARTICLE)
    with Traffic(base) as traffic:
        time.sleep(1)
        before_start = time.monotonic()
        time.sleep(4)
        before = traffic.answered_between(before_start, time.monotonic())

        cluster.stop()
        outage_start = time.monotonic()
        health = [fetch(base + "/healthz", timeout=5) for _ in range(3)]
        time.sleep(max(0, 4 - (time.monotonic() - outage_start)))
        during = traffic.answered_between(outage_start, time.monotonic())
        failed_fast = list(traffic.signed_in[-20:])
        cluster.start()

    print(  # noqa: T201
        f"\ncached answers: {before} in 4 s before the outage, {during} in 4 s "
        f"during it; /healthz during it: {[round(s, 2) for _, s in health]} s"
    )
    assert before > 100
    # Readers of cached pages lose at most half their pace (before the breaker:
    # 7 answers in 27 s), while readers with a session get a 503 page at once.
    assert during >= before * 0.5
    assert set(failed_fast) == {503}
    for status, seconds in health:
        assert (status, seconds < 1) == (503, True)
    body = json.loads(urllib.request.urlopen(base + "/healthz").read() or "{}")  # noqa: S310
    assert body.get("cache") == "ok"
