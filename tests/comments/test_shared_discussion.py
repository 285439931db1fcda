"""Signed-in readers share what a page of the discussion shows to everyone
(threads.public_view), drawn once per change of the page; their own marks and their
own comments awaiting review are theirs alone (issue 17's signed-in budget)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, Reaction
from comments.moderation.decisions import comment_approve
from tests.articles.factories import ArticleFactory, SectionFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.helpers import drawn_afresh, html_of

pytestmark = pytest.mark.django_db


def _page(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        page = html_of(client.get(url))
    return page, len(queries)


def test_a_second_reader_gets_the_drawn_threads_and_still_their_own_marks(client):
    article = ArticleFactory()
    comments = CommentFactory.create_batch(5, article=article)
    first, second = VerifiedUserFactory(), VerifiedUserFactory()
    Reaction.objects.create(comment=comments[2], user=second)
    url = article.get_absolute_url()

    drawn_afresh()
    client.force_login(first)
    first_page, drawn = _page(client, url)
    client.force_login(second)
    second_page, shared = _page(client, url)

    # The featured question, the threads, their replies and the picks: not asked again.
    assert shared <= drawn - 4
    for comment in comments:
        assert comment.body in first_page and comment.body in second_page
    assert first_page.count('aria-pressed="true"') == 0
    assert second_page.count('aria-pressed="true"') == 1


def test_a_change_to_the_discussion_reaches_signed_in_readers_at_once(
    client, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    CommentFactory(article=article, body="The first word on it.")
    held = CommentFactory(
        article=article, body="Held, then published.", status=Comment.Status.PENDING
    )
    url = article.get_absolute_url()
    client.force_login(VerifiedUserFactory())
    assert "Held, then published." not in html_of(client.get(url))

    with django_capture_on_commit_callbacks(execute=True):
        comment_approve(comment=held)

    assert "Held, then published." in html_of(client.get(url))


def test_a_reader_with_a_comment_awaiting_review_sees_it_in_its_thread(client):
    """Their page is drawn for them alone: the shared threads do not hold it."""
    article = ArticleFactory()
    top = CommentFactory(article=article, body="A thread everyone sees.")
    reader = VerifiedUserFactory()
    CommentFactory(
        article=article,
        parent=top,
        root=top,
        depth=1,
        author=reader,
        body="My reply, still with the moderators.",
        status=Comment.Status.PENDING,
    )
    url = article.get_absolute_url()
    client.force_login(VerifiedUserFactory())
    assert "My reply, still with the moderators." not in html_of(client.get(url))

    client.force_login(reader)
    page = html_of(client.get(url))
    assert "A thread everyone sees." in page
    assert "My reply, still with the moderators." in page


def test_a_new_section_is_in_the_navigation_once_saved(
    client, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    client.force_login(VerifiedUserFactory())
    assert "Obituaries" not in html_of(client.get(article.get_absolute_url()))

    with django_capture_on_commit_callbacks(execute=True):
        SectionFactory(name="Obituaries", slug="obituaries")

    assert "Obituaries" in html_of(client.get(article.get_absolute_url()))
