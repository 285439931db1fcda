"""A discussion that serves the story (issue 17): a first page of about 20 threads,
a few replies per thread with the rest behind "Show N more replies" (the thread's own
page without JavaScript, in place with htmx), and a reader's held comments named at
the top of the discussion whatever the sort and page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments import conf, views
from comments.models import Comment
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.helpers import _article_with_comments, drawn_afresh, post_url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def thread_with_replies(article, count: int, **top_fields):
    start = timezone.now() - datetime.timedelta(hours=2)
    top = CommentFactory(article=article, created=start, body="The root.", **top_fields)
    replies = [
        CommentFactory(
            article=article,
            parent=top,
            root=top,
            depth=2,
            created=start + datetime.timedelta(minutes=i + 1),
            body=f"Reply number {i}.",
        )
        for i in range(count)
    ]
    return top, replies


def test_the_first_page_shows_about_twenty_threads():
    """The discussion's own default: 20 threads a page, 3 replies each."""
    assert conf.DEFAULTS["COMMENTS_PAGE_SIZE"] == 20
    assert conf.DEFAULTS["COMMENTS_REPLIES_SHOWN"] == 3


def test_the_deployment_keeps_the_discussions_first_page_size(settings):
    assert settings.COMMENTS_PAGE_SIZE == conf.DEFAULTS["COMMENTS_PAGE_SIZE"]


def test_replies_past_the_first_three_wait_behind_a_link(client, article):
    top, replies = thread_with_replies(article, 7)
    page = html(client.get(article.get_absolute_url()))
    for reply in replies[:3]:
        assert reply.body in page
    for reply in replies[3:]:
        assert reply.body not in page
    thread_url = reverse("comments:thread", kwargs={"pk": top.pk})
    assert f'href="{thread_url}"' in page
    assert "Show 4 more replies" in page


def test_a_thread_with_few_replies_has_no_link(client, article):
    top, replies = thread_with_replies(article, 3)
    page = html(client.get(article.get_absolute_url()))
    assert all(reply.body in page for reply in replies)
    assert "more repl" not in page


def test_one_more_reply_is_singular(client, article):
    thread_with_replies(article, 4)
    assert "Show 1 more reply<" in html(client.get(article.get_absolute_url()))


def test_the_threads_own_page_shows_every_reply_without_javascript(client, article):
    top, replies = thread_with_replies(article, 7)
    page = html(client.get(reverse("comments:thread", kwargs={"pk": top.pk})))
    assert "<html" in page and article.title in page
    assert top.body in page
    assert all(reply.body in page for reply in replies)
    assert "more repl" not in page
    # Asked through one of its replies, it is the same thread.
    again = html(client.get(reverse("comments:thread", kwargs={"pk": replies[5].pk})))
    assert all(reply.body in again for reply in replies)


def test_with_htmx_the_thread_comes_as_its_list_item_to_swap_in_place(client, article):
    top, replies = thread_with_replies(article, 7)
    response = client.get(reverse("comments:thread", kwargs={"pk": top.pk}), **HTMX)
    fragment = html(response)
    assert fragment.startswith(f'<li id="comment-{top.pk}">')
    assert "<html" not in fragment
    assert all(reply.body in fragment for reply in replies)
    assert "HX-Request" in response["Vary"]


def test_the_thread_page_hides_what_the_reader_may_not_see(client, article):
    """A held root is its author's alone; a held reply likewise."""
    held_root = CommentFactory(article=article, status=Comment.Status.PENDING)
    url = reverse("comments:thread", kwargs={"pk": held_root.pk})
    assert client.get(url).status_code == 404
    client.force_login(held_root.author)
    assert client.get(url).status_code == 200
    client.logout()
    top, _ = thread_with_replies(article, 1)
    hidden = CommentFactory(
        article=article,
        parent=top,
        root=top,
        depth=2,
        status=Comment.Status.PENDING,
        body="Not yet.",
    )
    page = html(client.get(reverse("comments:thread", kwargs={"pk": top.pk})))
    assert hidden.body not in page
    assert client.get(reverse("comments:thread", kwargs={"pk": 999999})).status_code
    assert client.get("/discussion/comment/999999/thread/").status_code == 404


def test_a_permalink_to_a_collapsed_reply_lands_on_the_threads_page(client, article):
    top, replies = thread_with_replies(article, 6)
    shown = client.get(reverse("comments:permalink", kwargs={"pk": replies[1].pk}))
    assert shown.url == f"{article.get_absolute_url()}#comment-{replies[1].pk}"
    hidden = client.get(reverse("comments:permalink", kwargs={"pk": replies[4].pk}))
    thread_url = reverse("comments:thread", kwargs={"pk": top.pk})
    assert hidden.url == f"{thread_url}#comment-{replies[4].pk}"
    assert f'id="comment-{replies[4].pk}"' in html(client.get(hidden.url))


def test_the_thread_page_costs_the_same_queries_however_long_the_thread(
    client, article, django_assert_max_num_queries
):
    short, _ = thread_with_replies(article, 2)
    long, _ = thread_with_replies(article, 200)
    reader = VerifiedUserFactory()
    for who in (None, reader):
        if who:
            client.force_login(who)
        counts = []
        for top in (short, long):
            url = reverse("comments:thread", kwargs={"pk": top.pk})
            with CaptureQueriesContext(connection) as context:
                html(client.get(url))
            counts.append(len(context))
        assert counts[0] == counts[1]
        with django_assert_max_num_queries(12):
            html(client.get(reverse("comments:thread", kwargs={"pk": long.pk})))


