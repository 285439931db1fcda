"""The issue's progress in the admin says what the send is doing: sending,
waiting for the mail server (since when, why, next attempt), or stalled."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletter import sending, services
from newsletter.models import Issue
from tests.newsletter.backends import Trouble
from tests.newsletter.factories import IssueFactory, make_confirmed_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending_issue():
    make_confirmed_subscribers(4)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    return issue


def progress_fragment(client, issue) -> str:
    url = reverse("admin:newsletter_issue_progress", args=[issue.pk])
    return " ".join(client.get(url).content.decode().split())


def test_a_send_waiting_for_the_mail_server_says_so(
    admin_client, sending_issue, settings
):
    """The server refuses: the editor reads since when, the error, when the next
    attempt is, and the queued deliveries are counted as waiting for the server."""
    settings.EMAIL_BACKEND = "tests.newsletter.backends.TroubledBackend"
    Trouble.reset()
    Trouble.down = True
    try:
        sending.send_batch(sending_issue.pk)
    finally:
        Trouble.reset()
    fragment = progress_fragment(admin_client, sending_issue)
    issue = Issue.objects.get(pk=sending_issue.pk)
    assert "Status:</strong> Waiting for the server" in fragment
    assert "ConnectionRefusedError: Connection refused" in fragment
    assert f"since {timezone.localtime(issue.smtp_down_since):%H:%M:%S}" in fragment
    assert f"Next attempt at {timezone.localtime(issue.next_attempt_at):%H:%M:%S}" in (
        fragment
    )
    assert "0 sent · 4 waiting for the server · 0 failed" in fragment


def test_a_send_nobody_is_working_on_is_shown_as_stalled(admin_client, sending_issue):
    """Deliveries are due and nothing was sent for minutes: no worker is running,
    and the page says what to check."""
    assert "Status:</strong> Sending" in progress_fragment(admin_client, sending_issue)
    Issue.objects.filter(pk=sending_issue.pk).update(
        send_started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    fragment = progress_fragment(admin_client, sending_issue)
    assert "Status:</strong> Stalled" in fragment
    assert "4 deliveries are due: is a task worker" in fragment
