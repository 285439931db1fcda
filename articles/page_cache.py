"""The anonymous page cache and HTTP caching headers for reading pages.

A reader without a session (no session or messages cookie) gets the same page as
every other such reader, so it is rendered once and kept in the cache. Each entry
records the versions of what it shows (see articles.cache); it is served only while
those versions are unchanged, and a write that bumps a version makes the next request
render afresh. A hit touches no database, so anonymous readers keep getting pages
while the database is down.

Headers:
- anonymous pages: `Cache-Control: public, max-age=0, s-maxage=…,
  stale-while-revalidate=…`, a strong ETag and Last-Modified, 304 for matching
  conditional requests, `Vary: Cookie`, and never a Set-Cookie.
- personalised pages (a session): `Cache-Control: private, no-store`.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from .cache import get_versions

logger = logging.getLogger(__name__)

PERSONAL_COOKIES = {settings.SESSION_COOKIE_NAME, "messages"}


def is_anonymous_read(request: HttpRequest) -> bool:
    """A GET from a reader with no session: the page is the same for everyone."""
    return request.method in ("GET", "HEAD") and not (
        PERSONAL_COOKIES & request.COOKIES.keys()
    )


def depends_on(request: HttpRequest, *version_keys: str) -> None:
    """Declare what a page shows, by version key, before rendering it.

    Reading the versions before the render means a write during the render leaves
    the stored entry already out of date, never a stale page under a new version.
    """
    request._page_cache_keys = version_keys  # noqa: SLF001
    request._page_cache_versions = get_versions(*version_keys)  # noqa: SLF001


def _digest(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def _page_key(request: HttpRequest) -> str:
    path = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False)
    return f"page:{request.get_host()}:{path.hexdigest()}"


def _stale_key(page_key: str) -> str:
    return f"{page_key}:last-good"


def _public_headers(response: HttpResponse, entry: dict) -> HttpResponse:
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["stored_at"])
    response["Cache-Control"] = (
        f"public, max-age=0, s-maxage={settings.CDN_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.CDN_STALE_WHILE_REVALIDATE_SECONDS}"
    )
    patch_vary_headers(response, ["Cookie"])
    return response


def _from_entry(request: HttpRequest, entry: dict, state: str) -> HttpResponse:
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    response["X-Page-Cache"] = state
    _public_headers(response, entry)
    conditional = get_conditional_response(
        request,
        etag=entry["etag"],
        last_modified=entry["stored_at"],
        response=response,
    )
    return conditional or response


def serve_last_good_copy(request: HttpRequest) -> HttpResponse | None:
    """The last page rendered for this address, for when the database is down."""
    if not is_anonymous_read(request):
        return None
    entry = cache.get(_stale_key(_page_key(request)))
    return _from_entry(request, entry, "STALE") if entry else None


def cache_for_anonymous(view: Callable) -> Callable:
    """Serve anonymous readers from the page cache; mark personalised pages private."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_anonymous_read(request):
            response = view(request, *args, **kwargs)
            if "Cache-Control" not in response:
                response["Cache-Control"] = "private, no-store"
            patch_vary_headers(response, ["Cookie"])
            return response

        page_key = _page_key(request)
        entry = cache.get(page_key)
        if entry and get_versions(*entry["versions"]) == entry["versions"]:
            return _from_entry(request, entry, "HIT")

        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        versions = getattr(request, "_page_cache_versions", None)
        cacheable = (
            response.status_code == 200
            and versions is not None
            and not response.cookies
            and "no-cache" not in response.get("Cache-Control", "")
        )
        if not cacheable:
            patch_vary_headers(response, ["Cookie"])
            return response
        entry = {
            "content": response.content,
            "content_type": response["Content-Type"],
            "etag": f'"{_digest(response.content)}"',
            "stored_at": int(time.time()),
            "versions": versions,
        }
        cache.set(page_key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        cache.set(_stale_key(page_key), entry, timeout=settings.PAGE_STALE_SECONDS)
        return _from_entry(request, entry, "MISS")

    return wrapper
