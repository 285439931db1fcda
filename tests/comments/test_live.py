"""The live discussion: the poll's answer before and after a new comment, its
caching, and the cards "show them" inserts (comments/live.py, live_views.py)."""

import json
import re

import pytest
from django.urls import reverse

from comments import services
from comments.moderation.decisions import comment_approve
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.moderation.helpers import moderator

pytestmark = pytest.mark.django_db


def live_url(article) -> str:
    return reverse("comments:live", kwargs={"article_id": article.pk})


def cards_url(article, *ids) -> str:
    url = reverse("comments:live_comments", kwargs={"article_id": article.pk})
    return f"{url}?ids={','.join(str(pk) for pk in ids)}"


def poll(client, article):
    response = client.get(live_url(article))
    assert response.status_code == 200
    return response, json.loads(response.content)


def post(article, body, *, parent=None, trusted=True, capture):
    """A reader's comment through the rules, its commit's page refresh run."""
    with capture(execute=True):
        return services.comment_create(
            article=article,
            author=VerifiedUserFactory(trusted=trusted),
            body=body,
            parent=parent,
        )


def test_a_new_comment_changes_the_answer_at_once(
    client, django_capture_on_commit_callbacks
):
    """Before: no comments, and a second poll is a cache hit. After a comment is
    published: a new version, the count, and the comment listed, on the next poll."""
    article = ArticleFactory()
    response, before = poll(client, article)
    assert before["count"] == 0 and before["recent"] == []
    assert poll(client, article)[0]["X-Page-Cache"] == "HIT"

    comment = post(
        article, "Breaking: a comment.", capture=django_capture_on_commit_callbacks
    )

    response, after = poll(client, article)
    assert response["X-Page-Cache"] == "MISS"
    assert after["version"] != before["version"]
    assert after["count"] == 1
    assert after["recent"] == [[comment.pk, None]]


