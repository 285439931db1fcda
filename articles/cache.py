"""Cache versions for reading pages.

Anonymous reading pages are cached under keys that include a version. A write that
changes what a page shows gives what it affects a new version (a random token: all
that matters is that it differs), so the next request renders afresh; nothing has to
find and delete old keys (they expire). A write sets all its versions in one round
trip to the cache.

- `article_changed(article_id)`: the article, its FAQ, its featured reader question
  or its approved discussion changed. Also bumps the listings version (every
  listing page), since an edit may have moved the article between sections or tags.
- `teaser_changed(article_id)`: what only the article's teaser shows changed (its
  comment count): its page, and the listing pages that show the teaser (home,
  search, its section, tags and authors); the other listings stay cached.
- `listings_changed()`: every listing page (home, search, section, tag and author
  pages).
- `site_changed()`: something every page shows (the sections in the navigation, the
  newsletters in the signup block).

Every cache call is wrapped: if Redis is down, pages are served uncached and the
problem is logged, never raised.

The same keys are the tags of the shared cache in front (core.edge): a page carries
the tags of the versions it depends on (`edge_tags`) in its Surrogate-Key header, and
a bump purges the same tags there, after the transaction commits. So this map is the
one list of what depends on what, for our cache and the edge's.
"""

import logging
import secrets

from django.core.cache import cache

from core.edge import purge_later

logger = logging.getLogger(__name__)

LISTINGS_KEY = "page-version:listings"
HOME_KEY = "page-version:home"
SEARCH_KEY = "page-version:search"
SITE_KEY = "page-version:site"


def article_version_key(article_id: int) -> str:
    return f"page-version:article:{article_id}"


def listing_version_key(kind: str, object_id: int) -> str:
    """One listing's own version: kind is "section", "tag" or "author"."""
    return f"page-version:{kind}:{object_id}"


def edge_tags(keys) -> list[str]:
    """The shared cache's tags for these version keys: `page-version:article:12` is
    `article-12` (short, and only the characters every CDN accepts in a tag)."""
    return [key.removeprefix("page-version:").replace(":", "-") for key in keys]


def _bump(*keys: str) -> None:
    try:
        token = secrets.token_hex(8)
        cache.set_many(dict.fromkeys(keys, token), timeout=None)
    except Exception:  # noqa: BLE001 — a cache outage must not fail the write
        logger.exception("Could not bump cache versions %s", ", ".join(keys))
    # After the new versions are in: the shared cache asks us again as soon as it
    # has purged, and must not get the page those versions replace.
    purge_later(edge_tags(keys))


def article_changed(article_id: int, *, listings: bool = True) -> None:
    """Call after any change to what an article's page shows.

    Listing pages show the article's teaser (headline, standfirst, comment count);
    pass `listings=False` when none of that can have changed.
    """
    if listings:
        _bump(article_version_key(article_id), LISTINGS_KEY)
    else:
        _bump(article_version_key(article_id))


def teaser_changed(article_id: int) -> None:
    """The article's page and the listing pages its teaser is on (the comment
    count changed): a comment on one story leaves other sections' pages cached,
    here and at the edge."""
    from .models import Article  # here: this module is imported before the models

    keys = {article_version_key(article_id), HOME_KEY, SEARCH_KEY}
    for section_id, tag_id, author_id in Article.objects.filter(
        pk=article_id
    ).values_list("section_id", "tags", "authors"):
        keys.add(listing_version_key("section", section_id))
        if tag_id:
            keys.add(listing_version_key("tag", tag_id))
        if author_id:
            keys.add(listing_version_key("author", author_id))
    _bump(*sorted(keys))


def articles_changed(article_ids) -> None:
    """article_changed for many articles at once (one round trip), listings kept."""
    keys = [article_version_key(article_id) for article_id in set(article_ids)]
    if keys:
        _bump(*keys)


def listings_changed() -> None:
    _bump(LISTINGS_KEY)


def site_changed() -> None:
    """Every cached page is out of date (navigation, signup block…)."""
    _bump(SITE_KEY)


def get_versions(*keys: str) -> dict[str, str | int] | None:
    """Current versions of the given keys, or None when the cache is unreachable.

    An outage must not read as "every version is 0": a page stored during it would
    then look current for as long as Redis stays down, whatever changed meanwhile.
    ResilientRedisCache swallows errors in get_many, so it is asked with the call
    that raises (`get_many_or_raise`).
    """
    get_many = getattr(cache, "get_many_or_raise", cache.get_many)
    try:
        found = get_many(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            found.update(_first_versions(missing, get_many))
    except Exception:  # noqa: BLE001 - the backend logs the outage
        return None
    return {key: found.get(key, 0) for key in keys}


def _first_versions(keys: list[str], get_many) -> dict:
    """Give versions that have none a new token (first use, or a Redis that lost
    its data): a fixed "no version yet" would match pages stored before the loss,
    however much changed since. `add` keeps whichever process's token came first."""
    token = secrets.token_hex(8)
    for key in keys:
        cache.add(key, token, timeout=None)
    return get_many(keys)
