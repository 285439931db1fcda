"""Sending for real: a real task worker, and a real SMTP server on loopback."""

import email
import socket
from collections import Counter
from email import policy

import pytest
from django.core import mail
from django.core.management import call_command

from newsletter import services
from newsletter.models import Delivery, Issue
from tests.newsletter.factories import (
    IssueFactory,
    SubscriberFactory,
    make_confirmed_subscribers,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """aiosmtpd handler keeping every message and the session it came on."""

    def __init__(self):
        self.messages: list[tuple[int, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((id(session), list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings):
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    controller.stop()


@pytest.mark.django_db
def test_an_smtp_server_on_loopback_receives_the_issue(smtp_sink, run_tasks, settings):
    """Over real SMTP: one message per subscriber, each batch on one connection,
    multipart (text and HTML with inlined CSS), unsubscribe headers, canonical
    article links."""
    settings.NEWSLETTER_BATCH_SIZE = 3
    settings.NEWSLETTER_PARALLEL_BATCHES = 1
    make_confirmed_subscribers(5)
    issue = IssueFactory()
    article = issue.ordered_articles()[0]
    run_tasks(services.issue_send, issue=issue)

    assert sorted(r for _, rcpts, _ in smtp_sink.messages for r in rcpts) == [
        f"bulk{i}@example.com" for i in range(5)
    ]
    sessions = Counter(session for session, _, _ in smtp_sink.messages)
    assert sorted(sessions.values()) == [2, 3]  # two batches, two connections
    message = email.message_from_bytes(smtp_sink.messages[0][2], policy=policy.default)
    assert message["Subject"] == issue.subject
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        "https://news.example.com/newsletter/unsubscribe/"
        in message["List-Unsubscribe"]
    )
    assert (
        "mailto:unsubscribe@news.example.com?subject=unsubscribe"
        in message["List-Unsubscribe"]
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    url = "https://news.example.com" + article.get_absolute_url()
    assert url in text and url in html
    assert 'style="' in html and "<style" in html  # inlined, @media kept
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_issue_from_the_task_queue(settings):
    """With the database task backend, "send" only queues work; `db_worker`
    creates the deliveries and sends every one, once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_confirmed_subscribers(120)
    SubscriberFactory(email="pending@example.com", status="pending")
    issue = IssueFactory()
    services.issue_send(issue=issue)
    assert not mail.outbox  # nothing is sent in the request
    call_command("db_worker", batch=True, no_reload=True, startup_delay=False)
    counts = Counter(address for m in mail.outbox for address in m.to)
    assert len(counts) == 120 and set(counts.values()) == {1}
    assert Delivery.objects.filter(issue=issue, status="sent").count() == 120
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_with_a_real_worker_an_smtp_outage_is_retried_later_and_nothing_is_lost(
    settings,
):
    """SMTP down during the send: the worker leaves every delivery queued and the
    chain ends, nothing scheduled; once the deliveries are due the worker's own
    periodic job starts the sending again, and all go out once."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from tests.newsletter.backends import Trouble

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "tests.newsletter.backends.TroubledBackend"
    Trouble.reset()
    Trouble.down = True
    make_confirmed_subscribers(10)
    issue = IssueFactory()
    services.issue_send(issue=issue)
    call_command("db_worker", batch=True, no_reload=True, startup_delay=False)
    assert not mail.outbox
    assert Delivery.objects.filter(issue=issue, status="queued").count() == 10
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert Issue.objects.get(pk=issue.pk).next_attempt_at > timezone.now()

    Trouble.down = False  # the server is back; seconds later the deliveries are due
    past = timezone.now() - datetime.timedelta(seconds=1)
    Delivery.objects.filter(issue=issue).update(available_at=past)
    call_command("db_worker", batch=True, no_reload=True, startup_delay=False)
    counts = Counter(address for m in mail.outbox for address in m.to)
    assert len(counts) == 10 and set(counts.values()) == {1}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    Trouble.reset()
