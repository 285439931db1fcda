"""Purging the shared cache by tag: what each purger sends, when, and what a failure
does (tests against a real local HTTP server that records the requests)."""

import datetime
import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from articles.cache import article_changed, article_version_key, edge_tags
from articles.models import Article
from articles.publishing import LAST_RUN_KEY, announce_due_articles
from core.edge import PURGE_MAX_ATTEMPTS, purge_tags
from tests.articles.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def varnish_purger(settings, recording_server):
    settings.EDGE_PURGER = "varnish"
    settings.VARNISH_PURGE_URLS = [recording_server.url, recording_server.url + "/"]
    return recording_server


def test_edge_tags_are_the_page_versions():
    """The shared cache's tags are the page-version map's keys, in CDN-safe spelling."""
    assert edge_tags([article_version_key(12), "page-version:listings"]) == [
        "article-12",
        "listings",
    ]


def test_varnish_purger_sends_one_purge_per_host_with_every_tag(varnish_purger):
    assert purge_tags.call(tags=["article-3", "listings"]) is True
    assert [(r.method, r.path) for r in varnish_purger.requests] == [
        ("PURGE", "/"),
        ("PURGE", "/"),
    ]
    assert varnish_purger.requests[0].headers["xkey-purge"] == "article-3 listings"


def test_fastly_purger_sends_surrogate_keys_to_the_purge_api(
    settings, recording_server
):
    """Fastly's documented bulk purge: POST /service/ID/purge, Fastly-Key, JSON keys."""
    settings.EDGE_PURGER = "fastly"
    settings.FASTLY_API_URL = recording_server.url
    settings.FASTLY_API_TOKEN = "fastly-token"
    settings.FASTLY_SERVICE_ID = "SU1Z0isxPaozGVKXdv0eY"
    tags = [f"article-{n}" for n in range(300)]
    assert purge_tags.call(tags=tags) is True
    first, second = recording_server.requests
    assert (first.method, first.path) == (
        "POST",
        "/service/SU1Z0isxPaozGVKXdv0eY/purge",
    )
    assert first.headers["Fastly-Key"] == "fastly-token"
    assert first.headers["Content-Type"] == "application/json"
    assert first.json() == {"surrogate_keys": tags[:256]}
    assert second.json() == {"surrogate_keys": tags[256:]}


def test_cloudflare_purger_sends_tags_to_the_purge_cache_api(
    settings, recording_server
):
    """Cloudflare's purge by tag: POST /zones/ID/purge_cache, a Bearer token, and
    at most 30 tags a call."""
    settings.EDGE_PURGER = "cloudflare"
    settings.CLOUDFLARE_API_URL = recording_server.url + "/client/v4"
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    settings.CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
    tags = [f"article-{n}" for n in range(31)]
    assert purge_tags.call(tags=tags) is True
    first, second = recording_server.requests
    assert (first.method, first.path) == (
        "POST",
        "/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache",
    )
    assert first.headers["Authorization"] == "Bearer cf-token"
    assert first.json() == {"tags": tags[:30]}
    assert second.json() == {"tags": tags[30:]}


def test_cloudflare_refusal_in_a_200_counts_as_a_failure(settings, recording_server):
    settings.EDGE_PURGER = "cloudflare"
    settings.CLOUDFLARE_API_URL = recording_server.url
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    settings.CLOUDFLARE_ZONE_ID = "zone"
    recording_server.body = b'{"success": false, "errors": [{"code": 1134}]}'
    assert purge_tags.call(tags=["site"], attempt=PURGE_MAX_ATTEMPTS) is False


def test_a_write_purges_its_tags_after_commit(
    varnish_purger, django_capture_on_commit_callbacks
):
    """Nothing is purged before the transaction commits; then the write's tags are."""
    article = ArticleFactory()
    varnish_purger.requests.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article_changed(article.pk)
    assert varnish_purger.requests == []
    for callback in callbacks:
        callback()
    assert varnish_purger.requests[0].headers["xkey-purge"] == (
        f"article-{article.pk} listings"
    )


def test_a_failed_purge_is_retried_and_logged_and_the_write_stands(
    settings, closed_port_url, caplog, client, django_capture_on_commit_callbacks
):
    """The Varnish host is down: the edit is saved, the page answers with it, and
    the purge was tried PURGE_MAX_ATTEMPTS times, each failure logged."""
    settings.EDGE_PURGER = "varnish"
    settings.VARNISH_PURGE_URLS = [closed_port_url]
    article = ArticleFactory(title="Before")
    client.get(article.get_absolute_url())
    with caplog.at_level(logging.WARNING, logger="core.edge"):
        with django_capture_on_commit_callbacks(execute=True):
            # An update, not save(): save() may queue work of its own that bumps
            # the article too; this test counts one purge's tries.
            Article.objects.filter(pk=article.pk).update(title="After the correction")
            article_changed(article.pk)
    article.refresh_from_db()
    assert article.title == "After the correction"
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "After the correction" in response.content.decode()
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == PURGE_MAX_ATTEMPTS - 1
    assert "failed for good" in caplog.records[-1].getMessage()


