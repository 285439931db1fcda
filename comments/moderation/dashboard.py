"""The moderation dashboard: the last 30 days in numbers and server-drawn SVG.

No script: each chart is an inline SVG built from the numbers here, with patterns
(not colour alone) telling the series apart, text labels, and a data table beside
it. Editors and moderators see it (permission comments.view_dashboard).
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from core.charts import (
    BAR_WIDTH,
    CHART_HEIGHT,
    DAYS,
    GAP,
    days,
    per_day,
    simple_bars,
    since,
    stacked_bars,
)

from ..models import Comment, ModerationDecision, Report

PERMISSION = "comments.view_dashboard"
REJECTED = (Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.REMOVED)
DECISIONS = (
    ModerationDecision.Outcome.APPROVED,
    ModerationDecision.Outcome.REJECTED,
    ModerationDecision.Outcome.SPAM,
    ModerationDecision.Outcome.REMOVED,
)


def comments_per_day(start, day_list: list[date]) -> list[dict]:
    """Comments posted each day, by what became of them: approved, held, rejected."""
    rows = (
        Comment.objects.filter(created__gte=start)
        .annotate(day=TruncDate("created"))
        .values("day", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table = {
        day: {"day": day, "approved": 0, "held": 0, "rejected": 0} for day in day_list
    }
    for row in rows:
        if row["day"] not in table:
            continue
        if row["status"] == Comment.Status.APPROVED:
            table[row["day"]]["approved"] += row["n"]
        elif row["status"] == Comment.Status.PENDING:
            table[row["day"]]["held"] += row["n"]
        elif row["status"] in REJECTED:
            table[row["day"]]["rejected"] += row["n"]
    return [table[day] for day in day_list]


def median_decision_time(start) -> timedelta | None:
    """From a comment being posted to a moderator's first decision on it."""
    rows = (
        ModerationDecision.objects.filter(
            created__gte=start,
            moderator__isnull=False,
            comment__isnull=False,
            outcome__in=DECISIONS,
        )
        .values("comment_id", "comment__created")
        .annotate(first=Min("created"))
        .order_by()
    )
    seconds = [(r["first"] - r["comment__created"]).total_seconds() for r in rows]
    if not seconds:
        return None
    return timedelta(seconds=round(statistics.median(seconds)))


def humanize(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days"


def numbers(now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    day_list = days(today)
    start = since(day_list)
    pending = Comment.objects.filter(status=Comment.Status.PENDING)
    oldest = pending.aggregate(oldest=Min("created"))["oldest"]
    return {
        "comments": comments_per_day(start, day_list),
        "reports": per_day(Report.objects.all(), "created", start, day_list),
        "queue_size": pending.count(),
        "oldest_age": (now - oldest) if oldest else None,
        "median_decision": median_decision_time(start),
        **trust_numbers(start),
    }


def trust_numbers(start) -> dict:
    """How many readers are trusted, and the reviews their trust saved: comments
    published since `start` that a hold would otherwise have queued."""
    from django.contrib.auth import get_user_model

    saved = ModerationDecision.objects.filter(
        created__gte=start,
        outcome=ModerationDecision.Outcome.PUBLISHED,
        rule__startswith="trusted:",
    ).count()
    held = ModerationDecision.objects.filter(
        created__gte=start, outcome=ModerationDecision.Outcome.HELD
    ).count()
    return {
        "trusted_readers": get_user_model()
        .objects.filter(trusted=True, is_staff=False, is_active=True)
        .count(),
        "trust_saved": saved,
        "trust_saved_share": round(100 * saved / (saved + held)) if saved else 0,
    }


def dashboard_view(request: HttpRequest, admin_site) -> TemplateResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    data = numbers()
    comment_bars, comment_top = stacked_bars(
        data["comments"], ["approved", "held", "rejected"]
    )
    report_bars, report_top = simple_bars(data["reports"])
    width = 30 + DAYS * (BAR_WIDTH + GAP)
    context = {
        **admin_site.each_context(request),
        "title": "Moderation dashboard",
        "data": data,
        "oldest_age": humanize(data["oldest_age"]),
        "median_decision": humanize(data["median_decision"]),
        "width": width,
        "height": CHART_HEIGHT + 30,
        "chart_height": CHART_HEIGHT,
        "label_y": CHART_HEIGHT + 14,
        "charts": [
            ("comments", "Comments per day", comment_bars, comment_top),
            ("reports", "Reports per day", report_bars, report_top),
        ],
        "first_day": data["comments"][0]["day"],
        "last_day": data["comments"][-1]["day"],
        "can_moderate": request.user.has_perm("comments.moderate_comments"),
    }
    return TemplateResponse(
        request, "admin/comments/moderation/dashboard.html", context
    )
