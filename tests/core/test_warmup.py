"""The master's warm-up before gunicorn forks (core/warmup.py, gunicorn.conf.py)."""

import gc
import os
import socket

import pytest
from django.core.handlers.wsgi import WSGIHandler

from articles.front_page import first_read_paths
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


@pytest.fixture
def _connections_kept_across_requests():
    """connect_worker's requests go through Django's WSGI handler, whose request
    signals close database connections: inside a test's transaction that would end
    the test's connection (the test client disconnects them the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_connections_kept_across_requests")
def test_a_new_worker_serves_itself_the_home_page_and_its_stories(
    django_assert_max_num_queries,
):
    """post_worker_init: a cache connection, the home page and the stories it leads
    with, each then in the worker's own copy, where its first readers find them."""
    from articles.page_cache import local_pages
    from tests.articles.factories import ArticleFactory

    articles = ArticleFactory.create_batch(3)
    with django_assert_max_num_queries(15 * 4):
        connect_worker()
    assert len(local_pages) == 1 + len(articles)
    assert {first_read_paths()[0]} <= {a.get_absolute_url() for a in articles}


@pytest.mark.django_db
@pytest.mark.usefixtures("_connections_kept_across_requests")
def test_a_worker_starts_even_when_its_pages_cannot_be_listed(settings, caplog):
    settings.WORKER_WARM_UP_PATHS = "articles.front_page.no_such_function"
    connect_worker()
    assert "could not list its pages" in caplog.text


def _sync_worker(access_log, **config_values):
    """A gunicorn sync worker as the master builds it, not forked, serving Django."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger
    from gunicorn.workers.sync import SyncWorker

    config = Config()
    config.set("accesslog", str(access_log))
    config.set("access_log_format", '"%(r)s" %(s)s %(b)s ua="%(a)s"')
    for name, value in config_values.items():
        config.set(name, value)
    listener = socket.create_server(("127.0.0.1", 0))
    worker = SyncWorker(0, os.getpid(), [listener], None, 30, config, Logger(config))
    worker.wsgi = WSGIHandler()  # get_wsgi_application() would set logging up again
    return worker


@pytest.mark.django_db
@pytest.mark.usefixtures("_connections_kept_across_requests")
def test_a_sync_workers_warm_up_goes_through_gunicorn_itself(tmp_path):
    """Given gunicorn's sync worker, the warm-up requests are parsed, served and
    written by the worker's own code (its access log shows them, as readers' are),
    so a reader's first request finds that code warm too."""
    from core.warmup import WARM_UP_AGENT
    from tests.articles.factories import ArticleFactory

    articles = ArticleFactory.create_batch(2)
    worker = _sync_worker(tmp_path / "access.log")
    try:
        connect_worker(worker)
    finally:
        worker.sockets[0].close()
    served = (tmp_path / "access.log").read_text().splitlines()
    paths = ["/", *(a.get_absolute_url() for a in articles)]
    assert len(served) == len(paths)
    for line in served:
        assert f'ua="{WARM_UP_AGENT}"' in line
        assert '" 200 ' in line
        path = line.split()[1]
        assert path in paths


@pytest.mark.django_db
@pytest.mark.usefixtures("_connections_kept_across_requests")
def test_a_worker_not_trusted_with_the_scheme_warms_up_through_django(
    tmp_path, settings, caplog
):
    """Behind a proxy whose address alone may say X-Forwarded-Proto, the socket
    pair's request is redirected to https: the worker says so and warms its pages
    through Django as before."""
    from articles.page_cache import local_pages
    from tests.articles.factories import ArticleFactory

    settings.SECURE_SSL_REDIRECT = True
    articles = ArticleFactory.create_batch(2)
    worker = _sync_worker(tmp_path / "access.log", forwarded_allow_ips="10.0.0.1")
    try:
        connect_worker(worker)
    finally:
        worker.sockets[0].close()
    assert "got 301 for /; warming through Django alone" in caplog.text
    assert len(local_pages) == 1 + len(articles)
