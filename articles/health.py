"""/healthz: is this instance able to serve? Checks the database and the cache."""

import secrets
import time

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 — any failure means "not healthy"
        return False


def _check_cache() -> bool:
    # A round trip: the cache backend swallows outages, so only a read-back tells.
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