def test_a_reply_is_listed_with_its_parent_newest_first(
    client, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    capture = django_capture_on_commit_callbacks
    first = post(article, "The first thread.", capture=capture)
    reply = post(article, "A reply to it.", parent=first, capture=capture)
    _, state = poll(client, article)
    assert state["recent"] == [[reply.pk, first.pk], [first.pk, None]]
    assert state["count"] == 2


def test_a_held_comment_changes_nothing_until_a_moderator_approves_it(
    client, django_capture_on_commit_callbacks
):
    """Held comments are nobody's news; approved an hour later, one is new then."""
    article = ArticleFactory()
    capture = django_capture_on_commit_callbacks
    older = post(article, "Published at once.", capture=capture)
    held = post(article, "Held for review.", trusted=False, capture=capture)
    assert held.status == "pending"
    _, before = poll(client, article)
    assert before["recent"] == [[older.pk, None]]

    newer = post(article, "Published after the held one.", capture=capture)
    with capture(execute=True):
        comment_approve(comment=held, moderator=moderator())

    _, after = poll(client, article)
    assert after["version"] != before["version"]
    # Approved last: listed first, although it was posted before `newer`.
    assert [pk for pk, _ in after["recent"]] == [held.pk, newer.pk, older.pk]


def test_the_answer_is_a_public_cached_response_with_the_articles_tags(client):
    """Like the article page: shared-cacheable, tagged for the purge, with an ETag
    that answers a repeated poll with 304 and no body."""
    article = ArticleFactory()
    response, _ = poll(client, article)
    assert response["Content-Type"] == "application/json"
    assert response["Surrogate-Key"] == f"article-{article.pk}"
    assert "public" in response["Cache-Control"]
    assert "s-maxage" in response["Cache-Control"]
    assert "Set-Cookie" not in response
    again = client.get(live_url(article), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_a_cached_poll_asks_the_database_nothing(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    for number in range(3):
        post(article, f"Comment {number}.", capture=django_capture_on_commit_callbacks)
    poll(client, article)
    with django_assert_num_queries(0):
        poll(client, article)


def test_the_first_poll_of_a_page_has_the_pages_version(client):
    """The page carries the version it was drawn from, so the script knows the
    comments of the first answer are already on it."""
    article = ArticleFactory()
    CommentFactory(article=article)
    page = client.get(article.get_absolute_url()).content.decode()
    shown = re.search(r'data-live-version="([^"]+)"', page).group(1)
    _, state = poll(client, article)
    assert state["version"] == shown


def test_signed_in_readers_page_carries_the_same_version(client, reader):
    article = ArticleFactory()
    _, state = poll(client, article)
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'data-live-version="{state["version"]}"' in page


def test_without_javascript_a_link_refreshes_the_same_view(client):
    article = ArticleFactory()
    CommentFactory(article=article)
    page = client.get(article.get_absolute_url() + "?csort=newest").content.decode()
    refresh = reverse("comments:live_refresh", kwargs={"article_id": article.pk})
    link = f"{refresh}?csort=newest#discussion"
    assert f'<a href="{link}">Refresh discussion</a>' in page
    assert 'aria-live="polite"' in page
    # A different address from the page's (a link to the page itself would only
    # scroll), sending the reader back to the same view, loaded again.
    response = client.get(link.split("#")[0])
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?csort=newest"


def test_an_unpublished_article_has_no_live_answer(client):
    draft = ArticleFactory(status="draft")
    assert client.get(live_url(draft)).status_code == 404
    assert client.get(cards_url(draft, 1)).status_code == 404


def test_show_them_returns_the_new_comments_cards_in_place_order(
    client, django_capture_on_commit_callbacks
):
    """Each card comes in a list naming its parent (none for a new thread), oldest
    first so that a parent comes before its replies."""
    article = ArticleFactory()
    capture = django_capture_on_commit_callbacks
    thread = post(article, "A new thread.", capture=capture)
    reply = post(article, "A new reply.", parent=thread, capture=capture)
    # Any other spelling of the ids is sent to the one the cache keeps.
    response = client.get(cards_url(article, reply.pk, thread.pk), follow=True)
    [(canonical, status)] = response.redirect_chain
    assert (status, canonical.split("?")[1]) == (302, f"ids={thread.pk}%2C{reply.pk}")
    html = response.content.decode()
    assert html.index(f'id="comment-{thread.pk}"') < html.index(
        f'id="comment-{reply.pk}"'
    )
    assert '<ol class="live-new" data-live-parent="">' in html
    assert f'<ol class="live-new" data-live-parent="{thread.pk}">' in html
    assert "A new reply." in html


def test_show_them_leaves_out_what_is_not_published_on_this_article(
    client, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    capture = django_capture_on_commit_callbacks
    held = post(article, "Still held.", trusted=False, capture=capture)
    elsewhere = CommentFactory(body="On another article.")
    shown = post(article, "Published.", capture=capture)
    html = client.get(cards_url(article, held.pk, elsewhere.pk, shown.pk)).content
    assert b"Published." in html
    assert b"Still held." not in html
    assert b"On another article." not in html


@pytest.mark.parametrize("ids", ["", "abc", "1,,2", "-1", "١٢", "1_000", "9" * 30])
def test_show_them_refuses_ids_it_cannot_read(client, ids):
    article = ArticleFactory()
    url = reverse("comments:live_comments", kwargs={"article_id": article.pk})
    assert client.get(url, {"ids": ids}).status_code == 400


def test_show_them_is_cached_for_anonymous_readers_and_personal_when_signed_in(
    client, reader, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    comment = post(
        article, "Worth a reply.", capture=django_capture_on_commit_callbacks
    )
    assert client.get(cards_url(article, comment.pk))["X-Page-Cache"] == "MISS"
    anonymous = client.get(cards_url(article, comment.pk))
    assert anonymous["X-Page-Cache"] == "HIT"
    assert b"Reply" not in anonymous.content
    client.force_login(reader)
    signed_in = client.get(cards_url(article, comment.pk))
    assert "private" in signed_in["Cache-Control"]
    assert b"Reply<span" in signed_in.content


def test_the_article_page_keeps_its_query_count_with_the_live_notice(
    client, django_assert_max_num_queries
):
    """The notice reads the page's version and the settings in memory: no query."""
    article = ArticleFactory()
    for _ in range(30):
        CommentFactory(article=article)
    with django_assert_max_num_queries(15):
        page = client.get(article.get_absolute_url())
    assert b'id="live-discussion"' in page.content


# --- The moderators' queue -------------------------------------------------------

QUEUE = "/admin/comments/comment/moderation/"


def queue_since(client) -> str:
    page = client.get(QUEUE).content.decode()
    return re.search(r'data-live-since="([^"]+)"', page).group(1)


def test_the_queue_announces_what_came_in_since_the_page_was_drawn(
    client, django_capture_on_commit_callbacks
):
    """Before: nothing new. After a comment is held: its id and the new counts."""
    article = ArticleFactory()
    capture = django_capture_on_commit_callbacks
    waiting = post(article, "Held before the page.", trusted=False, capture=capture)
    client.force_login(moderator())
    since = queue_since(client)
    before = client.get(QUEUE, {"live": "state", "since": since}).json()
    assert before == {
        "counts": {
            "pending": 1,
            "held": 1,
            "approved": 0,
            "rejected": 0,
            "reported": 0,
        },
        "new": [],
    }
    held = post(article, "Held after the page.", trusted=False, capture=capture)
    after = client.get(QUEUE, {"live": "state", "since": since}).json()
    assert after["new"] == [held.pk]
    assert after["counts"]["pending"] == 2
    assert waiting.pk not in after["new"]


def test_a_reported_comment_is_new_in_the_reported_tab(client, reader):
    comment = CommentFactory(body="Reported later.")
    client.force_login(moderator())
    page = client.get(QUEUE, {"tab": "reported"}).content.decode()
    since = re.search(r'data-live-since="([^"]+)"', page).group(1)
    services.report_create(comment=comment, user=reader, reason="spam", note="")
    state = client.get(
        QUEUE, {"tab": "reported", "live": "state", "since": since}
    ).json()
    assert state["new"] == [comment.pk]


def test_show_them_in_the_queue_returns_the_items_to_decide(
    client, django_capture_on_commit_callbacks
):
    held = post(
        ArticleFactory(),
        "Held for a moderator.",
        trusted=False,
        capture=django_capture_on_commit_callbacks,
    )
    client.force_login(moderator())
    html = client.get(QUEUE, {"live": "items", "ids": str(held.pk), "page": "2"})
    html = html.content.decode()
    assert f'id="mod-item-{held.pk}"' in html
    assert "Held for a moderator." in html
    assert 'name="page" value="2"' in html
    assert ">Approve</button>" in html


@pytest.mark.parametrize(
    "params",
    [
        {"live": "state"},
        {"live": "state", "since": "yesterday"},
        {"live": "items", "ids": "1,x"},
        {"live": "everything"},
    ],
)
def test_the_queue_refuses_questions_it_cannot_read(client, params):
    client.force_login(moderator())
    assert client.get(QUEUE, params).status_code == 400


def test_the_live_queue_is_for_moderators_only(client, reader):
    client.force_login(reader)
    response = client.get(QUEUE, {"live": "state", "since": "2026-01-01T00:00:00Z"})
    assert response.status_code != 200


# --- Through the shared cache -----------------------------------------------------


@pytest.fixture
def varnish(live_server, tmp_path, settings):
    """The shipped VCL in a real Varnish in front of the live server, purged by
    the app (tests/edge/varnish.py)."""
    import urllib.parse

    from tests.edge.varnish import Varnish

    origin_port = urllib.parse.urlsplit(live_server.url).port
    edge = Varnish(tmp_path, origin_port)
    edge.start()
    settings.EDGE_PURGER = "varnish"
    settings.VARNISH_PURGE_URLS = [edge.url]
    settings.CDN_CACHE_SECONDS = 86400
    yield edge
    edge.stop()


def through(edge, path) -> tuple[str, dict]:
    import urllib.request

    with urllib.request.urlopen(edge.url + path, timeout=10) as response:  # noqa: S310
        return response.headers["X-Cache"], json.loads(response.read())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_through_varnish_the_poll_is_a_hit_until_a_comment_is_published(varnish):
    """Every open tab's poll is answered by Varnish; a published comment purges
    the article's tag, so the next poll shows it."""
    article = ArticleFactory()
    path = live_url(article)
    assert through(varnish, path)[0] == "MISS"
    state, before = through(varnish, path)
    assert state == "HIT" and before["recent"] == []
    comment = services.comment_create(
        article=article, author=VerifiedUserFactory(trusted=True), body="Live."
    )
    state, after = through(varnish, path)
    assert state == "MISS"
    assert after["recent"] == [[comment.pk, None]]
    assert through(varnish, path)[0] == "HIT"


def test_an_editors_pick_of_an_old_comment_is_not_announced_as_new(
    client, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    old = post(article, "An old comment.", capture=django_capture_on_commit_callbacks)
    newer = post(article, "A newer one.", capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_pick(comment=old, moderator=moderator())
    _, answer = poll(client, article)
    assert [pk for pk, _ in answer["recent"]] == [newer.pk, old.pk]
