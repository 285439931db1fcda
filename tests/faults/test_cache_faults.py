"""With Redis down (a Redis server of the test's own, killed), anonymous pages keep
being served and a change shows within a second: no page version is trusted."""

import time

import pytest

from articles.cache import article_changed
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings, redis_server):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.cache_backends.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    settings.PAGE_CACHE_LOCAL_SECONDS = 0.5
    return redis_server


def test_with_redis_down_a_new_comment_shows_within_a_second(client, redis_cache):
    """Redis goes away: pages rendered during the outage are kept a moment in the
    process (a busy page is not rendered on every request), then rendered again,
    so a comment approved during the outage is on the page within the second."""
    article = ArticleFactory()
    url = article.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "MISS"
    assert client.get(url)["X-Page-Cache"] == "HIT"

    redis_cache.stop()
    during = client.get(url)
    assert during.status_code == 200
    assert client.get(url)["X-Page-Cache"] == "HIT"  # this process's copy

    CommentFactory(article=article, body="Approved while Redis was down.")
    article_changed(article.pk)  # the version bump is lost with Redis
    time.sleep(0.6)
    assert "Approved while Redis was down." in client.get(url).content.decode()


def test_redis_coming_back_serves_what_changed_during_the_outage(client, redis_cache):
    """Pages stored before the outage are not served again afterwards if what they
    show changed meanwhile (the versions written then were lost)."""
    article = ArticleFactory()
    url = article.get_absolute_url()
    client.get(url)
    redis_cache.stop()
    CommentFactory(article=article, body="Written during the outage.")
    article_changed(article.pk)
    redis_cache.start()  # empty: every version reads as new
    time.sleep(0.6)
    assert "Written during the outage." in client.get(url).content.decode()
