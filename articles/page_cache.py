"""The anonymous page cache and HTTP caching headers for reading pages.

A reader without a session (no session or messages cookie) gets the same page as
every other such reader, so it is rendered once and kept in the cache. Each entry
records the versions of what it shows (see articles.cache); it is served only while
those versions are unchanged, and a write that bumps a version makes the next request
render afresh. A hit touches no database, so anonymous readers keep getting pages
while the database is down.

Two tiers: Redis holds every cached page for all processes; each process also keeps
its hottest pages in memory and re-checks their versions in Redis at most every
PAGE_CACHE_LOCAL_SECONDS (1 s), so a busy page costs no network round trip at all
while a change still shows within that second.

With Redis down no version can be read, so none is trusted: a page rendered then is
kept in this process's memory only, for PAGE_CACHE_LOCAL_SECONDS, and rendered again
after it. A new comment shows within that second, and a busy page is still rendered
at most once a second per process.

Headers:
- anonymous pages: `Cache-Control: public, max-age=0, s-maxage=…,
  stale-while-revalidate=…` (and `stale-if-error=…` when a purger keeps the shared
  cache told of every change, see core.edge), a strong ETag and Last-Modified, 304
  for matching conditional requests, `Surrogate-Key` and `Cache-Tag` naming what the
  page shows (articles.cache.edge_tags), `Vary: Cookie, Accept-Encoding`, and never
  a Set-Cookie.
- personalised pages (a session): `Cache-Control: private, no-store`.

Compression: each entry is stored raw, gzipped and brotli-compressed, once, when it
is rendered; a hit sends the smallest encoding the client accepts, as stored, so no
request compresses anything. (Personalised pages are gzipped by Django's
GZipMiddleware, which pads against BREACH: see docs/deployment.md.)

Keys: one per page and canonical query string (see declare_query); a request with
other parameters is redirected to the canonical URL, never stored.
"""

import gzip
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

import brotli
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, urlencode

from .cache import edge_tags, get_versions

logger = logging.getLogger(__name__)

PERSONAL_COOKIES = {settings.SESSION_COOKIE_NAME, "messages"}
# Parameters that only say where a reader came from: they change nothing on the page,
# so they must not split the cache (a viral link carries a new fbclid per click).
TRACKING_PARAMETER = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|"
    r"_ga|_gl|ref|ref_src)$"
)


def _given_query(request: HttpRequest) -> str:
    """The request's parameters in a fixed order, trackers dropped."""
    return urlencode(
        sorted(
            (name, value)
            for name, values in request.GET.lists()
            if not TRACKING_PARAMETER.match(name)
            for value in values
        )
    )


def canonical_path(request: HttpRequest) -> str:
    """The path with its parameters in a fixed order, trackers dropped."""
    query = _given_query(request)
    return f"{request.path}?{query}" if query else request.path


def declare_query(request: HttpRequest, **params: str | int) -> None:
    """Declare the query parameters the page was drawn with, as its links spell
    them (defaults left out), while rendering it.

    A cached page is stored under its canonical query only: a request whose
    parameters differ from the declared ones (an unknown parameter, `?cpage=1`,
    `?csort=nonsense`) is redirected there instead (302), so no request can add an entry
    that another URL already has, and the cache holds at most one entry per page
    a reader can reach by its links. Parameters nobody declared mean nothing.
    """
    declared = request.__dict__.setdefault("_page_query", {})
    declared.update({name: str(value) for name, value in params.items()})


def _declared_query(request: HttpRequest) -> str:
    return urlencode(sorted(getattr(request, "_page_query", {}).items()))


def _entry_size(entry: dict) -> int:
    return sum(len(entry.get(name, b"")) for name in ("content", "gzip", "br"))


