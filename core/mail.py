"""Emails: one way to build them, and sending from tasks with retries.

`render_email` turns a template trio (`…_subject.txt`, `….txt`, `….html`) into a
RenderedEmail; `email_message` makes the multipart message every app sends.

Emails sent from background tasks are retried when the mail server fails.

DESIGN: "a failed send is retried, never blocks a request". A task wraps its send
in `send_with_retry`: when the SMTP server cannot be reached or refuses for now
(`smtplib.SMTPException` and other `OSError`s), the same task is queued again with
its arguments and `attempt + 1`, after a growing wait (RETRY_DELAYS), until
MAX_ATTEMPTS; the last failure is logged as an error. A permanent refusal of the
recipient (5xx) is not retried: the answer would not change.

A task that marks something "notified" before sending (so that a duplicate task
sends nothing) passes `undo`, which clears that mark after a failed send: the mark
only sticks once the email has gone, and the retry finds it clear. (A worker killed
in the middle of a send leaves the mark: as for newsletter deliveries, the message in
flight at a crash is the one that may be lost.)

Shared by accounts, comments and newsletter (newsletter issues have their own,
per-delivery retries in newsletter/sending.py).
"""

import datetime
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.base import Task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(template_prefix: str, context: dict) -> RenderedEmail:
    """`{prefix}_subject.txt`, `{prefix}.txt` and `{prefix}.html`, rendered; the
    subject on one line (a template's line breaks would fold the header)."""
    subject = render_to_string(f"{template_prefix}_subject.txt", context)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=render_to_string(f"{template_prefix}.txt", context),
        html=render_to_string(f"{template_prefix}.html", context),
    )


def email_message(
    rendered: RenderedEmail,
    *,
    to: list[str],
    headers: dict[str, str] | None = None,
    from_email: str | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """The text message with its HTML alternative (none if `html` is empty)."""
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=from_email,
        to=to,
        headers=headers or {},
        connection=connection,
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    return message


# Seconds to wait before attempt 2, 3, 4 and 5.
RETRY_DELAYS = (60, 300, 1800, 7200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# SMTPException is an OSError; both are named for the reader.
SEND_ERRORS = (smtplib.SMTPException, OSError)


def is_permanent(error: Exception) -> bool:
    """The server refused every recipient for good (5xx): retrying cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def retry_later(task: Task, *, kwargs: dict[str, Any], delay: int) -> None:
    """Queue `task` again to run in `delay` seconds.

    Backends that cannot defer (the immediate one in tests) run it at once: the
    attempt count still bounds the retries.
    """
    if task_backends[task.backend].supports_defer:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    task.enqueue(**kwargs)


def send_with_retry(
    send: Callable[[], object],
    *,
    task: Task,
    kwargs: dict[str, Any],
    attempt: int,
    undo: Callable[[], object] | None = None,
    give_up: Callable[[], object] | None = None,
) -> bool:
    """Call `send()`; on a mail server failure, `undo()` and queue a retry of
    `task(**kwargs, attempt=attempt + 1)`, or after the last attempt log the
    failure and call `give_up()`. True when the email went out."""
    try:
        send()
    except SEND_ERRORS as error:
        if undo is not None:
            undo()
        if attempt >= MAX_ATTEMPTS or is_permanent(error):
            logger.error(
                "Email task %s failed for good (attempt %s): %s",
                task.name,
                attempt,
                error,
                exc_info=error,
            )
            if give_up is not None:
                give_up()
            return False
        delay = RETRY_DELAYS[attempt - 1]
        logger.warning(
            "Email task %s failed (attempt %s), retrying in %s s: %s",
            task.name,
            attempt,
            delay,
            error,
        )
        retry_later(task, kwargs={**kwargs, "attempt": attempt + 1}, delay=delay)
        return False
    return True
