"""If the database goes down, anonymous readers keep reading; others get a 503 page."""

import copy

import pytest
from django.db import connection
from django.test import Client

from articles.cache import article_changed
from config.postgresql.outage import breaker
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="simulates an outage by pointing the PostgreSQL pool at a closed port",
    ),
]


@pytest.fixture
def database_down():
    """Point the connection pool at a closed port, then restore it."""
    original = copy.deepcopy(connection.settings_dict)

    def take_down():
        connection.close()
        connection.close_pool()
        connection.settings_dict["PORT"] = "9"
        connection.settings_dict["OPTIONS"]["pool"]["timeout"] = 1

    yield take_down
    connection.close()
    connection.close_pool()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)
    breaker.recovered()  # the outage is over for this process's breaker too


def test_anonymous_readers_get_cached_pages_and_others_a_friendly_503(database_down):
    article = ArticleFactory(title="Still readable")
    anonymous = Client(raise_request_exception=False)
    assert anonymous.get(article.get_absolute_url()).status_code == 200
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(UserFactory())

    database_down()

    hit = anonymous.get(article.get_absolute_url())
    assert hit.status_code == 200
    assert "Still readable" in hit.content.decode()

    # The page's version moves on (a comment elsewhere, say): the last good copy is
    # served rather than an error.
    article_changed(article.pk)
    stale = anonymous.get(article.get_absolute_url())
    assert stale.status_code == 200
    assert stale["X-Page-Cache"] == "STALE"
    assert "Still readable" in stale.content.decode()

    down = signed_in.get(article.get_absolute_url())
    assert down.status_code == 503
    assert "We’ll be back in a moment" in down.content.decode()
    assert down["Retry-After"] == "30"

    never_cached = anonymous.get("/sections/nowhere/")
    assert never_cached.status_code == 503


def test_while_the_database_is_known_down_requests_fail_at_once(database_down):
    """After one failure, requests that need the database answer 503 at once for
    DATABASE_RETRY_SECONDS instead of each waiting for the pool (which would hold
    every worker and starve readers of cached pages); /healthz says so at once."""
    import time

    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(UserFactory())
    database_down()
    assert signed_in.get("/").status_code == 503  # the first one finds out
    started = time.monotonic()
    answers = [signed_in.get("/").status_code for _ in range(20)]
    assert answers == [503] * 20
    assert time.monotonic() - started < 1  # the pool would take 1 s each
    health = Client().get("/healthz")
    assert (health.status_code, health.json()["database"]) == (503, "unavailable")
