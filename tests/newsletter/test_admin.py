"""The newsroom's admin: subscribers (filters, CSV in and out, bounces) and
issues (fill, preview, test, send, progress)."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsletter import admin_io, services
from newsletter.models import Delivery, Issue, IssueArticle, Subscriber
from tests.accounts.factories import UserFactory, VerifiedUserFactory, add_totp
from tests.articles.factories import ArticleFactory
from tests.newsletter.factories import (
    IssueFactory,
    SubscriberFactory,
    daily,
    make_confirmed_subscribers,
    weekly,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def upload(text: str):
    return SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv")


def test_csv_import_takes_good_rows_and_reports_bad_ones_by_line(admin_client):
    """Consented rows become confirmed, others pending; each bad row is named by
    its line with the reason; the good ones are imported anyway."""
    SubscriberFactory(email="exists@example.com")
    text = (
        "email,newsletters,consented,consented_at\n"
        "Good@Example.com,daily-briefing;weekly-analysis,yes,2025-01-02\n"  # 2
        "not-an-email,daily-briefing,yes,\n"  # 3
        "pending@example.com,,no,\n"  # 4
        "odd@example.com,sports,yes,\n"  # 5
        "maybe@example.com,daily-briefing,perhaps,\n"  # 6
        "exists@example.com,daily-briefing,yes,\n"  # 7
        "late@example.com,weekly-analysis,yes,yesterday\n"  # 8
    )
    response = admin_client.post(
        reverse("admin:newsletter_subscriber_import"), {"file": upload(text)}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.imported, report.confirmed) == (2, 1)
    assert report.errors == [
        f"Line 3: {admin_io.ROW_BAD_EMAIL}",
        f"Line 5: {admin_io.ROW_UNKNOWN_NEWSLETTER.format(slug='sports')}",
        f"Line 6: {admin_io.ROW_BAD_CONSENT.format(value='perhaps')}",
        f"Line 7: {admin_io.ROW_DUPLICATE}",
        f"Line 8: {admin_io.ROW_BAD_DATE.format(value='yesterday')}",
    ]
    html = response.content.decode()
    assert "Line 3: not a valid email address" in html
    good = Subscriber.objects.get(email="good@example.com")
    assert good.status == "confirmed" and good.source == "import"
    assert good.confirmed_at.date() == datetime.date(2025, 1, 2)
    assert set(good.newsletters.all()) == {daily(), weekly()}
    pending = Subscriber.objects.get(email="pending@example.com")
    assert pending.status == "pending" and list(pending.newsletters.all()) == [daily()]
    assert not mail.outbox  # importing never emails anyone


def test_csv_import_without_an_email_column_says_so(admin_client):
    response = admin_client.post(
        reverse("admin:newsletter_subscriber_import"), {"file": upload("a,b\n1,2\n")}
    )
    assert response.context["report"].errors == [admin_io.FILE_NO_EMAIL_COLUMN]


def test_csv_export_is_streamed_and_follows_the_filters(admin_client):
    SubscriberFactory(email="c1@example.com")
    SubscriberFactory(email="=cmd@example.com", status="pending")
    response = admin_client.get(
        reverse("admin:newsletter_subscriber_export") + "?status__exact=confirmed"
    )
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == admin_io.EXPORT_COLUMNS
    assert [row[0] for row in rows[1:]] == ["c1@example.com"]
    everything = admin_client.get(reverse("admin:newsletter_subscriber_export"))
    text = b"".join(everything.streaming_content).decode()
    assert "'=cmd@example.com" in text  # no spreadsheet formula injection


def test_subscriber_changelist_filters_and_search(admin_client):
    SubscriberFactory(email="from-article@example.com", source="/articles/a/")
    SubscriberFactory(email="imported@example.com", source="import")
    url = reverse("admin:newsletter_subscriber_changelist")
    html = admin_client.get(url + "?source=article").content.decode()
    assert "from-article@example.com" in html and "imported@example.com" not in html
    html = admin_client.get(url + "?q=imported").content.decode()
    assert "imported@example.com" in html and "from-article" not in html
    for query in ("?status__exact=pending", f"?newsletters__id__exact={daily().pk}"):
        assert admin_client.get(url + query).status_code == 200


def test_mark_bounced_action(admin_client):
    first = SubscriberFactory()
    SubscriberFactory()
    admin_client.post(
        reverse("admin:newsletter_subscriber_changelist"),
        {"action": "mark_bounced", "_selected_action": [first.pk]},
    )
    assert list(Subscriber.objects.filter(status="bounced")) == [first]


def test_newsletter_changelist_shows_counts_per_newsletter(
    admin_client, django_assert_max_num_queries
):
    make_confirmed_subscribers(7)
    SubscriberFactory(status="pending", newsletters=[daily(), weekly()])
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:newsletter_newsletter_changelist"))
    rows = {
        obj.name: (obj.confirmed_count, obj.pending_count)
        for obj in response.context["cl"].result_list
    }
    assert rows == {
        "Daily briefing": (7, 1),
        "Weekly analysis": (0, 1),
        "Community digest": (0, 0),
    }


def test_newsletter_counts_do_not_multiply_subscribers_by_issues(admin_client):
    """Each figure is its own counting subquery: the list query neither joins
    subscribers with issues nor groups them (rows subscribers × issues), and the
    counts stay right and sortable."""
    make_confirmed_subscribers(3)
    SubscriberFactory(status="pending")
    IssueFactory(status="sent")
    IssueFactory(status="sent")
    IssueFactory()
    url = reverse("admin:newsletter_newsletter_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    rows = {
        obj.name: (obj.confirmed_count, obj.pending_count, obj.sent_count)
        for obj in response.context["cl"].result_list
    }
    assert rows == {
        "Daily briefing": (3, 1, 2),
        "Weekly analysis": (0, 0, 0),
        "Community digest": (0, 0, 0),
    }
    listing = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "newsletter_newsletter"."id"')
    ]
    assert len(listing) == 1
    assert "GROUP BY" not in listing[0] and "OUTER JOIN" not in listing[0]
    for column in (2, 3, 4):  # sort by each count
        assert admin_client.get(url, {"o": column}).status_code == 200


def test_fill_from_the_last_days_adds_recent_published_articles(admin_client):
    issue = IssueFactory(articles=[])
    recent = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=2))
    ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=20))
    ArticleFactory(status="draft", published_at=None)
    response = admin_client.post(
        reverse("admin:newsletter_issue_fill", args=[issue.pk]), {"days": 7}
    )
    assert response.status_code == 302
    assert list(issue.ordered_articles()) == [recent]
    admin_client.post(
        reverse("admin:newsletter_issue_fill", args=[issue.pk]), {"days": 7}
    )
    assert IssueArticle.objects.filter(issue=issue).count() == 1


def test_previews_show_the_email_as_html_and_text(admin_client):
    issue = IssueFactory(subject="Preview me")
    html = admin_client.get(
        reverse("admin:newsletter_issue_preview_html", args=[issue.pk])
    )
    assert "Preview me" in html.content.decode()
    assert "'unsafe-inline'" in html["Content-Security-Policy"].split("style-src")[1]
    assert (
        "'unsafe-inline'"
        not in html["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    text = admin_client.get(
        reverse("admin:newsletter_issue_preview_text", args=[issue.pk])
    )
    assert text["Content-Type"].startswith("text/plain")
    assert "Preview me" in text.content.decode()


def test_send_a_test_to_me(
    admin_client, staff_user, django_capture_on_commit_callbacks
):
    issue = IssueFactory()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:newsletter_issue_send_test", args=[issue.pk]))
    assert [m.to for m in mail.outbox] == [[staff_user.email]]
    assert Issue.objects.get(pk=issue.pk).status == "draft"


def test_send_from_the_admin_and_watch_progress(
    admin_client, django_capture_on_commit_callbacks
):
    make_confirmed_subscribers(3)
    issue = IssueFactory()
    confirm = admin_client.get(reverse("admin:newsletter_issue_send", args=[issue.pk]))
    assert "<strong>3</strong> confirmed subscribers" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:newsletter_issue_send", args=[issue.pk]))
    assert len(mail.outbox) == 3
    page = admin_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    html = page.content.decode()
    assert '<progress id="issue-progress-bar" max="3" value="3">' in html
    assert "3 sent · 0 queued · 0 failed" in html
    again = admin_client.post(
        reverse("admin:newsletter_issue_send", args=[issue.pk]), follow=True
    )
    assert services.ISSUE_NOT_DRAFT in again.content.decode()
    assert len(mail.outbox) == 3


def test_progress_refreshes_itself_while_sending(admin_client):
    make_confirmed_subscribers(4)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    from newsletter.sending import create_deliveries

    create_deliveries(issue)
    Delivery.objects.filter(pk__in=Delivery.objects.values("pk")[:1]).update(
        status="sent"
    )
    fragment = admin_client.get(
        reverse("admin:newsletter_issue_progress", args=[issue.pk])
    ).content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert 'max="4" value="1"' in fragment
    assert "1 sent · 3 queued · 0 failed" in fragment


def test_sending_an_issue_without_articles_is_refused_with_a_message(
    admin_client,
):
    issue = IssueFactory(articles=[])
    page = admin_client.get(reverse("admin:newsletter_issue_send", args=[issue.pk]))
    assert services.ISSUE_NO_ARTICLES in page.content.decode()
    response = admin_client.post(
        reverse("admin:newsletter_issue_send", args=[issue.pk]), follow=True
    )
    assert services.ISSUE_NO_ARTICLES in response.content.decode()
    assert Issue.objects.get(pk=issue.pk).status == "draft"


def test_readers_cannot_reach_the_newsletter_admin(client):
    client.force_login(UserFactory())
    issue = IssueFactory()
    for url in (
        reverse("admin:newsletter_subscriber_export"),
        reverse("admin:newsletter_subscriber_import"),
        reverse("admin:newsletter_issue_send", args=[issue.pk]),
        reverse("admin:newsletter_issue_preview_html", args=[issue.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_send_issue_command_sends_with_a_progress_bar():
    make_confirmed_subscribers(5)
    issue = IssueFactory()
    out = io.StringIO()
    call_command("send_issue", issue.pk, stdout=out)
    assert "[##############################] 100%  5/5 sent, 0 failed" in out.getvalue()
    assert len(mail.outbox) == 5
    assert Issue.objects.get(pk=issue.pk).status == "sent"
    again = io.StringIO()
    call_command("send_issue", issue.pk, stdout=again)
    assert "already sent" in again.getvalue()
    assert len(mail.outbox) == 5


def test_send_issue_command_refuses_an_empty_issue():
    from django.core.management.base import CommandError

    issue = IssueFactory(articles=[])
    with pytest.raises(CommandError, match=services.ISSUE_NO_ARTICLES):
        call_command("send_issue", issue.pk)


def test_adding_an_existing_address_in_other_case_is_refused_cleanly(admin_client):
    SubscriberFactory(email="ada@example.com")
    response = admin_client.post(
        reverse("admin:newsletter_subscriber_add"),
        {
            "email": " ADA@Example.com ",
            "status": "confirmed",
            "created_0": "2026-01-01",
            "created_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "Subscriber with this Email already exists." in response.content.decode()
    assert Subscriber.objects.count() == 1


def test_view_only_staff_cannot_send_a_test_or_resume_sending(
    client, django_capture_on_commit_callbacks
):
    """Sending a test and resuming a send act on the issue: they need the change
    permission, not just view. A staff member who may only look gets 403 and
    nothing is sent."""
    viewer = VerifiedUserFactory(is_staff=True)
    add_totp(viewer)
    viewer.user_permissions.add(
        Permission.objects.get(
            codename="view_issue", content_type__app_label="newsletter"
        )
    )
    client.force_login(viewer)
    make_confirmed_subscribers(2)
    draft = IssueFactory()
    sending = IssueFactory()
    services.issue_send(issue=sending, enqueue=False)
    page = client.get(reverse("admin:newsletter_issue_change", args=[draft.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Send a test to me" not in html and "Send…" not in html
    with django_capture_on_commit_callbacks(execute=True):
        test = client.post(reverse("admin:newsletter_issue_send_test", args=[draft.pk]))
        resume = client.post(
            reverse("admin:newsletter_issue_resume", args=[sending.pk])
        )
    assert (test.status_code, resume.status_code) == (403, 403)
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_editors_with_change_permission_can_resume_sending(
    admin_client, django_capture_on_commit_callbacks
):
    make_confirmed_subscribers(2)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    page = admin_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    assert "Resume sending" in page.content.decode()
    assert "Send a test to me" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:newsletter_issue_resume", args=[issue.pk])
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 2
