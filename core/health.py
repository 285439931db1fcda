"""/healthz: is this instance able to serve? Checks the database and the cache,
each within a second whatever is down (tests/faults/test_database_faults.py)."""

import secrets
import time

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> bool:
    if connection.vendor == "postgresql":
        # A direct connection bounded to a second, not the pool (whose wait is
        # longer); a failure also tells the requests that follow to fail fast.
        from config.postgresql.outage import breaker

        return breaker.check_now(connection.settings_dict)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 — any failure means "not healthy"
        return False


def _check_cache() -> bool:
    strict_read = getattr(cache, "get_many_or_raise", None)
    if strict_read is not None:  # Redis: one read that raises when it is down
        try:
            strict_read(["healthz:probe"])
            return True
        except Exception:  # noqa: BLE001
            return False
    # A round trip: a backend may swallow outages, so only a read-back tells.
    nonce = secrets.token_hex(8)
    try:
        cache.set("healthz:probe", nonce, timeout=10)
        return cache.get("healthz:probe") == nonce
    except Exception:  # noqa: BLE001
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    checks = {
        "database": "ok" if _check_database() else "unavailable",
        "cache": "ok" if _check_cache() else "unavailable",
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            **checks,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
        status=200 if healthy else 503,
    )
