"""The master's warm-up before gunicorn forks (core/warmup.py, gunicorn.conf.py)."""

import gc

import pytest

from core.warmup import connect_worker, warm_up


@pytest.fixture
def _unfreeze_afterwards():
    yield
    gc.unfreeze()


@pytest.mark.django_db
@pytest.mark.usefixtures("_unfreeze_afterwards")
def test_warm_up_loads_what_a_first_request_would_and_asks_no_database(
    settings, django_assert_num_queries
):
    """Templates compiled, URL patterns and modules loaded, one request served; and
    no query, so no database connection for the forked workers to share."""
    settings.DEBUG = False
    with django_assert_num_queries(0):
        report = warm_up()
    assert report["robots_status"] == 200
    assert report["templates"] > 100
    assert report["modules"] > 50
    assert report["url_patterns"] > 20
    assert gc.get_freeze_count() > 0


@pytest.mark.django_db
def test_a_new_worker_serves_itself_the_home_page(django_assert_max_num_queries):
    """post_worker_init: a cache connection and one home page before any reader."""
    from tests.articles.factories import ArticleFactory

    ArticleFactory()
    with django_assert_max_num_queries(15):
        connect_worker()