def test_without_a_purger_nothing_is_sent(settings, recording_server):
    settings.EDGE_PURGER = "none"
    settings.VARNISH_PURGE_URLS = [recording_server.url]
    article_changed(1)
    assert purge_tags.call(tags=["site"]) is False
    assert recording_server.requests == []


def test_pages_carry_the_tags_of_what_they_show(client):
    article = ArticleFactory()
    page = client.get(article.get_absolute_url())
    assert page["Surrogate-Key"] == f"article-{article.pk} site"
    assert page["Cache-Tag"] == f"article-{article.pk},site"
    home = Client().get("/")
    assert home["Surrogate-Key"] == "listings home site"
    section = Client().get(article.section.get_absolute_url())
    assert section["Surrogate-Key"] == f"listings section-{article.section_id} site"


def test_a_comment_count_purges_the_pages_its_teaser_is_on_and_no_others(
    varnish_purger, django_capture_on_commit_callbacks
):
    """A new approved comment changes its article's teaser (the count): its page,
    home, search, its section, tags and authors are purged; other sections' pages
    stay at the edge."""
    from comments.records import refresh_after_commit
    from tests.articles.factories import AuthorFactory, TagFactory

    article = ArticleFactory()
    tag, author = TagFactory(), AuthorFactory()
    article.tags.add(tag)
    article.authors.add(author)
    ArticleFactory()  # in a section of its own

    with django_capture_on_commit_callbacks(execute=True):
        refresh_after_commit(article.pk)

    purged = {
        tag_name
        for request in varnish_purger.requests
        for tag_name in request.headers["xkey-purge"].split()
    }
    assert purged == {
        f"article-{article.pk}",
        "home",
        "search",
        f"section-{article.section_id}",
        f"tag-{tag.pk}",
        f"author-{author.pk}",
    }


def test_signed_in_pages_carry_no_tags(client, user):
    article = ArticleFactory()
    client.force_login(user)
    response = client.get(article.get_absolute_url())
    assert "Surrogate-Key" not in response
    assert response["Cache-Control"] == "private, no-store"


def test_without_a_purger_shared_caches_keep_pages_a_minute(client):
    """Today's short lifetime stays when nothing would tell the CDN of a change."""
    article = ArticleFactory()
    control = client.get(article.get_absolute_url())["Cache-Control"]
    assert control == "public, max-age=0, s-maxage=60, stale-while-revalidate=30"


def test_with_a_purger_shared_caches_keep_pages_a_day_and_serve_stale_on_error(
    settings, client
):
    """Browsers still revalidate (max-age=0, ETag); the shared cache keeps the page."""
    settings.EDGE_PURGER = "varnish"
    settings.CDN_CACHE_SECONDS = 86400
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    assert first["Cache-Control"] == (
        "public, max-age=0, s-maxage=86400, stale-while-revalidate=30, "
        "stale-if-error=86400"
    )
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_anonymous_pages_are_served_compressed_as_stored(client):
    """Brotli where accepted, else gzip, else raw; each with its own ETag and
    `Vary: Accept-Encoding`, and a hit sends the stored bytes (no recompression)."""
    import gzip

    import brotli

    article = ArticleFactory()
    url = article.get_absolute_url()
    raw = client.get(url)
    assert "Content-Encoding" not in raw
    assert "Accept-Encoding" in raw["Vary"]
    gzipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.content) == raw.content
    br = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert (br["X-Page-Cache"], br["Content-Encoding"]) == ("HIT", "br")
    assert brotli.decompress(br.content) == raw.content
    assert len({raw["ETag"], gzipped["ETag"], br["ETag"]}) == 3
    refused = client.get(url, HTTP_ACCEPT_ENCODING="br;q=0, gzip")
    assert refused["Content-Encoding"] == "gzip"
    assert (
        client.get(
            url, HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=br["ETag"]
        ).status_code
        == 304
    )


