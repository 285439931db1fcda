"""Rejected, with a way back: a comment rejected for a reason that can be mended
may be edited once within the window and sent back to the queue, marked and with
its rejected version kept; spam and abuse may not."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import Comment, ModerationDecision
from comments.rules import MEND_UNCHANGED, MEND_WINDOW_OVER, NOT_EDITABLE
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.moderation.helpers import moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return VerifiedUserFactory()


@pytest.fixture
def rejected(article, reader, django_capture_on_commit_callbacks):
    """An off-topic comment, held and then rejected by a moderator."""
    comment = CommentFactory(
        article=article,
        author=reader,
        status=Comment.Status.PENDING,
        body="What about the football last night?",
    )
    with django_capture_on_commit_callbacks(execute=True):  # the email goes
        services.comment_reject(
            comment=comment,
            moderator=moderator(),
            reason="off-topic",
            note="Keep to the sanctions debate, please.",
        )
    comment.refresh_from_db()
    return comment


def test_the_author_sees_why_and_until_when_and_is_emailed_a_link(
    client, article, reader, rejected
):
    assert rejected.mend_until is not None
    hours = (rejected.mend_until - timezone.now()).total_seconds() / 3600
    assert 23.9 < hours <= 24  # the default window
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Not published:</strong> Off topic. Keep to the sanctions debate" in page
    assert "You may mend it once and send it back for review until" in page
    assert f'href="/discussion/comment/{rejected.pk}/edit/"' in page
    assert ">Mend and resubmit</a>" in page
    (email,) = mail.outbox
    assert f"/discussion/comment/{rejected.pk}/edit/" in email.body
    assert "You may mend your comment once" in email.body


def test_mending_sends_it_back_marked_with_the_first_version_kept(
    client, reader, rejected
):
    client.force_login(reader)
    url = reverse("comments:edit", args=[rejected.pk])
    form = client.get(url).content.decode()
    assert "Mend your comment" in form and "Send it back for review" in form
    response = client.post(url, {"body": "Sanctions hurt the exporters first."})
    assert response.status_code == 302
    comment = Comment.objects.get(pk=rejected.pk)
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_rule == "resubmitted"
    assert comment.body == "Sanctions hurt the exporters first."
    assert comment.rejected_body == "What about the football last night?"
    assert comment.resubmitted_at is not None
    decision = ModerationDecision.objects.get(
        comment=comment, outcome=ModerationDecision.Outcome.RESUBMITTED
    )
    assert decision.reason == (
        "Mended after a rejection (Off topic) and sent back for review."
    )
    # and the moderator's change page shows both versions
    client.force_login(moderator())
    admin_page = client.get(
        reverse("admin:comments_comment_change", args=[comment.pk])
    ).content.decode()
    assert "What about the football last night?" in admin_page
    assert "Sanctions hurt the exporters first." in admin_page


def test_only_once(client, reader, rejected):
    client.force_login(reader)
    url = reverse("comments:edit", args=[rejected.pk])
    client.post(url, {"body": "Sanctions hurt the exporters first."})
    comment = Comment.objects.get(pk=rejected.pk)
    services.comment_reject(comment=comment, moderator=moderator(), reason="off-topic")
    comment.refresh_from_db()
    assert comment.mend_until is None
    response = client.get(url)
    assert NOT_EDITABLE in response.content.decode()


def test_an_unchanged_comment_is_not_sent_back(client, reader, rejected):
    client.force_login(reader)
    response = client.post(
        reverse("comments:edit", args=[rejected.pk]), {"body": rejected.body}
    )
    assert response.status_code == 400
    assert MEND_UNCHANGED in response.content.decode()
    assert Comment.objects.get(pk=rejected.pk).status == Comment.Status.REJECTED


def test_after_the_window_the_draft_is_kept_beside_the_reason(client, reader, rejected):
    Comment.objects.filter(pk=rejected.pk).update(
        mend_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(reader)
    response = client.post(
        reverse("comments:edit", args=[rejected.pk]), {"body": "Too late, mended."}
    )
    html = response.content.decode()
    assert MEND_WINDOW_OVER in html
    assert "Too late, mended." in html
    assert Comment.objects.get(pk=rejected.pk).status == Comment.Status.REJECTED


@pytest.mark.parametrize("reason", ["spam", "abuse", "misinformation", "other"])
def test_spam_abuse_and_the_rest_cannot_be_resubmitted(client, article, reader, reason):
    comment = CommentFactory(article=article, author=reader, status="pending")
    services.comment_reject(comment=comment, moderator=moderator(), reason=reason)
    comment.refresh_from_db()
    assert comment.mend_until is None
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Mend and resubmit" not in page
    with pytest.raises(services.CommentError):
        services.comment_edit(comment=comment, user=reader, body="Mended?")


def test_the_window_is_a_moderation_setting(article, reader, settings):
    settings.COMMENTS_MEND_WINDOW_HOURS = 0
    comment = CommentFactory(article=article, author=reader, status="pending")
    services.comment_reject(comment=comment, moderator=moderator(), reason="links")
    comment.refresh_from_db()
    assert comment.mend_until is None


def test_the_queue_marks_it_resubmitted_with_the_rejected_version(
    client, reader, rejected
):
    services.comment_edit(
        comment=rejected, user=reader, body="Sanctions hurt the exporters first."
    )
    client.force_login(moderator())
    html = client.get(reverse("admin:comments_moderation")).content.decode()
    item = html[html.index(f'id="mod-item-{rejected.pk}"') :]
    item = item[: item.index("</li>")]
    assert "Awaiting review · Resubmitted" in item
    assert "Sanctions hurt the exporters first." in item
    assert "The version that was rejected (off topic), mended and resubmitted" in item
    assert "What about the football last night?" in item
