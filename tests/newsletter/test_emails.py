"""What every newsletter email carries, and how it is built."""

import pytest
from django.core import mail
from django.core.cache import cache

from newsletter import services
from newsletter.models import Subscriber
from tests.newsletter.factories import IssueFactory, SubscriberFactory, daily
from tests.newsletter.helpers import link_in, press_confirm

pytestmark = pytest.mark.django_db


def assert_newsletter_email(message) -> None:
    """The rules for every email this app sends."""
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://news.example.com/newsletter/unsubscribe/")
    assert "<mailto:unsubscribe@news.example.com?subject=unsubscribe>" in unsubscribe
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    for body in (message.body, html):
        assert "https://news.example.com/newsletter/unsubscribe/" in body
        assert "https://news.example.com/newsletter/manage/" in body
    assert 'style="' in html  # CSS inlined for mail clients
    assert "x-newsletter-" not in message.body + html  # no placeholder left


def test_every_kind_of_email_carries_links_and_one_click_headers(
    client, run_tasks, staff_user
):
    """Confirmation, welcome, "already subscribed", the issue and its test send."""
    run_tasks(
        services.subscription_request, email="a@example.com", newsletters=[daily()]
    )
    run_tasks(press_confirm, client, link_in(mail.outbox[0], "confirm"))
    # An hour later the confirmed reader signs up again: "already subscribed".
    cache.clear()
    Subscriber.objects.filter(email="a@example.com").update(confirmation_sent_at=None)
    run_tasks(
        services.subscription_request, email="a@example.com", newsletters=[daily()]
    )
    issue = IssueFactory()
    run_tasks(services.issue_send_test, issue=issue, email=staff_user.email)
    run_tasks(services.issue_send, issue=issue)
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        "Confirm your subscription to Broadsheet",
        "Welcome to Broadsheet",
        "You are already subscribed to Broadsheet",
        f"[Test] {issue.subject}",
        issue.subject,
    ]
    for message in mail.outbox:
        assert_newsletter_email(message)


def test_each_subscriber_gets_their_own_unsubscribe_link(run_tasks):
    first = SubscriberFactory(email="one@example.com")
    second = SubscriberFactory(email="two@example.com")
    run_tasks(services.issue_send, issue=IssueFactory())
    links = {
        m.to[0]: m.extra_headers["List-Unsubscribe"].split(",")[0] for m in mail.outbox
    }
    assert links[first.email] != links[second.email]


def test_issue_email_renders_intro_markdown_safely_and_links_canonically(run_tasks):
    """The intro is Markdown, sanitized: a script never reaches the email."""
    issue = IssueFactory(intro="**Bold** move.\n\n<script>alert(1)</script>")
    article = issue.ordered_articles()[0]
    SubscriberFactory()
    run_tasks(services.issue_send, issue=issue)
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "<strong" in html and "Bold</strong>" in html
    assert "<script" not in html
    assert "https://news.example.com" + article.get_absolute_url() in html
    assert "https://news.example.com" + article.get_absolute_url() in message.body
    assert issue.preheader in html
    assert "@media" in html  # responsive rules kept beside the inlined CSS
