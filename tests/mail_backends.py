"""A mail server that fails on purpose, and a task backend that can defer, for the
tests of retried emails (core/mail.py).

Modules use them with `from tests.mail_backends import flaky_mail  # noqa: F401`
and `@pytest.mark.usefixtures("flaky_mail")`, then set `FlakyMail.failures`.
"""

import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django_tasks.backends.immediate import ImmediateBackend


class FlakyMail:
    """Switches shared by the backend and the test, reset by the fixture."""

    failures = 0  # the next N sends fail with `error`
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    attempts = 0  # sends tried, failed or not

    @classmethod
    def reset(cls) -> None:
        cls.failures = 0
        cls.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        cls.attempts = 0


class FlakyBackend(EmailBackend):
    def send_messages(self, messages):
        FlakyMail.attempts += 1
        if FlakyMail.failures > 0:
            FlakyMail.failures -= 1
            raise FlakyMail.error
        return super().send_messages(messages)


class DeferringImmediateBackend(ImmediateBackend):
    """Runs tasks at once like the immediate backend, but accepts `run_after` (as
    the database backend does) and records it, so tests can read the waits."""

    supports_defer = True
    run_after: list = []

    def enqueue(self, task, args, kwargs):
        DeferringImmediateBackend.run_after.append(task.run_after)
        return super().enqueue(task, args, kwargs)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    settings.TASKS = {
        "default": {"BACKEND": "tests.mail_backends.DeferringImmediateBackend"}
    }
    FlakyMail.reset()
    DeferringImmediateBackend.run_after = []
    yield FlakyMail
    FlakyMail.reset()