class LocalPages:
    """This process's copies of recently served pages, bounded by total size."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, tuple[dict, float]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: str) -> tuple[dict, float] | None:
        with self._lock:
            found = self._pages.get(key)
            if found:
                self._pages.move_to_end(key)
            return found

    def put(self, key: str, entry: dict, checked_at: float) -> None:
        with self._lock:
            self._discard(key)
            self._pages[key] = (entry, checked_at)
            self._size += _entry_size(entry)
            while self._size > self.max_bytes and self._pages:
                self._discard(next(iter(self._pages)))

    def drop(self, key: str) -> None:
        with self._lock:
            self._discard(key)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._size = 0

    def _discard(self, key: str) -> None:
        old = self._pages.pop(key, None)
        if old:
            self._size -= _entry_size(old[0])


local_pages = LocalPages(max_bytes=32 * 1024 * 1024)
# Brotli's quality for stored pages: 11 is ~16 % smaller and 20 times slower
# (bench/README.md); a miss pays for it once.
BROTLI_QUALITY = 8


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


def version_read(request: HttpRequest, version_key: str) -> str:
    """The version of `version_key` this request's page is drawn from (declared
    by depends_on; "" when undeclared or the cache is unreachable)."""
    versions = getattr(request, "_page_cache_versions", None) or {}
    return str(versions.get(version_key, ""))


def _digest(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def _page_key(request: HttpRequest) -> str:
    path = hashlib.md5(canonical_path(request).encode(), usedforsecurity=False)
    # "v2": entries hold their compressed copies and tags since issue 16.
    return f"page:v2:{request.get_host()}:{path.hexdigest()}"


def _stale_key(page_key: str) -> str:
    return f"{page_key}:last-good"


def shared_cache_control() -> str:
    """What a shared cache (CDN, Varnish) may do with an anonymous page.

    With a purger (EDGE_PURGER) the shared cache hears of every change, so it may
    keep the page long and serve it stale through an origin outage; without one,
    the short CDN_CACHE_SECONDS bounds how long a change stays unseen.
    """
    control = (
        f"public, max-age=0, s-maxage={settings.CDN_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.CDN_STALE_WHILE_REVALIDATE_SECONDS}"
    )
    if settings.EDGE_PURGER != "none":
        control += f", stale-if-error={settings.CDN_STALE_IF_ERROR_SECONDS}"
    return control


def _public_headers(response: HttpResponse, entry: dict) -> HttpResponse:
    response["Last-Modified"] = http_date(entry["stored_at"])
    response["Cache-Control"] = shared_cache_control()
    tags = " ".join(entry.get("tags", ()))
    if tags:
        response["Surrogate-Key"] = tags
        response["Cache-Tag"] = tags.replace(" ", ",")
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    return response


def accepted_encodings(request: HttpRequest) -> set[str]:
    """The content codings the client takes (`q=0` means it refuses one)."""
    accepted = set()
    for item in request.headers.get("Accept-Encoding", "").lower().split(","):
        coding, _, params = item.partition(";")
        quality = params.strip().removeprefix("q=").strip()
        if quality and quality.replace(".", "").strip("0") == "":
            continue  # q=0, q=0.0, q=0.000
        accepted.add(coding.strip())
    return accepted


def _encoded_body(request: HttpRequest, entry: dict) -> tuple[bytes, str | None]:
    accepted = accepted_encodings(request)
    for coding in ("br", "gzip"):
        if coding in accepted and coding in entry:
            return entry[coding], coding
    return entry["content"], None


def _from_entry(request: HttpRequest, entry: dict, state: str) -> HttpResponse:
    body, coding = _encoded_body(request, entry)
    response = HttpResponse(body, content_type=entry["content_type"])
    # One strong validator per representation: the bytes differ between encodings.
    etag = f'"{entry["digest"]}-{coding}"' if coding else f'"{entry["digest"]}"'
    response["ETag"] = etag
    if coding:
        response["Content-Encoding"] = coding
    response["X-Page-Cache"] = state
    _public_headers(response, entry)
    conditional = get_conditional_response(
        request,
        etag=etag,
        last_modified=entry["stored_at"],
        response=response,
    )
    return conditional or response


def _compressed(content: bytes) -> dict[str, bytes]:
    """The page gzipped and brotli-compressed, once, when it is stored. Anonymous
    pages hold no secret, so compressing them together with reflected input leaks
    nothing (BREACH needs both)."""
    return {
        "gzip": gzip.compress(content, compresslevel=9, mtime=0),
        "br": brotli.compress(content, quality=BROTLI_QUALITY),
    }


def serve_last_good_copy(request: HttpRequest) -> HttpResponse | None:
    """The last page rendered for this address, for when the database is down."""
    if not is_anonymous_read(request):
        return None
    entry = cache.get(_stale_key(_page_key(request)))
    return _from_entry(request, entry, "STALE") if entry else None


def _is_current(entry: dict) -> bool:
    """Unknown (the cache is down, or the page was stored while it was) is not."""
    if entry["versions"] is None:
        return False
    return get_versions(*entry["versions"]) == entry["versions"]


def _local_window() -> float:
    """How long this process may serve its copy of a page without asking Redis.

    Behind a purged shared cache, never: the shared cache asks us right after a
    purge, and keeps what we answer for a day, so an answer up to a second old would
    hide the change there until the next one. (It asks rarely, so the check costs
    little; the local copy still saves fetching the page.)
    """
    if settings.EDGE_PURGER != "none":
        return 0
    return settings.PAGE_CACHE_LOCAL_SECONDS


def _fresh_entry(page_key: str) -> dict | None:
    """The cached page if what it shows has not changed since it was rendered."""
    now = time.monotonic()
    local = local_pages.get(page_key)
    if local:
        entry, checked_at = local
        if time.time() >= entry["expires_at"]:
            local_pages.drop(page_key)
        elif now - checked_at < _local_window():
            return entry
        elif _is_current(entry):
            local_pages.put(page_key, entry, now)
            return entry
        else:
            local_pages.drop(page_key)
    entry = cache.get(page_key)
    if entry and _is_current(entry):
        local_pages.put(page_key, entry, now)
        return entry
    return None


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
        entry = _fresh_entry(page_key)
        if entry:
            return _from_entry(request, entry, "HIT")

        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        declared = hasattr(request, "_page_cache_versions")
        versions = getattr(request, "_page_cache_versions", None)
        cacheable = (
            response.status_code == 200
            and declared
            and not response.cookies
            and "no-cache" not in response.get("Cache-Control", "")
            # A page that used a CSRF token or the session is somebody's own page,
            # even if the middleware has not set its cookie yet.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not getattr(getattr(request, "session", None), "modified", False)
        )
        if not cacheable:
            patch_vary_headers(response, ["Cookie"])
            return response
        canonical = _declared_query(request)
        if canonical != _given_query(request):
            # A 302, kept as briefly as the pages: what is canonical can change
            # with the data (featuring a question brings its filter in).
            redirect = HttpResponseRedirect(
                f"{request.path}?{canonical}" if canonical else request.path
            )
            redirect["Cache-Control"] = (
                f"public, max-age=0, s-maxage={settings.PAGE_CACHE_SECONDS}"
            )
            patch_vary_headers(redirect, ["Cookie"])
            return redirect
        entry = {
            "content": response.content,
            **_compressed(response.content),
            "content_type": response["Content-Type"],
            "digest": _digest(response.content),
            "stored_at": int(time.time()),
            "expires_at": time.time() + settings.PAGE_CACHE_SECONDS,
            "versions": versions,
            "tags": edge_tags(request._page_cache_keys),  # noqa: SLF001
        }
        local_pages.put(page_key, entry, time.monotonic())
        if versions is None:  # the cache is down: this process's second only
            return _from_entry(request, entry, "MISS")
        cache.set(page_key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        if canonical_path(request) == request.path:
            # One last good copy per page (not per query string) for outages.
            cache.set(_stale_key(page_key), entry, timeout=settings.PAGE_STALE_SECONDS)
        response = _from_entry(request, entry, "MISS")
        if settings.EDGE_PURGER != "none" and not _is_current(entry):
            # Something this page shows changed while it was rendered: the purge
            # for that change may reach the shared cache before this page does,
            # and nothing would purge it after, for a day. Let no one keep it.
            response["Cache-Control"] = "public, max-age=0, s-maxage=0"
        return response

    return wrapper
