"""Helpers shared by the bench scripts: a database to use, gunicorn, wrk."""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://root@127.0.0.1:5432/broadsheet_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    env.setdefault("CACHE_KEY_PREFIX", "bench")
    env.update(
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1:8123",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        DJANGO_SETTINGS_MODULE="bench.settings",
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="/dev/null",
    )
    env.update(extra)
    return env


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist."""
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_demo_database(env: dict[str, str], *, static: bool = True) -> None:
    """Create and migrate the bench database, import the demo articles (and collect
    static files for gunicorn), then set Django up in this process on it."""
    ensure_database(env["DATABASE_URL"])
    manage("migrate", "--noinput", env=env)
    manage("import_articles", "articles/demo", env=env)
    if static:
        manage("collectstatic", "--noinput", env=env)
    os.environ.update(env)
    import django

    django.setup()


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(
    env: dict[str, str], bind: str = "127.0.0.1:8123", workers: int | None = None
):
    """gunicorn with the production gunicorn.conf.py (default workers: cores + 1)."""
    env = {**env, "GUNICORN_BIND": bind}
    if workers is not None:
        env["GUNICORN_WORKERS"] = str(workers)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://{bind}"
    for _ in range(100):
        if process.poll() is not None:
            sys.exit("gunicorn exited:\n" + process.stderr.read().decode())
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        sys.exit("gunicorn did not start:\n" + process.stderr.read().decode())
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wrk(url: str, *, seconds: int = 10, connections: int = 32, headers=()) -> dict:
    """Run wrk and return requests/s, p50 and p99 latency in milliseconds."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for header in headers:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        sys.exit(f"wrk saw errors for {url}:\n{output}")

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
    }


def fetch(url: str, headers: dict | None = None) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.read(), dict(response.headers)
