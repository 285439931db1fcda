"""Answers to the featured reader question, in the discussion itself: a marker on
each answer and an "Answers to the reader question" filter beside the sort options,
in the same views and templates, at a constant number of queries."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.questions import services as qs
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.helpers import _article_with_comments, drawn_afresh, html_of
from tests.comments.questions.factories import ReaderQuestionFactory

pytestmark = pytest.mark.django_db

MARKER = '<span class="badge badge-answer">Answer to the reader question</span>'
HTMX = {"HTTP_HX_REQUEST": "true"}


def card_of(html: str, comment: Comment) -> str:
    """The <article> card of one comment in the page."""
    start = html.index(f'<li id="comment-{comment.pk}">')
    return html[start : html.index("</article>", start)]


def feature_with_answers(article, count: int = 1) -> tuple:
    question = qs.question_feature(question=ReaderQuestionFactory(article=article))
    answers = CommentFactory.create_batch(count, article=article, body="An answer.")
    question.answers.add(*answers)
    return question, answers


@pytest.fixture
def scene(article):
    """A featured question, one answer with a reply, and a plain comment."""
    question, (answer,) = feature_with_answers(article)
    Comment.objects.filter(pk=answer.pk).update(body_html="<p>The answer.</p>")
    reply = CommentFactory(
        article=article, parent=answer, root=answer, depth=2, body="A reply to it."
    )
    plain = CommentFactory(article=article, body="Just a comment.")
    return question, answer, reply, plain


def test_an_answer_is_marked_in_the_discussion(client, scene):
    """The answer carries "Answer to the reader question"; other comments do not."""
    question, answer, reply, plain = scene
    html = html_of(client.get(question.article.get_absolute_url()))
    assert MARKER in card_of(html, answer)
    assert MARKER not in card_of(html, reply)
    assert MARKER not in card_of(html, plain)


def test_answers_to_an_earlier_question_lose_the_marker(client, scene, article):
    """Only the featured question's answers are marked: featuring another question
    leaves the old answers as ordinary comments."""
    question, answer, reply, plain = scene
    qs.question_feature(question=ReaderQuestionFactory(article=article))
    html = html_of(client.get(article.get_absolute_url()))
    assert MARKER not in html


def test_filter_shows_only_the_answers_with_their_replies(client, scene):
    question, answer, reply, plain = scene
    url = question.article.get_absolute_url()
    html = html_of(client.get(url))
    assert (
        '<nav class="discussion-sort discussion-filter" aria-label="Show comments">'
        in html
    )
    assert (
        '<a href="?cfilter=answers#discussion">Answers to the reader question</a>'
        in html
    )
    assert '<a href="?#discussion" aria-current="true">All comments</a>' in html

    html = html_of(client.get(url, {"cfilter": "answers"}))
    assert "The answer." in html and "A reply to it." in html
    assert "Just a comment." not in html
    assert (
        '<a href="?cfilter=answers#discussion" aria-current="true">'
        "Answers to the reader question</a>" in html
    )
    # Sorting keeps the filter; the filtered list says what it lists.
    assert 'href="?cfilter=answers&amp;csort=newest#discussion"' in html
    assert 'aria-label="Answers to the reader question"' in html


def test_filter_pages_and_loads_more_with_htmx(client, article, settings):
    """Pagination and htmx "More comments" stay within the answers."""
    settings.COMMENTS_PAGE_SIZE = 2
    question, answers = feature_with_answers(article, count=3)
    CommentFactory.create_batch(3, article=article, body="Not an answer.")
    html = html_of(client.get(article.get_absolute_url(), {"cfilter": "answers"}))
    assert html.count(MARKER) == 2 and "Not an answer." not in html
    more = re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "cfilter=answers" in more and "cpage=2" in more
    fragment = html_of(client.get(more, **HTMX))
    assert fragment.count(MARKER) == 1 and "Not an answer." not in fragment
    assert f'<li id="comment-{answers[2].pk}">' in fragment
    # Without JavaScript the same link is the next page of the article.
    nojs = re.search(r'rel="next" class="load-more" href="([^"]+)"', html).group(1)
    assert nojs.replace("&amp;", "&") == "?cfilter=answers&cpage=2#discussion"
    html = html_of(
        client.get(article.get_absolute_url(), {"cfilter": "answers", "cpage": 2})
    )
    assert html.count(MARKER) == 1 and "Not an answer." not in html


def test_no_answers_yet_says_so(client, article):
    qs.question_feature(question=ReaderQuestionFactory(article=article))
    CommentFactory(article=article, body="Not an answer.")
    html = html_of(client.get(article.get_absolute_url(), {"cfilter": "answers"}))
    assert "No answers to the reader question yet." in html
    assert "Not an answer." not in html


def test_without_a_featured_question_there_is_no_filter(client, article):
    """No question, nothing to filter: the link is absent and the parameter leads
    to the whole discussion."""
    CommentFactory(article=article, body="A plain comment.")
    html = html_of(
        client.get(article.get_absolute_url(), {"cfilter": "answers"}, follow=True)
    )
    assert "A plain comment." in html
    assert "Answers to the reader question" not in html


def test_answer_posted_from_the_slot_is_marked_for_its_author(
    client, article, reader, settings_no_first_hold
):
    """A reader answers from the slot and lands on their marked answer."""
    question = qs.question_feature(question=ReaderQuestionFactory(article=article))
    client.force_login(reader)
    response = client.post(
        reverse("comments:question_answer", args=[question.pk]),
        {"body": "My considered answer."},
        follow=True,
    )
    html = html_of(response)
    answer = Comment.objects.get(body="My considered answer.")
    assert MARKER in card_of(html, answer)
    # The card re-rendered by htmx (after "cancel" on the edit form) keeps it.
    card = html_of(client.get(reverse("comments:card", args=[answer.pk]), **HTMX))
    assert MARKER in card


def _queries(client, url: str) -> int:
    """Queries of an uncached render. (Signed-in pages are never cached, and
    clearing the cache would also drop the cached_db session: one query more.)"""
    if "_auth_user_id" not in client.session:
        cache.clear()
    drawn_afresh()
    with CaptureQueriesContext(connection) as context:
        html_of(client.get(url))
    return len(context)


def test_query_count_is_constant_with_the_marker_and_the_filter(client):
    """10 or 1,000 comments, answers among them, filtered or not, anonymous or
    signed in: the same number of queries, within the page budget of 15."""
    small, large = _article_with_comments(10), _article_with_comments(1000)
    for article in (small, large):
        question = qs.question_feature(question=ReaderQuestionFactory(article=article))
        question.answers.add(*article.comments.filter(parent=None)[:3])

    def counts() -> list[int]:
        return [
            _queries(client, article.get_absolute_url() + query)
            for query in ("", "?cfilter=answers")
            for article in (small, large)
        ]

    anonymous = counts()
    assert len(set(anonymous)) == 1 and anonymous[0] <= 15
    client.force_login(VerifiedUserFactory())
    signed_in = counts()
    assert len(set(signed_in)) == 1 and signed_in[0] <= 15
    client.force_login(UserFactory())  # unverified: no forms, same budget
    assert max(counts()) <= 15
