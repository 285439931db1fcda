"""Announcing scheduled articles as they come due.

A scheduled article becomes visible by query when its time comes: no write marks the
moment, so nothing bumps a page version or purges the shared cache. Our own page
cache is bounded by PAGE_CACHE_SECONDS, but a shared cache told to keep pages a day
(EDGE_PURGER) would show the home page without the new article until then. This
periodic job of the task worker (TASKS_PERIODIC_JOBS, every
TASKS_MAINTENANCE_SECONDS) announces each article that came due since its last run:
its page and the listings get new versions and are purged.
"""

import datetime

from django.core.cache import cache
from django.utils import timezone

from .cache import articles_changed, listings_changed
from .models import Article

LAST_RUN_KEY = "articles:due-announced-until"
# Without a record of the last run (first run, Redis lost its data), look this far
# back: announcing an article twice costs one more render.
FIRST_LOOK_BACK = datetime.timedelta(minutes=10)


def announce_due_articles() -> list[int]:
    """Bump and purge the pages of articles that came due since the last run.
    Returns their ids."""
    now = timezone.now()
    since = cache.get(LAST_RUN_KEY) or now - FIRST_LOOK_BACK
    due = list(
        Article.objects.filter(
            # (a published article dated ahead is held back the same way)
            status__in=[Article.Status.SCHEDULED, Article.Status.PUBLISHED],
            published_at__gt=since,
            published_at__lte=now,
        ).values_list("pk", flat=True)
    )
    if due:
        articles_changed(due)
        listings_changed()
    cache.set(LAST_RUN_KEY, now, timeout=None)
    return due
