"""The fixed-window counter behind the comment and newsletter rate limits."""

import os
import time

import pytest
from django.core.cache import cache

from core.cache_backends import ResilientRedisCache
from core.rate import count_in_window

BACKENDS = {
    "local memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "core.cache_backends.ResilientRedisCache",
        "LOCATION": os.environ.get("REDIS_URL", ""),
        "KEY_PREFIX": "test-rate-counter",
    },
}


@pytest.fixture(params=list(BACKENDS))
def backend(request, settings):
    if request.param == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set (the PostgreSQL + Redis CI run sets it)")
    settings.CACHES = {**settings.CACHES, "default": BACKENDS[request.param]}
    cache.clear()
    yield request.param
    cache.clear()


def test_counts_hits_in_a_window_then_starts_a_new_one(backend):
    assert [count_in_window("reader:7", 1) for _ in range(3)] == [1, 2, 3]
    assert count_in_window("reader:8", 1) == 1  # each key counts on its own
    time.sleep(1.2)
    assert count_in_window("reader:7", 1) == 1


def test_the_window_runs_from_the_first_hit_not_the_last(backend):
    count_in_window("reader:7", 2)
    time.sleep(1.2)
    assert count_in_window("reader:7", 2) == 2  # a later hit does not extend it
    time.sleep(1.0)
    assert count_in_window("reader:7", 2) == 1


@pytest.mark.django_db
def test_with_redis_down_rate_limits_fail_open_and_say_so(settings, caplog):
    """A cache outage must not stop readers from posting; it is logged."""
    from comments.services import action_allowed
    from tests.accounts.factories import UserFactory

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.cache_backends.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        },
    }
    ResilientRedisCache._last_logged = 0.0  # noqa: SLF001 — log this outage
    reader = UserFactory()
    assert all(action_allowed(user=reader, action="post") for _ in range(50))
    assert "Redis cache unavailable" in caplog.text
