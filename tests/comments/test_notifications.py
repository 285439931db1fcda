"""Reply, pick and rejection emails go out as tasks, once, with a way to stop them."""

import pytest
from django.core import mail
from django.urls import reverse

from comments import services
from tests.comments.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(db):
    return (
        VerifiedUserFactory(trusted=True, display_name="Olga Original"),
        VerifiedUserFactory(trusted=True, display_name="Rui Replier"),
    )


def test_reply_sends_one_email_with_a_link_and_a_stop_link(client, article, people):
    original, replier = people
    top = services.comment_create(article=article, author=original, body="Top.")
    reply = services.comment_create(
        article=article, author=replier, body="I *disagree*.", parent=top
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [original.email]
    assert "Rui Replier replied to your comment" in message.subject
    assert f"/discussion/comment/{reply.pk}/" in message.body
    assert "I *disagree*." in message.body
    assert message.alternatives[0][0].count("<em>disagree</em>") == 1
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    stop_url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert stop_url in message.body
    # Approving again (or a retried task) does not send a second email.
    services.comment_approve(comment=reply)
    from comments.tasks import send_reply_notification

    send_reply_notification.call(reply.pk)
    assert len(mail.outbox) == 1
    # One click turns reply emails off.
    client.post(stop_url.replace("http://127.0.0.1:8000", ""))
    original.refresh_from_db()
    assert not original.notify_on_reply
    services.comment_create(article=article, author=replier, body="Again.", parent=top)
    assert len(mail.outbox) == 1


def test_no_email_for_own_reply_or_when_turned_off(article, people):
    original, replier = people
    top = services.comment_create(article=article, author=original, body="Top.")
    services.comment_create(article=article, author=original, body="Me.", parent=top)
    assert mail.outbox == []
    original.notify_on_reply = False
    original.save()
    services.comment_create(article=article, author=replier, body="You.", parent=top)
    assert mail.outbox == []


def test_held_reply_notifies_when_approved(article, people):
    original, _ = people
    newcomer = VerifiedUserFactory()
    top = services.comment_create(article=article, author=original, body="Top.")
    reply = services.comment_create(
        article=article, author=newcomer, body="First!", parent=top
    )
    assert reply.status == "pending" and mail.outbox == []
    services.comment_approve(comment=reply)
    assert len(mail.outbox) == 1


def test_editors_pick_and_rejection_emails(article, people):
    original, replier = people
    comment = services.comment_create(article=article, author=original, body="Good.")
    services.comment_pick(comment=comment)
    assert "is an editor's pick" in mail.outbox[-1].subject
    services.comment_pick(comment=comment)  # already picked: no second email
    assert len(mail.outbox) == 1
    other = services.comment_create(article=article, author=replier, body="Bad.")
    services.comment_reject(comment=other, reason="off-topic", note="Stay on topic.")
    assert "was not published" in mail.outbox[-1].subject
    assert "Off topic" in mail.outbox[-1].body
    assert "Stay on topic." in mail.outbox[-1].body


def test_stop_link_is_signed(client, people):
    url = reverse("comments:stop_replies", kwargs={"token": f"{people[0].pk}:forged"})
    assert client.get(url).status_code == 400
    people[0].refresh_from_db()
    assert people[0].notify_on_reply


def test_email_subjects_are_plain_text_not_html_escaped(article, people):
    """A subject is plain text: "O'Brien & Co" must not arrive HTML-escaped."""
    original, replier = people
    replier.display_name = "O'Brien & Co"
    replier.save()
    top = services.comment_create(article=article, author=original, body="Top.")
    services.comment_create(article=article, author=replier, body="Hi.", parent=top)
    assert mail.outbox[0].subject.startswith("O'Brien & Co replied")