def test_article_page_query_count_stays_constant_with_collapsed_threads(
    client, django_assert_max_num_queries
):
    """Many replies per thread cost no query more (the window counts them)."""
    small, large = _article_with_comments(10), _article_with_comments(1000)
    reader = VerifiedUserFactory()
    for who in (None, reader):
        if who:
            client.force_login(who)
        counts = []
        for article in (small, large):
            drawn_afresh()
            with CaptureQueriesContext(connection) as context:
                html(client.get(article.get_absolute_url()))
            counts.append(len(context))
        assert counts[0] == counts[1] <= 15


# --- A reader's own held comment is never lost -------------------------------------


@pytest.fixture
def newcomer(db):
    """A verified reader whose first comment is held (no approved comment yet)."""
    return VerifiedUserFactory(display_name="Nadia New")


@pytest.fixture
def busy_article(article, settings):
    """Two pages of older threads: a new one lands last in the default order."""
    settings.COMMENTS_PAGE_SIZE = 2
    start = timezone.now() - datetime.timedelta(days=1)
    for i in range(5):
        CommentFactory(article=article, created=start + datetime.timedelta(minutes=i))
    return article


@pytest.mark.parametrize("sort", ["oldest", "newest", "recommended"])
def test_a_held_comment_is_named_at_the_top_whatever_the_sort(
    client, busy_article, newcomer, sort
):
    client.force_login(newcomer)
    response = client.post(post_url(busy_article), {"body": "My first words here."})
    comment = Comment.objects.get(body="My first words here.")
    assert comment.status == Comment.Status.PENDING
    landing = html(client.get(response.url))
    assert 'class="message message-info"' in landing  # not the green success
    assert "message-success" not in landing
    page = html(client.get(busy_article.get_absolute_url(), {"csort": sort}))
    notices = page.split('id="held-notices"')[1].split("</div>")[0]
    assert "Your comment of" in notices and "is awaiting review" in notices
    permalink = reverse("comments:permalink", kwargs={"pk": comment.pk})
    assert f'href="{permalink}"' in notices
    # The link finds it, wherever it is.
    landed = client.get(permalink)
    assert f'id="comment-{comment.pk}"' in html(client.get(landed.url))


def test_the_held_notice_is_the_authors_alone(client, busy_article, newcomer):
    client.force_login(newcomer)
    client.post(post_url(busy_article), {"body": "Mine, held."}, follow=True)
    client.force_login(VerifiedUserFactory())
    page = html(client.get(busy_article.get_absolute_url()))
    assert "is awaiting review" not in page
    client.logout()
    assert "held-notices" not in html(client.get(busy_article.get_absolute_url()))


def test_with_htmx_a_held_comment_joins_the_notice_at_once(
    client, busy_article, newcomer
):
    client.force_login(newcomer)
    data = {"body": "Held, in place."}
    fragment = html(client.post(post_url(busy_article), data, **HTMX))
    assert 'hx-swap-oob="afterbegin:#held-notices"' in fragment
    assert "Your comment of" in fragment
    assert "message-success" not in fragment


def test_a_published_comment_gets_no_held_notice(client, busy_article, newcomer):
    CommentFactory(author=newcomer)  # past the first-comment hold
    client.force_login(newcomer)
    data = {"body": "Straight in."}
    fragment = html(client.post(post_url(busy_article), data, **HTMX))
    assert "held-notices" not in fragment
    assert views.PUBLISHED in fragment


# --- htmx leftovers ----------------------------------------------------------------


def test_after_a_reply_no_banner_stays_under_the_parent(client, article, newcomer):
    """The reply shows its own state in its card; the slot under the parent keeps
    only a status line for screen readers, nothing on screen."""
    parent = CommentFactory(article=article)
    client.force_login(newcomer)
    fragment = html(
        client.post(
            post_url(article), {"body": "A held reply.", "parent": parent.pk}, **HTMX
        )
    )
    first = fragment.split("\n")[0]
    assert first.startswith('<span class="visually-hidden" role="status">')
    assert "Your reply is awaiting review" in first
    assert "message-success" not in fragment
    assert f'hx-swap-oob="beforeend:#replies-{parent.pk}"' in fragment


def test_after_a_report_the_card_no_longer_offers_report(client, article, newcomer):
    comment = CommentFactory(article=article)
    client.force_login(newcomer)
    page = html(client.get(article.get_absolute_url()))
    assert f'id="report-{comment.pk}" href=' in page
    url = reverse("comments:report", kwargs={"pk": comment.pk})
    fragment = html(client.post(url, {"reason": "spam"}, **HTMX))
    assert "Thank you" in fragment
    assert (
        f'<span class="action-done" id="report-{comment.pk}" data-hx-swap-oob="true">'
        "Reported</span>" in fragment
    )


def test_recommend_shows_no_zero_and_an_own_comment_has_no_empty_slot(
    client, article, newcomer
):
    other = CommentFactory(article=article)
    mine = CommentFactory(article=article, author=newcomer)
    client.force_login(newcomer)
    page = html(client.get(article.get_absolute_url()))
    card = page.split(f'id="comment-{other.pk}"')[1].split("</article>")[0]
    assert "Recommend<" in card and "reaction-count" not in card
    own = page.split(f'id="comment-{mine.pk}"')[1].split("</article>")[0]
    # The action row starts with its first action, as the others' rows do.
    assert '<footer class="comment-actions"><a class="action"' in own
