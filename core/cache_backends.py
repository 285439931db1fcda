"""A Redis cache that degrades to "no cache" instead of failing requests.

Redis holds only what can be rebuilt (rendered pages, versions, rate-limit counters),
so an outage should cost speed, not availability: reads miss, writes are dropped, and
the problem is logged (once a minute at most, not once a request). Rate limits fail
open while Redis is down; that trade is written down in docs/deployment.md.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY_SECONDS = 60


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, but one redis.Redis per connection pool, not one per call.

    Building a redis.Redis fills a table of ~170 response callbacks: on a page-cache
    hit that cost more than the network round trip. The object is thread-safe and
    shares the pool, so reusing it is what redis-py intends.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def _outage(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged >= LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            logger.error("Redis cache unavailable (%s): %s", operation, error)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except OUTAGE_ERRORS as error:
            self._outage("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except OUTAGE_ERRORS as error:
            self._outage("get_many", error)
            return {}

    def get_many_or_raise(self, keys, version=None):
        """get_many that raises when Redis is down: for callers to whom "no value"
        and "unknown" differ (page versions, articles/cache.py)."""
        try:
            return super().get_many(keys, version)
        except OUTAGE_ERRORS as error:
            self._outage("get_many", error)
            raise

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except OUTAGE_ERRORS as error:
            self._outage("set", error)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except OUTAGE_ERRORS as error:
            self._outage("set_many", error)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except OUTAGE_ERRORS as error:
            self._outage("add", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except OUTAGE_ERRORS as error:
            self._outage("incr", error)
            raise ValueError(f"Key {key!r} unavailable: the cache is down") from error

    def incr_in_window(self, key: str, seconds: int) -> int:
        """Count one hit on `key` in a window of `seconds` from its first hit.

        One round trip (SET NX EX, then INCR, pipelined) where the cache API would
        take three (add, then incr's EXISTS and INCRBY). Raises when Redis is down.
        """
        key = self.make_and_validate_key(key)
        try:
            pipeline = self._cache.get_client(key, write=True).pipeline()
            pipeline.set(key, 0, ex=seconds, nx=True)
            pipeline.incr(key)
            return pipeline.execute()[1]
        except OUTAGE_ERRORS as error:
            self._outage("incr_in_window", error)
            raise

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except OUTAGE_ERRORS as error:
            self._outage("delete", error)
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except OUTAGE_ERRORS as error:
            self._outage("touch", error)
            return False

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except OUTAGE_ERRORS as error:
            self._outage("has_key", error)
            return False

    def clear(self):
        try:
            return super().clear()
        except OUTAGE_ERRORS as error:
            self._outage("clear", error)
            return False
