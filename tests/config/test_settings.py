"""Production settings: fail loudly when incomplete, pass Django's deploy checks.

Each test starts manage.py in its own environment (settings are read once per
process, so they cannot share one): about two seconds each, so they are `slow` and
CI runs them once, on PostgreSQL.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="news.example.com",
        SITE_URL="https://news.example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_with_debug_off_is_a_clear_error():
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="news.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_missing_allowed_hosts_with_debug_off_is_a_clear_error():
    result = manage("check", DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_missing_redis_with_debug_off_is_a_clear_error():
    """Without a shared cache each worker would keep its own pages and limits."""
    result = manage(
        "check",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="news.example.com",
    )
    assert result.returncode != 0
    assert "REDIS_URL is not set" in result.stderr


def test_a_bare_clone_runs_on_sqlite_with_no_variables():
    result = manage("check")
    assert result.returncode == 0, result.stderr


def _database_options(**env: str) -> str:
    code = (
        "from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(o['server_side_binding'], o['prepare_threshold'])"
    )
    result = manage(
        "shell", "-c", code, DATABASE_URL="postgres://u@127.0.0.1:5432/x", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_postgres_prepares_hot_statements_unless_a_pooler_forbids_it():
    assert _database_options() == "True 5"
    assert _database_options(DATABASE_PREPARE_THRESHOLD="off") == "True None"


def test_a_bad_prepare_threshold_is_named_in_the_error():
    result = manage(
        "check",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        DATABASE_PREPARE_THRESHOLD="soon",
    )
    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD must be a whole number, not 'soon'" in (
        result.stderr
    )