def test_signed_in_pages_are_gzipped_with_breach_padding(client, user):
    """Personalised pages carry a CSRF token: Django's GZipMiddleware pads each one
    with random bytes, so the same page never compresses to the same length twice
    in a row for long (BREACH needs stable lengths)."""
    article = ArticleFactory()
    client.force_login(user)
    sizes = {
        len(client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip").content)
        for _ in range(5)
    }
    assert len(sizes) > 1


def test_a_page_rendered_across_a_change_is_not_left_to_the_shared_cache(
    settings, client, monkeypatch
):
    """A comment approved while the page renders: its purge may reach the shared
    cache before this older page does, and nothing would purge it after. So the page
    goes out with s-maxage=0, and the next request renders it afresh."""
    from articles.views import ArticleDetailView

    settings.EDGE_PURGER = "varnish"
    settings.VARNISH_PURGE_URLS = []
    settings.CDN_CACHE_SECONDS = 86400
    article = ArticleFactory()
    render = ArticleDetailView.get_context_data

    def render_while_a_change_lands(view, **kwargs):
        article_changed(article.pk)
        return render(view, **kwargs)

    monkeypatch.setattr(
        ArticleDetailView, "get_context_data", render_while_a_change_lands
    )
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=0"
    monkeypatch.setattr(ArticleDetailView, "get_context_data", render)
    fresh = client.get(article.get_absolute_url())
    assert fresh["X-Page-Cache"] == "MISS"
    assert "s-maxage=86400" in fresh["Cache-Control"]


def test_a_scheduled_article_coming_due_is_announced_once(
    varnish_purger, client, django_capture_on_commit_callbacks
):
    """No write marks the moment: the worker's periodic job bumps and purges its page
    and the listings, so a shared cache keeping the home page a day shows it."""
    now = timezone.now()
    cache.set(LAST_RUN_KEY, now - datetime.timedelta(seconds=15))
    article = ArticleFactory(
        status="scheduled",
        published_at=now - datetime.timedelta(seconds=1),
        title="Embargoed until now",
    )
    ArticleFactory(status="scheduled", published_at=now + datetime.timedelta(hours=1))
    ArticleFactory(published_at=now - datetime.timedelta(days=1))
    varnish_purger.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert announce_due_articles() == [article.pk]
    assert {r.headers["xkey-purge"] for r in varnish_purger.requests} == {
        f"article-{article.pk}",
        "listings",
    }
    assert "Embargoed until now" in client.get("/").content.decode()
    assert announce_due_articles() == []


def test_purges_are_queued_on_their_own_queue_after_commit(
    settings, django_capture_on_commit_callbacks
):
    """With the database backend, a purge waits in EDGE_PURGE_QUEUE for the worker
    that serves it (compose.yaml runs one that polls every 0.1 s)."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "edge"],
        }
    }
    settings.EDGE_PURGER = "varnish"
    settings.EDGE_PURGE_QUEUE = "edge"
    with django_capture_on_commit_callbacks(execute=True):
        article_changed(7)
        assert not DBTaskResult.objects.exists()
    queued = DBTaskResult.objects.get()
    assert (queued.queue_name, queued.args_kwargs["kwargs"]["tags"]) == (
        "edge",
        ["article-7", "listings"],
    )


def test_behind_a_purged_shared_cache_each_answer_is_checked_against_redis(
    settings, client
):
    """The per-process copy may be a second old; the shared cache would keep such an
    answer a day after the purge that asked for it. So with a purger every answer's
    versions are checked."""
    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    article = ArticleFactory()
    client.get(article.get_absolute_url())
    article_changed(article.pk)
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "HIT"  # no purger
    settings.EDGE_PURGER = "varnish"
    settings.VARNISH_PURGE_URLS = []
    article_changed(article.pk)
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "MISS"


@pytest.mark.django_db(transaction=True)
def test_the_purge_follows_the_new_versions(settings, monkeypatch):
    """The shared cache asks again the moment it has purged: by then our own cache
    must already hold the new versions, or it would answer with the old page (seen
    under load: a comment hidden at the edge for seconds)."""
    from articles.cache import get_versions
    from core import edge

    settings.EDGE_PURGER = "varnish"
    key = article_version_key(5)
    before = get_versions(key)
    seen_at_purge = []
    monkeypatch.setitem(
        edge.PURGERS, "varnish", lambda tags: seen_at_purge.append(get_versions(key))
    )
    article_changed(5)
    assert seen_at_purge and seen_at_purge[0] != before
    assert seen_at_purge[0] == get_versions(key)


def test_many_tags_go_to_varnish_in_purges_of_100(varnish_purger):
    """An author on 250 articles renamed: Varnish refuses headers over 8 KB."""
    tags = [f"article-{n}" for n in range(250)]
    assert purge_tags.call(tags=tags) is True
    per_host = varnish_purger.requests[: len(varnish_purger.requests) // 2]
    assert [len(r.headers["xkey-purge"].split()) for r in per_host] == [100, 100, 50]


def test_renaming_an_author_refreshes_the_pages_with_their_byline(
    admin_client, client, varnish_purger, django_capture_on_commit_callbacks
):
    """Bylines are on article pages, which a shared cache keeps a day: renaming an
    author refreshes (and purges) every article page that shows them."""
    from django.urls import reverse

    from tests.articles.factories import AuthorFactory

    author = AuthorFactory(name="Ann Onymous")
    article = ArticleFactory(authors=[author])
    unrelated = ArticleFactory()
    client.get(article.get_absolute_url())
    client.get(unrelated.get_absolute_url())
    varnish_purger.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:articles_author_change", args=[author.pk]),
            {"name": "Ann Known", "slug": author.slug, "role": author.role or ""},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    purged = {
        tag for r in varnish_purger.requests for tag in r.headers["xkey-purge"].split()
    }
    assert {f"article-{article.pk}", "listings"} <= purged
    assert f"article-{unrelated.pk}" not in purged
    page = client.get(article.get_absolute_url())
    assert page["X-Page-Cache"] == "MISS"
    assert "Ann Known" in page.content.decode()
    assert client.get(unrelated.get_absolute_url())["X-Page-Cache"] == "HIT"
