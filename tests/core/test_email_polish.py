"""What a mail client and a spam filter see in our emails: a Message-ID on the
site's own domain, styles for dark mode, and link texts that say where each goes."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from newsletter.emails import render_issue
from tests.accounts.factories import VerifiedUserFactory
from tests.articles.factories import ArticleFactory
from tests.newsletter.factories import IssueFactory

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self._in_link = False

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._in_link = True
            self.links.append("")

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_link = False

    def handle_data(self, data):
        if self._in_link:
            self.links[-1] += data.strip()


def test_message_ids_are_on_the_sites_domain(
    client, django_capture_on_commit_callbacks
):
    VerifiedUserFactory(email="reader@example.com")
    with django_capture_on_commit_callbacks(execute=True):  # sent by a task
        client.post(reverse("account_reset_password"), {"email": "reader@example.com"})
    message = mail.outbox[-1].message()
    domain = urlsplit(settings.SITE_URL).hostname
    assert re.fullmatch(rf"<[^@>]+@{re.escape(domain)}>", message["Message-ID"])
    assert "localhost" not in message["Message-ID"]


def test_a_newsletter_issue_reads_in_dark_mode_with_distinct_links():
    articles = [ArticleFactory(title=f"Story number {n}") for n in range(4)]
    html = render_issue(IssueFactory(articles=articles)).html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html
    parser = Links()
    parser.feed(html)
    texts = [t for t in parser.links if t]
    assert len(texts) == len(set(texts)), texts  # no "Read the full story" ×4
    assert all(f"Story number {n}" in texts for n in range(4))
