"""Requests the pages were not built for get an answer, not a server error.

An edit link opened from an old tab, a forged or garbled selection in the moderation
queue, an id past the database's integers: each is refused with a reason.
"""

import datetime

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import Comment, ModerationDecision
from comments.moderation import queue as moderation
from core import admin_ids
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.moderation.helpers import held_comments, moderator

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HUGE = "99999999999999999999999"  # past a 64-bit integer


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


# --- Editing a comment that can no longer be edited ---------------------------------


@pytest.fixture
def author(client):
    user = VerifiedUserFactory()
    client.force_login(user)
    return user


def no_longer_editable(article, author, case: str) -> Comment:
    if case == "rejected":
        return CommentFactory(
            article=article,
            author=author,
            status=Comment.Status.REJECTED,
            rejection_reason=Comment.RejectionReason.OFF_TOPIC,
        )
    if case == "removed":
        return CommentFactory(
            article=article, author=author, status=Comment.Status.REMOVED
        )
    return CommentFactory(
        article=article,
        author=author,
        created=timezone.now() - datetime.timedelta(minutes=16),
    )


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("rejected", services.NOT_EDITABLE),
        ("removed", services.NOT_EDITABLE),
        ("past the edit window", services.EDIT_WINDOW_OVER),
    ],
)
def test_edit_page_of_a_comment_that_can_no_longer_be_edited_says_why(
    client, article, author, case, reason
):
    """An edit link from an old tab: the reason and a way back, no form to type
    into that could not be saved."""
    comment = no_longer_editable(article, author, case)
    url = reverse("comments:edit", kwargs={"pk": comment.pk})

    response = client.get(url)
    assert response.status_code == 403
    html = text(response)
    assert reason in html
    assert 'name="body"' not in html
    assert reverse("comments:permalink", kwargs={"pk": comment.pk}) in html

    # With htmx the fragment replaces the comment's card: htmx swaps 2xx only.
    response = client.get(url, headers=HTMX)
    assert response.status_code == 200
    assert reason in text(response) and 'name="body"' not in text(response)


def test_saving_an_edit_past_the_window_keeps_the_draft_beside_the_reason(
    client, article, author
):
    """The reader typed it: they may want to copy it into a new comment."""
    comment = no_longer_editable(article, author, "past the edit window")
    response = client.post(
        reverse("comments:edit", kwargs={"pk": comment.pk}),
        {"body": "My careful rewrite."},
    )
    assert response.status_code == 400
    assert services.EDIT_WINDOW_OVER in text(response)
    assert "My careful rewrite." in text(response)
    comment.refresh_from_db()
    assert comment.edited_at is None


# --- Bulk moderation with a forged or garbled selection ----------------------------


@pytest.mark.parametrize("bad", ["²", "٣x", HUGE, "-1", "9" * 5000])
def test_bulk_moderation_refuses_a_selection_it_cannot_read(client, article, bad):
    """ "²".isdigit() is true but int("²") fails, and an id past the database's
    integers fails in the query: both used to be a 500. Now a message, and not
    even the valid ids of the same selection are decided."""
    client.force_login(moderator())
    (held,) = held_comments(article, 1)
    response = client.post(
        reverse("admin:comments_moderation_bulk"),
        {"action": "approve", "selected": [str(held.pk), bad], "tab": "pending"},
        follow=True,
    )
    assert response.status_code == 200
    assert moderation.BAD_SELECTION in text(response)
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING
    assert not ModerationDecision.objects.filter(moderator__isnull=False).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "approve"}, moderation.NOTHING_SELECTED),
        ({"action": "launch", "selected": HUGE}, moderation.UNKNOWN_ACTION),
    ],
)
def test_bulk_moderation_says_what_is_missing(client, article, data, message):
    client.force_login(moderator())
    response = client.post(reverse("admin:comments_moderation_bulk"), data, follow=True)
    assert message in text(response)


@pytest.mark.parametrize("bad", ["²", HUGE])
def test_comment_admin_actions_refuse_a_selection_they_cannot_read(
    client, article, bad
):
    """The changelist's own actions (Django's admin filters the ticked ids with
    pk__in unchecked): a message, and nothing decided."""
    client.force_login(moderator())
    (held,) = held_comments(article, 1)
    response = client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "approve", "_selected_action": [held.pk, bad], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert admin_ids.BAD_SELECTION in text(response)
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING


# --- Ids past the database's integers ----------------------------------------------


def test_a_reply_to_a_parent_id_past_the_database_integers_is_404(client, article):
    client.force_login(VerifiedUserFactory())
    response = client.post(
        reverse("comments:post", kwargs={"article_id": article.pk}),
        {"body": "A reply to nothing.", "parent": HUGE},
    )
    assert response.status_code == 404
    assert not Comment.objects.exists()


@pytest.mark.parametrize("bad", ["²", HUGE, "-1", "<b>1</b>"])
def test_asking_from_a_forged_article_id_is_404(client, bad):
    client.force_login(VerifiedUserFactory())
    url = reverse("comments:question_ask")
    assert client.get(url, {"article": bad}).status_code == 404
    response = client.post(url, {"article": bad, "text": "Why is that so?"})
    assert response.status_code == 404


def test_asking_from_an_article_ties_the_question_to_it(client, article):
    reader = VerifiedUserFactory()
    client.force_login(reader)
    url = reverse("comments:question_ask")
    assert article.title in text(client.get(url, {"article": article.pk}))
    client.post(
        url,
        {
            "article": article.pk,
            "about_article": "on",
            "text": "What happens to the bridge next year?",
        },
    )
    question = reader.reader_questions.get()
    assert question.article == article


@pytest.mark.parametrize(("cpage", "expected"), [("²", 1), ("-1", 1), ("", 1)])
def test_discussion_page_number_that_is_not_a_page_is_the_first(
    rf, article, cpage, expected
):
    """Anything but a whole number from 1 is the first page (and the page cache
    redirects it there); the other parameters still apply."""
    from comments.discussion import discussion_for

    request = rf.get(article.get_absolute_url(), {"cpage": cpage, "csort": "newest"})
    request.user = VerifiedUserFactory()
    discussion = discussion_for(request, article)
    assert discussion.page == expected
    assert discussion.sort == "newest"


@pytest.mark.parametrize("cpage", ["2", "3", HUGE])
def test_discussion_page_past_the_last_is_404(rf, article, cpage):
    """A page past the last one is not found (past 10,000 it is read as 10,000,
    so the OFFSET stays small whatever the URL says)."""
    from comments.discussion import discussion_for

    CommentFactory(article=article)
    request = rf.get(article.get_absolute_url(), {"cpage": cpage})
    request.user = VerifiedUserFactory()
    with pytest.raises(Http404):
        discussion_for(request, article)
