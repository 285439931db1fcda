"""The shipped VCL in a real Varnish, in front of the app (deploy/varnish/default.vcl).

A page is a MISS, then a HIT; each kind of write makes exactly the pages it affects
fresh on the next request through Varnish, and leaves the others cached; signed-in
readers and POSTs go through; tracking parameters share the page; PURGE is refused
to other addresses; with the origin gone, Varnish still serves what it holds.
"""

import gzip
import http.client
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.accounts.factories import VerifiedUserFactory
from tests.articles.factories import ArticleFactory, FaqItemFactory
from tests.edge.varnish import VCL, Relay, Varnish, varnish_or_skip

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_shipped_vcl_compiles(tmp_path):
    """varnishd -C: the VCL and its xkey import are valid for the installed Varnish."""
    binary = varnish_or_skip()
    result = subprocess.run(
        [binary, "-C", "-f", str(VCL), "-n", str(tmp_path / "n")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def edge(live_server, tmp_path_factory):
    """Varnish in front of the live server (through a relay the test can stop)."""
    origin_port = urllib.parse.urlsplit(live_server.url).port
    relay = Relay(origin_port)
    relay.start()
    varnish = Varnish(tmp_path_factory.mktemp("varnish"), relay.port)
    varnish.start()
    varnish.relay = relay
    yield varnish
    varnish.stop()
    relay.stop()


@pytest.fixture(autouse=True)
def _purging_varnish(settings, edge):
    settings.EDGE_PURGER = "varnish"
    settings.VARNISH_PURGE_URLS = [edge.url]
    settings.CDN_CACHE_SECONDS = 86400


def fetch(edge, path, *, method="GET", headers=None, body=None, source="127.0.0.1"):
    """One request to Varnish; returns (status, headers, decoded body)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", edge.port, timeout=10, source_address=(source, 0)
    )
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    content = response.read()
    if response.getheader("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    connection.close()
    return response.status, response.headers, content.decode(errors="replace")


def state(edge, path, **kwargs) -> str:
    return fetch(edge, path, **kwargs)[1]["X-Cache"]


def test_a_page_is_a_miss_then_a_hit_and_keeps_its_tags_to_itself(edge):
    article = ArticleFactory(title="Through the edge")
    url = article.get_absolute_url()
    status, headers, body = fetch(edge, url)
    assert (status, headers["X-Cache"]) == (200, "MISS")
    assert "Through the edge" in body
    status, headers, _ = fetch(edge, url, headers={"Accept-Encoding": "gzip"})
    assert (headers["X-Cache"], headers["Content-Encoding"]) == ("HIT", "gzip")
    assert "Surrogate-Key" not in headers and "xkey" not in headers
    assert "s-maxage=86400" in headers["Cache-Control"]
    _, headers, body = fetch(edge, url, headers={"Accept-Encoding": "br, gzip"})
    assert headers["Content-Encoding"] == "br"


def test_tracking_parameters_share_the_cached_page(edge):
    article = ArticleFactory()
    url = article.get_absolute_url()
    assert state(edge, url) == "MISS"
    assert state(edge, f"{url}?utm_source=newsletter&fbclid=abc123") == "HIT"


def _approved_comment(article, body="First!"):
    from comments.services import comment_create

    author = VerifiedUserFactory(trusted=True)
    return comment_create(article=article, author=author, body=body)


def _prime(edge, *paths):
    for path in paths:
        fetch(edge, path)
        assert state(edge, path) == "HIT"


def test_a_held_comment_purges_nothing(edge, settings):
    from comments.services import comment_create

    article = ArticleFactory()
    _prime(edge, article.get_absolute_url())
    comment = comment_create(
        article=article, author=VerifiedUserFactory(), body="Held back."
    )
    assert comment.status == "pending"
    assert state(edge, article.get_absolute_url()) == "HIT"


def _comment_edit(article, staff):
    from comments.posting import comment_edit

    comment = _approved_comment(article, "Speling.")
    return (
        lambda: comment_edit(comment=comment, user=comment.author, body="Spelling."),
        "Spelling.",
    )


def _pick(article, staff):
    from comments.moderation.decisions import comment_pick

    comment = _approved_comment(article, "A thoughtful comment.")
    return lambda: comment_pick(comment=comment, moderator=staff), "Editors' picks"


def _moderator_decision(article, staff):
    from comments.moderation.decisions import comment_approve
    from comments.services import comment_create

    held = comment_create(
        article=article, author=VerifiedUserFactory(), body="Held, then approved."
    )
    return (
        lambda: comment_approve(comment=held, moderator=staff),
        "Held, then approved.",
    )


def _featured_question(article, staff):
    from comments.questions.services import question_feature
    from tests.comments.questions.factories import ReaderQuestionFactory

    question = ReaderQuestionFactory(article=article, text="Who pays for the dam?")
    return lambda: question_feature(
        question=question, editor=staff
    ), "Who pays for the dam?"


def _faq_change(article, staff):
    faq = FaqItemFactory(article=article, question="When does it open?")

    def change():
        from articles.cache import article_changed

        faq.question = "When does it open, exactly?"
        faq.save()
        article_changed(article.pk)  # as the admin's save does

    return change, "When does it open, exactly?"


def _article_save(article, staff):
    def change():
        from articles.cache import article_changed

        article.standfirst = "A correction was made."
        article.save()
        article_changed(article.pk)

    return change, "A correction was made."


def _approved_comment_action(article, staff):
    return lambda: _approved_comment(
        article, "Fresh from the wire."
    ), "Fresh from the wire."


@pytest.mark.parametrize(
    ("prepare", "listings_refresh"),
    [
        (_approved_comment_action, True),
        (_comment_edit, False),
        (_pick, False),
        (_moderator_decision, True),
        (_featured_question, True),
        (_faq_change, True),
        (_article_save, True),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)).strip("_"),
)
def test_each_write_makes_exactly_its_pages_fresh(
    edge, staff_user, prepare, listings_refresh
):
    article = ArticleFactory()
    other = ArticleFactory()
    action, shown = prepare(article, staff_user)
    _prime(edge, article.get_absolute_url(), other.get_absolute_url(), "/")
    action()
    status, headers, body = fetch(edge, article.get_absolute_url())
    assert (status, headers["X-Cache"]) == (200, "MISS")
    assert shown in body
    assert state(edge, article.get_absolute_url()) == "HIT"
    assert state(edge, other.get_absolute_url()) == "HIT"
    assert state(edge, "/") == ("MISS" if listings_refresh else "HIT")


def test_a_signed_in_reader_is_never_served_from_varnish(edge, client):
    """A session cookie goes through to the app, every time, and gets its own page."""
    article = ArticleFactory()
    url = article.get_absolute_url()
    _prime(edge, url)
    reader = VerifiedUserFactory(display_name="Signed-in Sam")
    client.force_login(reader)
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken=x"
    for _ in range(2):
        status, headers, body = fetch(edge, url, headers={"Cookie": cookie})
        assert (status, headers["X-Cache"]) == (200, "MISS")
        assert "private" in headers["Cache-Control"]
    assert "Signed-in Sam" in body
    # Other cookies (csrftoken, analytics) do not split or bypass the cache.
    assert state(edge, url, headers={"Cookie": "csrftoken=abc; _ga=1"}) == "HIT"


def test_posts_go_through_to_the_app(edge):
    """A POST is never answered from the cache (here: the app's CSRF refusal)."""
    article = ArticleFactory()
    _prime(edge, article.get_absolute_url())
    status, headers, _ = fetch(edge, article.get_absolute_url(), method="POST", body="")
    assert headers["X-Cache"] == "MISS"
    assert status in (403, 405)


def test_purge_is_refused_from_other_addresses(edge):
    """The purgers ACL: 127.0.0.2 is another loopback address, not an allowed one."""
    article = ArticleFactory()
    url = article.get_absolute_url()
    _prime(edge, url)
    tag = {"xkey-purge": f"article-{article.pk}"}
    status, _, _ = fetch(edge, "/", method="PURGE", headers=tag, source="127.0.0.2")
    assert status == 403
    assert state(edge, url) == "HIT"
    status, _, _ = fetch(edge, "/", method="PURGE", headers=tag)
    assert status == 200
    assert state(edge, url) == "MISS"


def test_with_the_origin_gone_varnish_serves_what_it_holds(edge, settings):
    """Past the page's lifetime, with the origin refusing connections, readers
    still get the page (grace: stale-if-error), not an error."""
    settings.CDN_CACHE_SECONDS = 1
    article = ArticleFactory(title="Still standing")
    url = article.get_absolute_url()
    _prime(edge, url)
    edge.relay.stop()
    try:
        time.sleep(1.5)  # the page's lifetime is over
        for _ in range(3):
            status, headers, body = fetch(edge, url)
            assert (status, headers["X-Cache"]) == (200, "HIT")
            assert "Still standing" in body
    finally:
        edge.relay.start()
    # Back: within moments (Varnish may first try a connection it held from
    # before), pages come from the origin again.
    deadline = time.monotonic() + 5
    while fetch(edge, "/")[0] != 200:
        assert time.monotonic() < deadline, "the origin came back but Varnish 503s"
        time.sleep(0.1)


def test_with_the_origin_failing_varnish_serves_what_it_holds(
    edge, settings, monkeypatch, live_server
):
    """Past the page's lifetime, with the origin answering 503, readers still get
    the page Varnish holds, not the error."""
    from django.core.cache import cache
    from django.http import HttpResponse

    from articles.cache import article_version_key
    from articles.views import ArticleDetailView

    settings.CDN_CACHE_SECONDS = 1
    article = ArticleFactory(title="Still standing after a 503")
    url = article.get_absolute_url()
    _prime(edge, url)
    # The origin's own copy goes out of date (without a purge), and its view fails.
    cache.set(article_version_key(article.pk), "changed", timeout=None)
    monkeypatch.setattr(
        ArticleDetailView, "get", lambda *args, **kwargs: HttpResponse(status=503)
    )
    time.sleep(1.5)
    for _ in range(3):
        status, headers, body = fetch(edge, url)
        assert (status, headers["X-Cache"]) == (200, "HIT")
        assert "Still standing after a 503" in body
    with pytest.raises(urllib.error.HTTPError) as failure:  # the origin, asked itself
        urllib.request.urlopen(live_server.url + url, timeout=10)  # noqa: S310
    assert failure.value.code == 503


def test_a_page_rendered_across_a_change_is_not_kept(edge, monkeypatch):
    """The purge for a change made mid-render can reach Varnish before the page
    does: that page (s-maxage=0) is passed on, and the next request renders anew."""
    from articles.cache import article_changed
    from articles.views import ArticleDetailView

    article = ArticleFactory()
    url = article.get_absolute_url()
    render = ArticleDetailView.get_context_data

    def render_while_a_change_lands(view, **kwargs):
        article_changed(article.pk)
        return render(view, **kwargs)

    monkeypatch.setattr(
        ArticleDetailView, "get_context_data", render_while_a_change_lands
    )
    assert state(edge, url) == "MISS"
    monkeypatch.setattr(ArticleDetailView, "get_context_data", render)
    assert state(edge, url) == "MISS"
    assert state(edge, url) == "HIT"
