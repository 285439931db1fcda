"""The rate limiters' counter, shared by every app's limits."""

from django.core.cache import cache


def count_in_window(key: str, seconds: int) -> int:
    """Count one hit on `key` in a fixed window of `seconds`; returns the count.

    The rate limiters' counter: one round trip on Redis (ResilientRedisCache), the
    cache API's add and incr elsewhere. Raises if the cache is unreachable.
    """
    counter = getattr(cache, "incr_in_window", None)
    if counter is not None:
        return counter(key, seconds)
    if cache.add(key, 1, timeout=seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=seconds)
        return 1
