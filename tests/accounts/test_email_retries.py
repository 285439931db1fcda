"""Account emails (sign-up confirmation, password reset, login codes) are retried
with growing waits when the mail server fails, and never lost silently."""

import datetime
import logging
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tasks import send_account_email
from core import mail as email_retry
from tests.mail_backends import (
    DeferringImmediateBackend,
    FlakyMail,
    flaky_mail,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("flaky_mail")

EMAIL = {
    "subject": "Confirm your address",
    "body": "Follow the link.",
    "html": "<p>Follow the link.</p>",
    "from_email": "news@example.com",
    "to": ["jo@example.com"],
}


def waits() -> list[int]:
    """Seconds between each retry's enqueue and its run_after."""
    now = timezone.now()
    return [
        round((when - now) / datetime.timedelta(seconds=1), -1)
        for when in DeferringImmediateBackend.run_after
        if when is not None
    ]


def test_a_failed_send_is_retried_later_and_the_email_arrives_once():
    """Two failures: the task is queued again after 1 minute, then 5 minutes, and
    the third attempt delivers one email."""
    FlakyMail.failures = 2
    send_account_email.enqueue(**EMAIL)
    assert FlakyMail.attempts == 3
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Confirm your address"
    assert waits() == [60, 300]


def test_after_the_last_attempt_the_failure_is_logged(caplog):
    """A server that never answers: MAX_ATTEMPTS tries, then an error in the log
    naming the task; nothing raises into the caller."""
    FlakyMail.failures = 100
    with caplog.at_level(logging.WARNING, logger="core.mail"):
        send_account_email.enqueue(**EMAIL)
    assert FlakyMail.attempts == email_retry.MAX_ATTEMPTS
    assert mail.outbox == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "send_account_email" in errors[0].getMessage()
    assert waits() == list(email_retry.RETRY_DELAYS)


def test_a_permanent_refusal_is_not_retried():
    """The server refuses the address for good (550): asking again cannot help."""
    FlakyMail.failures = 1
    FlakyMail.error = smtplib.SMTPRecipientsRefused(
        {"jo@example.com": (550, b"No such mailbox")}
    )
    send_account_email.enqueue(**EMAIL)
    assert FlakyMail.attempts == 1
    assert DeferringImmediateBackend.run_after == [None]
