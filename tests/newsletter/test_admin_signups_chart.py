"""New subscribers per day: a chart under the subscriber list (it was on the
moderation dashboard, which is about comments)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Subscriber
from tests.accounts.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_the_subscriber_list_charts_confirmations_per_day(client):
    now = timezone.now()
    for days_ago, count in [(0, 2), (1, 3)]:
        for n in range(count):
            Subscriber.objects.create(
                email=f"s{days_ago}-{n}@example.com",
                status=Subscriber.Status.CONFIRMED,
                confirmed_at=now - datetime.timedelta(days=days_ago),
            )
    Subscriber.objects.create(email="pending@example.com")  # not confirmed: no bar
    client.force_login(StaffUserFactory(is_superuser=True))
    page = client.get(reverse("admin:newsletter_subscriber_changelist"))
    assert page.status_code == 200
    chart = page.context["signups_chart"]
    assert [row["count"] for row in chart["rows"][-2:]] == [3, 2]
    html = page.content.decode()
    assert "New subscribers per day" in html
    assert 'id="table-signups"' in html


def test_the_moderation_dashboard_no_longer_counts_subscribers(client):
    from comments.moderation.dashboard import numbers

    assert "subscribers" not in numbers()
