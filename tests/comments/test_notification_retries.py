"""Reply, answered-question, pick and rejection emails are retried when the mail
server fails: the "notified" mark only sticks once the email has gone."""

import pytest
from django.core import mail

from comments import services
from comments.models import Comment
from comments.questions import services as qs
from comments.questions.models import ReaderQuestion
from comments.tasks import send_reply_notification
from core import mail as email_retry
from tests.comments.factories import VerifiedUserFactory
from tests.comments.questions.factories import ReaderQuestionFactory
from tests.mail_backends import (
    FlakyMail,
    flaky_mail,  # noqa: F401 - fixture
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("flaky_mail")]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(**kwargs)

    return run


@pytest.fixture
def thread(article, on_commit):
    original = VerifiedUserFactory(trusted=True)
    replier = VerifiedUserFactory(trusted=True, display_name="Rui Replier")
    top = on_commit(
        services.comment_create, article=article, author=original, body="Top."
    )
    return original, replier, top


def test_a_reply_email_that_fails_once_arrives_once(article, thread, on_commit):
    original, replier, top = thread
    FlakyMail.failures = 1
    reply = on_commit(
        services.comment_create,
        article=article,
        author=replier,
        body="No.",
        parent=top,
    )
    assert FlakyMail.attempts == 2
    assert [m.to for m in mail.outbox] == [[original.email]]
    reply.refresh_from_db()
    assert reply.reply_notified_at is not None
    send_reply_notification.call(reply.pk)  # a duplicate task sends nothing
    assert len(mail.outbox) == 1


def test_a_reply_email_that_never_went_is_not_marked_sent(article, thread, on_commit):
    """Every attempt failed: the reply is not marked notified, so a later run of the
    task (say, the moderator approves it again after an outage) still sends it."""
    original, replier, top = thread
    FlakyMail.failures = email_retry.MAX_ATTEMPTS
    reply = on_commit(
        services.comment_create,
        article=article,
        author=replier,
        body="No.",
        parent=top,
    )
    assert mail.outbox == []
    assert Comment.objects.get(pk=reply.pk).reply_notified_at is None
    assert send_reply_notification.call(reply.pk) is True
    assert [m.to for m in mail.outbox] == [[original.email]]


def test_an_answered_question_email_that_fails_once_arrives_once(
    article, staff_user, on_commit
):
    question = ReaderQuestionFactory(article=article, answer="It will mediate.")
    FlakyMail.failures = 1
    on_commit(qs.question_promote, question=question, editor=staff_user)
    assert [m.to for m in mail.outbox] == [[question.author.email]]
    question = ReaderQuestion.objects.get(pk=question.pk)
    assert question.asker_notified_at is not None


def test_an_answered_question_email_that_never_went_is_not_marked_sent(
    article, staff_user, on_commit
):
    from comments.questions.tasks import send_question_answered

    question = ReaderQuestionFactory(article=article, answer="It will mediate.")
    FlakyMail.failures = email_retry.MAX_ATTEMPTS
    on_commit(qs.question_promote, question=question, editor=staff_user)
    assert mail.outbox == []
    assert ReaderQuestion.objects.get(pk=question.pk).asker_notified_at is None
    assert send_question_answered.call(question.pk) is True
    assert len(mail.outbox) == 1


def test_pick_and_rejection_emails_that_fail_once_arrive(article, thread, on_commit):
    original, replier, top = thread
    FlakyMail.failures = 1
    on_commit(services.comment_pick, comment=top)
    assert [m.subject for m in mail.outbox if "editor's pick" in m.subject]
    other = on_commit(
        services.comment_create, article=article, author=replier, body="Bad."
    )
    FlakyMail.failures = 1
    on_commit(services.comment_reject, comment=other, reason="off-topic")
    assert len(mail.outbox) == 2
    assert "was not published" in mail.outbox[-1].subject
    assert mail.outbox[-1].to == [replier.email]
