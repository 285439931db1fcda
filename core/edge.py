"""Telling the shared cache in front (Varnish, Fastly, Cloudflare) to forget pages.

Every cacheable anonymous page names what it shows in its `Surrogate-Key` (and
`Cache-Tag`) header: tags such as `article-12`, `listings`, `site`, made from the
page versions of articles.cache. When a write bumps those versions, the same tags are
purged here, so the shared cache may keep pages for a day (CDN_CACHE_SECONDS) and
still show a new comment at once.

A purge never blocks or fails the write that asked for it: it is queued after the
transaction commits, runs in the task worker, and a purge that fails (the cache is
down, the API refuses) is logged and tried again later with growing waits; after the
last try it is logged as an error, and the page's own lifetime bounds what is left.

The purger is chosen by EDGE_PURGER: `none` (the default: nothing is sent),
`varnish` (an HTTP PURGE with an `xkey-purge` header to every VARNISH_PURGE_URLS
host, answered by deploy/varnish/default.vcl), `fastly` (POST /service/ID/purge with
`{"surrogate_keys": [...]}`) or `cloudflare` (POST /zones/ID/purge_cache with
`{"tags": [...]}`).
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django_tasks import task

from core.mail import retry_later

logger = logging.getLogger(__name__)

# Waits (seconds) before the second, third… try of a failed purge.
PURGE_RETRY_DELAYS = [5, 30, 120, 600]
PURGE_MAX_ATTEMPTS = len(PURGE_RETRY_DELAYS) + 1
# Most tags one call takes (Fastly: 256 surrogate keys; Cloudflare: 30 tags; ours
# to Varnish: 100, about 1.5 KB of header).
VARNISH_TAGS_PER_PURGE = 100
FASTLY_KEYS_PER_CALL = 256
CLOUDFLARE_TAGS_PER_CALL = 30


class PurgeFailed(Exception):
    """The shared cache did not confirm the purge."""


def _send(request: urllib.request.Request) -> bytes:
    try:
        with urllib.request.urlopen(  # noqa: S310 - our configured URLs only
            request, timeout=settings.EDGE_PURGE_TIMEOUT
        ) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise PurgeFailed(f"{request.full_url} answered {error.code}") from error
    except OSError as error:
        raise PurgeFailed(f"{request.full_url}: {error}") from error


def _request(
    url: str, *, method: str, headers: dict[str, str], data: bytes | None = None
) -> urllib.request.Request:
    if not url.startswith(("http://", "https://")):
        raise PurgeFailed(f"{url} is not an http(s) address")
    return urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, method=method, headers=headers, data=data
    )


def _batches(tags: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(tags), size):
        yield tags[start : start + size]


def purge_varnish(tags: list[str]) -> None:
    """A PURGE per Varnish host (and per 100 tags: Varnish refuses request headers
    over 8 KB); the VCL's xkey purges every object so tagged."""
    for base_url in settings.VARNISH_PURGE_URLS:
        for batch in _batches(tags, VARNISH_TAGS_PER_PURGE):
            _send(
                _request(
                    f"{base_url.rstrip('/')}/",
                    method="PURGE",
                    headers={"xkey-purge": " ".join(batch)},
                )
            )


def purge_fastly(tags: list[str]) -> None:
    """Fastly's purge of many surrogate keys in one call (up to 256)."""
    url = f"{settings.FASTLY_API_URL}/service/{settings.FASTLY_SERVICE_ID}/purge"
    for batch in _batches(tags, FASTLY_KEYS_PER_CALL):
        _send(
            _request(
                url,
                method="POST",
                data=json.dumps({"surrogate_keys": batch}).encode(),
                headers={
                    "Fastly-Key": settings.FASTLY_API_TOKEN,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
        )


def purge_cloudflare(tags: list[str]) -> None:
    """Cloudflare's purge by cache tag (30 tags a call); it answers 200 with
    `"success": false` for some refusals, which count as failures too."""
    url = (
        f"{settings.CLOUDFLARE_API_URL}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
    )
    for batch in _batches(tags, CLOUDFLARE_TAGS_PER_CALL):
        body = _send(
            _request(
                url,
                method="POST",
                data=json.dumps({"tags": batch}).encode(),
                headers={
                    "Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}",
                    "Content-Type": "application/json",
                },
            )
        )
        try:
            success = json.loads(body).get("success")
        except (ValueError, AttributeError):
            success = False
        if not success:
            raise PurgeFailed(f"{url} did not confirm: {body[:200]!r}")


PURGERS = {
    "varnish": purge_varnish,
    "fastly": purge_fastly,
    "cloudflare": purge_cloudflare,
}


@task()
def purge_tags(tags: list[str], attempt: int = 1) -> bool:
    """Purge `tags` at the configured shared cache; on failure, try again later.

    True when the cache confirmed the purge.
    """
    purge = PURGERS.get(settings.EDGE_PURGER)
    if purge is None:
        return False
    try:
        purge(tags)
    except PurgeFailed as error:
        if attempt >= PURGE_MAX_ATTEMPTS:
            logger.error(
                "Edge purge of %s failed for good (attempt %s): %s",
                " ".join(tags),
                attempt,
                error,
            )
            return False
        delay = PURGE_RETRY_DELAYS[attempt - 1]
        logger.warning(
            "Edge purge of %s failed (attempt %s), retrying in %s s: %s",
            " ".join(tags),
            attempt,
            delay,
            error,
        )
        retry_later(
            _on_purge_queue(),
            kwargs={"tags": tags, "attempt": attempt + 1},
            delay=delay,
        )
        return False
    return True


def _on_purge_queue():
    return purge_tags.using(queue_name=settings.EDGE_PURGE_QUEUE)


def _enqueue(tags: list[str]) -> None:
    try:
        _on_purge_queue().enqueue(tags=tags)
    except Exception:  # noqa: BLE001 - the write has happened; the page's lifetime bounds it
        logger.exception("Could not queue the edge purge of %s", " ".join(tags))


def purge_later(tags: Iterable[str]) -> None:
    """Queue a purge of `tags` once the current transaction commits (at once outside
    one). Does nothing when no purger is configured."""
    if settings.EDGE_PURGER == "none":
        return
    tags = sorted(set(tags))
    if tags:
        transaction.on_commit(lambda: _enqueue(tags))
