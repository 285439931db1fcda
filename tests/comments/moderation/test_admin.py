"""Admin bulk actions go through the services: counts and emails follow."""

import pytest
from django.core import mail
from django.urls import reverse

from comments import services
from comments.models import Comment, ModerationDecision
from tests.comments.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db


def act(client, action, comments, **fields):
    return client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": action, "_selected_action": [c.pk for c in comments], **fields},
    )


def test_changelist_filters_and_search(client, staff_user, article):
    services.comment_create(
        article=article, author=VerifiedUserFactory(), body="Findable words."
    )
    client.force_login(staff_user)
    url = reverse("admin:comments_comment_changelist")
    html = client.get(url, {"q": "Findable", "status__exact": "pending"}).content
    assert b"Findable words." in html


def test_bulk_approve_pick_reject_and_spam(
    client, staff_user, article, django_capture_on_commit_callbacks
):
    held = [
        services.comment_create(
            article=article, author=VerifiedUserFactory(), body=f"Held {i}."
        )
        for i in range(3)
    ]
    client.force_login(staff_user)
    act(client, "approve", held)
    article.refresh_from_db()
    assert article.comment_count == 3
    with django_capture_on_commit_callbacks(execute=True):
        act(client, "pick", held[:1])
    assert Comment.objects.get(pk=held[0].pk).is_editors_pick
    assert any("editor's pick" in m.subject for m in mail.outbox)
    act(client, "reject", held[1:2], confirm="yes", reason="off-topic")
    act(client, "mark_spam", held[2:])
    article.refresh_from_db()
    assert article.comment_count == 1
    assert ModerationDecision.objects.filter(moderator=staff_user).count() == 6


def test_bulk_reject_asks_the_reason_the_authors_are_told(client, staff_user, article):
    """No silent "other": the action asks for a reason, keeps the note on error,
    and rejects with the reason chosen."""
    held = [
        services.comment_create(
            article=article, author=VerifiedUserFactory(), body=f"Off topic {i}."
        )
        for i in range(2)
    ]
    client.force_login(staff_user)
    page = act(client, "reject", held).content.decode()
    assert 'name="reason"' in page and "Off topic 0." in page and "Off topic 1." in page
    assert Comment.objects.filter(status="pending").count() == 2

    page = act(client, "reject", held, confirm="yes", note="See the rules.")
    html = page.content.decode()
    assert services.REJECT_NEEDS_REASON in html
    assert "See the rules.</textarea>" in html
    assert Comment.objects.filter(status="pending").count() == 2

    act(
        client, "reject", held, confirm="yes", reason="off-topic", note="See the rules."
    )
    for comment in Comment.objects.filter(pk__in=[c.pk for c in held]):
        assert comment.status == "rejected"
        assert comment.rejection_reason == "off-topic"
        assert comment.moderator_note == "See the rules."
