"""The moderation queues and decisions: counts, cache, audit trail, notifications."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.cache import article_version_key, get_versions
from comments import services
from comments.models import Comment, ModerationDecision, Report, WordRule
from comments.moderation import queue as moderation
from tests.comments.factories import VerifiedUserFactory
from tests.comments.moderation.helpers import held_comments, moderator

pytestmark = pytest.mark.django_db

QUEUE = "admin:comments_moderation"


def decide(client, comment, action, htmx=False, **data):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("admin:comments_moderation_decide", args=[comment.pk]),
        {"action": action, "expected": comment.status, "tab": "pending", **data},
        headers=headers,
    )


def version(article):
    key = article_version_key(article.pk)
    return (get_versions(key) or {}).get(key, 0)


def test_queue_tabs_show_items_with_their_context(client, mod, article):
    """Each item: article link, parent, author history, hold reason and rule."""
    WordRule.objects.create(phrase="crook", action="hold")
    veteran = VerifiedUserFactory(trusted=True)
    parent = services.comment_create(article=article, author=veteran, body="Parent.")
    author = VerifiedUserFactory(display_name="Hasty Harriet")
    held = services.comment_create(
        article=article, author=author, body="What a crook.", parent=parent
    )
    html = client.get(reverse(QUEUE), {"tab": "held"}).content.decode()
    assert "Hasty Harriet" in html and article.title in html
    assert article.get_absolute_url() in html
    assert "In reply to" in html and "Parent." in html
    assert services.HOLD_WORD in html and "Word rule “crook”" in html
    assert "0 approved, 0 rejected, 0 open reports" in html
    assert f'id="mod-item-{held.pk}"' in html
    tabs = moderation.counts()
    assert tabs["pending"] == 1 and tabs["held"] == 1 and tabs["reported"] == 0
    index = client.get(reverse("admin:index")).content.decode()
    assert "Moderation queues" in index and "Held by rule" in index


def test_reported_tab_orders_by_reports_with_reasons_and_notes(client, mod, article):
    author = VerifiedUserFactory(trusted=True)
    few, many = (
        services.comment_create(article=article, author=author, body=body)
        for body in ["Few reports.", "Many reports."]
    )
    services.report_create(comment=few, user=VerifiedUserFactory(), reason="spam")
    for note in ["Rude.", "Very rude."]:
        services.report_create(
            comment=many, user=VerifiedUserFactory(), reason="abuse", note=note
        )
    html = client.get(reverse(QUEUE), {"tab": "reported"}).content.decode()
    assert html.index("Many reports.") < html.index("Few reports.")
    assert "Abuse or harassment" in html and "“Very rude.”" in html
    assert "2 open reports" in html


def _queries(client, tab):
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse(QUEUE), {"tab": tab}).status_code == 200
    return len(context)


@pytest.mark.parametrize("tab", [key for key, _ in moderation.TABS])
def test_queue_query_count_does_not_grow(client, mod, article, tab):
    """2 or 20 items with reports and parents: the same number of queries."""

    def fill(n):
        parent = services.comment_create(
            article=article, author=VerifiedUserFactory(trusted=True), body="Top."
        )
        for comment in held_comments(article, n, parent=parent):
            Report.objects.create(
                comment=comment, user=VerifiedUserFactory(), reason="spam"
            )
            if tab in ("approved", "rejected"):
                action = "approve" if tab == "approved" else "spam"
                decide(client, comment, action)

    fill(2)
    few = _queries(client, tab)
    fill(18)
    many = _queries(client, tab)
    assert few == many
    assert many <= 25


def test_approve_updates_status_counts_cache_audit_and_notifies(
    client, mod, article, django_capture_on_commit_callbacks
):
    """An approved reply is published, counted, cached anew, logged, and the parent's
    author hears about it."""
    veteran = VerifiedUserFactory(trusted=True, notify_on_reply=True)
    parent = services.comment_create(article=article, author=veteran, body="Top.")
    (held,) = held_comments(article, 1, parent=parent)
    before = version(article)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, held, "approve")
    assert response.status_code == 302
    held.refresh_from_db()
    article.refresh_from_db()
    parent.refresh_from_db()
    assert held.status == "approved" and held.decided_by == mod
    assert article.comment_count == 2 and parent.reply_count == 1
    assert version(article) != before
    decision = ModerationDecision.objects.filter(comment=held).first()
    assert decision.outcome == "approved" and decision.moderator == mod
    assert (decision.status_before, decision.status_after) == ("pending", "approved")
    assert [m.to for m in mail.outbox] == [[veteran.email]]


def test_reject_needs_a_reason_and_then_tells_the_author(
    client, mod, article, django_capture_on_commit_callbacks
):
    (held,) = held_comments(article, 1)
    response = decide(client, held, "reject", htmx=True)
    assert services.REJECT_NEEDS_REASON in response.content.decode()
    held.refresh_from_db()
    assert held.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            client, held, "reject", htmx=True, reason="off-topic", note="Stay close."
        )
    html = response.content.decode()
    assert "Comment rejected." in html and 'hx-swap-oob="true"' in html
    assert 'id="count-pending">0<' in html
    held.refresh_from_db()
    assert held.status == "rejected" and held.rejection_reason == "off-topic"
    assert held.moderator_note == "Stay close."
    decision = ModerationDecision.objects.filter(comment=held).first()
    assert decision.reason == "Off topic: Stay close."
    assert len(mail.outbox) == 1 and "Off topic" in mail.outbox[0].body


def test_spam_can_take_all_pending_comments_of_the_author(client, mod, article):
    spammer = VerifiedUserFactory()
    first, second, third = (
        services.comment_create(article=article, author=spammer, body=f"Buy {n}")
        for n in range(3)
    )
    other = held_comments(article, 1)[0]
    decide(client, first, "spam", include_pending="1")
    statuses = set(
        Comment.objects.filter(author=spammer).values_list("status", flat=True)
    )
    assert statuses == {"spam"}
    other.refresh_from_db()
    assert other.status == "pending"
    assert ModerationDecision.objects.filter(outcome="spam").count() == 3


def test_pick_publishes_and_tells_the_author(
    client, mod, article, django_capture_on_commit_callbacks
):
    (held,) = held_comments(article, 1)
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, held, "pick")
    held.refresh_from_db()
    article.refresh_from_db()
    assert held.status == "approved" and held.is_editors_pick
    assert article.comment_count == 1
    assert len(mail.outbox) == 1


def test_remove_keeps_the_text_for_the_record(client, mod, article):
    author = VerifiedUserFactory(trusted=True)
    comment = services.comment_create(article=article, author=author, body="Keep me.")
    decide(client, comment, "remove", note="Doxxing.")
    comment.refresh_from_db()
    article.refresh_from_db()
    assert comment.status == "removed" and comment.body == "Keep me."
    assert article.comment_count == 0
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_a_decision_taken_by_someone_else_is_not_repeated(client, mod, article):
    """Two moderators, one comment: the second sees who decided and changes nothing."""
    (held,) = held_comments(article, 1)
    stale = Comment.objects.get(pk=held.pk)  # what the second moderator still sees
    first = moderator(display_name="Fast Fiona")
    services.comment_approve(comment=held, moderator=first, expected_status="pending")
    response = decide(client, stale, "reject", htmx=True, reason="abuse")
    html = response.content.decode()
    assert "Already decided by Fast Fiona at" in html
    held.refresh_from_db()
    article.refresh_from_db()
    assert held.status == "approved" and article.comment_count == 1
    assert (
        ModerationDecision.objects.filter(comment=held, moderator__isnull=False).count()
        == 1
    )
    # Without JavaScript: the same message, as an admin message.
    response = decide(client, stale, "spam")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Already decided by Fast Fiona" in m for m in messages)


def test_bulk_actions_decide_each_selected_comment(client, mod, article):
    held = held_comments(article, 3)
    url = reverse("admin:comments_moderation_bulk")
    response = client.post(
        url, {"action": "reject", "selected": [c.pk for c in held], "tab": "pending"}
    )
    assert Comment.objects.filter(status="pending").count() == 3  # no reason
    response = client.post(
        url,
        {
            "action": "reject",
            "reason": "spam",
            "selected": [c.pk for c in held],
            "tab": "pending",
        },
        follow=True,
    )
    assert "3 comment(s) rejected." in response.content.decode()
    assert Comment.objects.filter(status="rejected").count() == 3


def test_approving_a_reported_comment_closes_its_reports(client, mod, article):
    author = VerifiedUserFactory(trusted=True)
    comment = services.comment_create(article=article, author=author, body="Fine.")
    services.report_create(comment=comment, user=VerifiedUserFactory(), reason="spam")
    decide(client, comment, "approve")
    assert not Report.objects.filter(resolved=False).exists()
    assert moderation.counts()["reported"] == 0


@pytest.mark.parametrize(
    ("action", "data", "status", "count", "emails"),
    [
        ("approve", {}, "approved", 2, 0),
        ("reject", {"reason": "abuse"}, "rejected", 1, 1),
        ("spam", {}, "spam", 1, 0),
        ("pick", {}, "approved", 2, 1),
        ("remove", {}, "removed", 1, 0),
    ],
)
def test_every_decision_updates_status_counts_cache_and_audit(
    client,
    mod,
    article,
    django_capture_on_commit_callbacks,
    action,
    data,
    status,
    count,
    emails,
):
    """Whatever the decision: new status, right count, fresh page, one audit row."""
    veteran = VerifiedUserFactory(trusted=True)
    services.comment_create(article=article, author=veteran, body="Published.")
    target = services.comment_create(
        article=article, author=VerifiedUserFactory(notify_on_reply=True), body="New."
    )
    if action == "remove":  # only published comments are removed
        services.comment_approve(comment=target)
        target.refresh_from_db()
    before = version(article)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, target, action, htmx=True, **data)
    assert "Comment " in response.content.decode()
    old_status = target.status
    target.refresh_from_db()
    article.refresh_from_db()
    assert target.status == status and target.decided_by == mod
    assert article.comment_count == count
    assert version(article) != before
    latest = ModerationDecision.objects.filter(comment=target, moderator=mod).first()
    assert latest.status_before == old_status or action == "pick"
    assert latest.status_after == status
    assert len(mail.outbox) == emails


@pytest.mark.parametrize("tab", [key for key, _ in moderation.TABS])
def test_each_tab_says_what_it_holds_and_how_it_overlaps(client, mod, tab):
    """Pending 16, Held by rule 15, Reported 3 needs a line saying why they add up
    to more than the queue."""
    html = client.get(reverse(QUEUE), {"tab": tab}).content.decode()
    help_text = moderation.TAB_HELP[tab].replace("'", "&#x27;")
    assert f'<p class="mod-tab-help">{help_text}</p>' in html
    if tab in ("pending", "held", "reported"):
        others = {"pending": "Held by rule", "held": "Pending", "reported": "Pending"}
        assert others[tab] in moderation.TAB_HELP[tab]
