"""Cache versions for reading pages.

Anonymous reading pages are cached under keys that include a version number. A write
that changes what a page shows bumps the version of what it affects, so the next
request renders afresh; nothing has to find and delete old keys (they expire).

- `article_changed(article_id)`: the article, its FAQ, its featured reader question
  or its approved discussion changed. Also bumps the listings version, since teasers
  show comment counts.
- `listings_changed()`: home, section, tag and author pages.
- `site_changed()`: something every page shows (the sections in the navigation, the
  newsletters in the signup block).

Every cache call is wrapped: if Redis is down, pages are served uncached and the
problem is logged, never raised.
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

LISTINGS_KEY = "page-version:listings"
SITE_KEY = "page-version:site"


def article_version_key(article_id: int) -> str:
    return f"page-version:article:{article_id}"


def _bump(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): start a new series
            cache.set(key, 1, timeout=None)
    except Exception:  # noqa: BLE001 — a cache outage must not fail the write
        logger.exception("Could not bump cache version %s", key)


def article_changed(article_id: int, *, listings: bool = True) -> None:
    """Call after any change to what an article's page shows.

    Listing pages show the article's teaser (headline, standfirst, comment count);
    pass `listings=False` when none of that can have changed.
    """
    _bump(article_version_key(article_id))
    if listings:
        _bump(LISTINGS_KEY)


def listings_changed() -> None:
    _bump(LISTINGS_KEY)


def site_changed() -> None:
    """Every cached page is out of date (navigation, signup block…)."""
    _bump(SITE_KEY)


def get_versions(*keys: str) -> dict[str, int] | None:
    """Current versions of the given keys, or None when the cache is unreachable."""
    try:
        found = cache.get_many(keys)
    except Exception:  # noqa: BLE001
        logger.exception("Cache unreachable while reading page versions")
        return None
    return {key: found.get(key, 0) for key in keys}
