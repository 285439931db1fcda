"""The dashboard's numbers are the data's numbers."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationDecision, Report
from comments.moderation import dashboard
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.moderation.helpers import editor, moderator

pytestmark = pytest.mark.django_db


def at(days_ago: int, hour: int = 12) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def data(article):
    mod = moderator()
    for status, days_ago, count in [
        ("approved", 0, 3),
        ("pending", 0, 2),
        ("rejected", 0, 1),
        ("spam", 1, 2),
        ("approved", 1, 4),
        ("approved", 40, 5),  # outside the 30 days
    ]:
        for _ in range(count):
            CommentFactory(article=article, status=status, created=at(days_ago))
    oldest = CommentFactory(article=article, status="pending", created=at(3, 9))
    # Two decisions: 10 and 30 minutes after posting -> median 20 minutes.
    for minutes in (10, 30):
        comment = CommentFactory(article=article, status="approved", created=at(2))
        ModerationDecision.objects.create(
            comment=comment,
            moderator=mod,
            outcome="approved",
            created=at(2) + datetime.timedelta(minutes=minutes),
        )
    comment = Comment.objects.filter(status="approved").first()
    for _ in range(3):
        Report.objects.create(
            comment=comment, user=VerifiedUserFactory(), reason="spam", created=at(1)
        )
    return oldest


def test_numbers_match_the_data(data):
    numbers = dashboard.numbers()
    today, yesterday = numbers["comments"][-1], numbers["comments"][-2]
    assert (today["approved"], today["held"], today["rejected"]) == (3, 2, 1)
    assert (yesterday["approved"], yesterday["held"], yesterday["rejected"]) == (
        4,
        0,
        2,
    )
    assert len(numbers["comments"]) == 30
    assert sum(row["approved"] for row in numbers["comments"]) == 3 + 4 + 2
    assert numbers["reports"][-2]["count"] == 3
    # New subscribers per day moved to the newsletter's subscriber list:
    # tests/newsletter/test_admin_signups_chart.py.
    assert "subscribers" not in numbers
    assert numbers["queue_size"] == 3
    assert numbers["oldest_age"] >= timezone.now() - data.created - datetime.timedelta(
        seconds=5
    )
    assert numbers["median_decision"] == datetime.timedelta(minutes=20)


def test_dashboard_page_for_editors_and_moderators(client, data):
    for user in (editor(), moderator()):
        client.force_login(user)
        html = client.get(reverse("admin:comments_dashboard")).content.decode()
        assert '<li id="dash-queue">Waiting for review <strong>3</strong>' in html
        assert "<strong>20 min</strong>" in html
        assert (
            html.count('<svg class="dash-chart"') == 2
        )  # comments, reports (subscribers: the newsletter list)
        assert "Held (stripes)" in html and 'id="table-comments"' in html
        assert "<script" not in html.split('id="content-main"')[1]


def test_readers_cannot_see_the_dashboard(client):
    client.force_login(VerifiedUserFactory())
    assert client.get(reverse("admin:comments_dashboard")).status_code in (302, 403)


def test_the_dashboard_counts_trusted_readers_and_the_reviews_trust_saved(
    client, article, settings
):
    """Two trusted readers post what a hold would have queued (links, a first
    comment); one plain reader is held: trust saved 2 of 3 reviews."""
    from comments import services

    settings.COMMENTS_HOLD_FIRST_APPROVED = 1
    for name in ("Priya", "Tom"):
        services.comment_create(
            article=article,
            author=VerifiedUserFactory(trusted=True, display_name=name),
            body="See https://a.example https://b.example https://c.example",
        )
    services.comment_create(
        article=article, author=VerifiedUserFactory(), body="My first comment."
    )
    client.force_login(editor())
    html = client.get(reverse("admin:comments_dashboard")).content.decode()
    assert 'id="dash-trusted">Trusted readers <strong>2</strong>' in html
    assert (
        'id="dash-trust-saved">Reviews trust saved <strong>2</strong> '
        "<small>(67% of what would have been held)</small>"
    ) in html
