"""The moderation queues in the admin: what each tab holds, and the decisions.

Views are mounted by CommentAdmin.get_urls (admin:comments_moderation…), so they
run inside the admin (staff, MFA) and check the "moderate comments" permission.
Every decision goes through comments/services.py. A page of a queue runs the same
number of queries however many items it shows: authors' histories are subqueries,
open reports one prefetch.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from core.ids import IdListField

from .. import conf, services
from ..models import Comment, Report
from .forms import decision_fields
from .live import LiveQueueForm, new_item_ids

PERMISSION = "comments.moderate_comments"
PAGE_SIZE = 25
RECENT_DAYS = 7

TABS = [
    ("pending", "Pending"),
    ("reported", "Reported"),
    ("held", "Held by rule"),
    ("approved", "Recently approved"),
    ("rejected", "Rejected"),
]
TAB_NAMES = dict(TABS)
# What each tab holds, and how the tabs overlap: shown above the tab's list.
TAB_HELP = {
    "pending": "Every comment waiting for a decision: those a rule held when they "
    "were posted (also under Held by rule) and those hidden by readers' reports "
    "(also under Reported).",
    "reported": "Comments with reports nobody has resolved yet: still published, or "
    "hidden once enough readers reported them (those are Pending too).",
    "held": "The Pending comments a rule held when they were posted: a word rule, "
    "too many links, a new reader's first comments, pre-moderation. Comments "
    "hidden by reports are not here.",
    "approved": f"Comments a moderator approved in the last {RECENT_DAYS} days.",
    "rejected": "Comments rejected, marked as spam or removed by a moderator.",
}
DECIDED_STATUSES = (
    Comment.Status.REJECTED,
    Comment.Status.SPAM,
    Comment.Status.REMOVED,
)

ACTIONS = {
    "approve": "approved",
    "reject": "rejected",
    "spam": "marked as spam",
    "pick": "made an editor's pick",
    "remove": "removed",
}
UNKNOWN_ACTION = "Choose what to do with the selected comments."
NOTHING_SELECTED = "Select at least one comment first."
BAD_SELECTION = (
    "The selection was not understood, so nothing was changed. Select the comments "
    "again."
)
DONE = "Comment {action}."
BULK_DONE = "{count} comment(s) {action}."


# --- Queues -----------------------------------------------------------------------


def _open_reports() -> Q:
    return Q(reports__resolved=False)


def queue(tab: str):
    """The comments of one tab, in the order a moderator should take them."""
    comments = Comment.objects.all()
    now = timezone.now()
    if tab == "pending":
        return comments.filter(status=Comment.Status.PENDING).order_by("created", "pk")
    if tab == "reported":
        return (
            comments.filter(
                status__in=[Comment.Status.APPROVED, Comment.Status.PENDING],
                pk__in=Report.objects.filter(resolved=False).values("comment_id"),
            )
            .annotate(reports_open=_count_open_reports())
            .order_by("-reports_open", "created", "pk")
        )
    if tab == "held":
        return (
            comments.filter(status=Comment.Status.PENDING)
            .exclude(hold_rule="")
            .exclude(hold_rule="reports")
            .order_by("created", "pk")
        )
    if tab == "approved":
        return comments.filter(
            status=Comment.Status.APPROVED,
            decided_by__isnull=False,
            decided_at__gte=now - timezone.timedelta(days=RECENT_DAYS),
        ).order_by("-decided_at", "-pk")
    if tab == "rejected":
        return comments.filter(status__in=DECIDED_STATUSES).order_by(
            "-decided_at", "-created", "-pk"
        )
    raise ValueError(tab)


def _count_open_reports():
    return Coalesce(
        Subquery(
            Report.objects.filter(comment=OuterRef("pk"), resolved=False)
            .order_by()
            .values("comment")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _author_count(**filters):
    return Coalesce(
        Subquery(
            Comment.objects.filter(author=OuterRef("author"), **filters)
            .order_by()
            .values("author")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_context(comments):
    """Everything an item shows, in a fixed number of queries."""
    open_reports = Report.objects.filter(resolved=False).select_related("user")
    return (
        comments.select_related("article", "author", "parent__author", "decided_by")
        .annotate(
            author_approved=_author_count(status=Comment.Status.APPROVED),
            author_rejected=_author_count(status__in=DECIDED_STATUSES),
            author_open_reports=Coalesce(
                Subquery(
                    Report.objects.filter(
                        comment__author=OuterRef("author"), resolved=False
                    )
                    .order_by()
                    .values("comment__author")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .prefetch_related(
            Prefetch(
                "reports", queryset=open_reports.order_by("created"), to_attr="open"
            )
        )
    )


def counts() -> dict[str, int]:
    """The size of every tab, in two queries (shown on the tabs and the index)."""
    now = timezone.now()
    pending = Q(status=Comment.Status.PENDING)
    totals = Comment.objects.aggregate(
        pending=Count("pk", filter=pending),
        held=Count("pk", filter=pending & ~Q(hold_rule__in=["", "reports"])),
        approved=Count(
            "pk",
            filter=Q(
                status=Comment.Status.APPROVED,
                decided_by__isnull=False,
                decided_at__gte=now - timezone.timedelta(days=RECENT_DAYS),
            ),
        ),
        rejected=Count("pk", filter=Q(status__in=DECIDED_STATUSES)),
    )
    totals["reported"] = (
        Report.objects.filter(
            resolved=False,
            comment__status__in=[Comment.Status.APPROVED, Comment.Status.PENDING],
        )
        .values("comment")
        .distinct()
        .count()
    )
    return totals


def rule_label(hold_rule: str) -> str:
    """'word-rule:12:crook' -> 'Word rule “crook”'; other rules by name."""
    if hold_rule.startswith("word-rule:"):
        phrase = hold_rule.split(":", 2)[-1]
        return f"Word rule “{phrase}”"
    return {
        "links": "Too many links",
        "first-comments": "A new reader's first comments",
        "author-premoderated": "Reader in pre-moderation",
        "article-premoderated": "Article in pre-moderation",
        "reports": "Reports from readers",
    }.get(hold_rule, hold_rule)


# --- Views ------------------------------------------------------------------------


def _check(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _tab(request: HttpRequest) -> str:
    tab = request.GET.get("tab") or request.POST.get("tab") or "pending"
    return tab if tab in TAB_NAMES else "pending"


def queue_view(request: HttpRequest, admin_site) -> HttpResponse:
    _check(request)
    tab = _tab(request)
    if "live" in request.GET:
        return _live(request, tab)
    drawn_at = timezone.now()  # before the reads: what comes in after is new
    page = Paginator(with_context(queue(tab)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for comment in page.object_list:
        comment.rule = rule_label(comment.hold_rule)
    tab_counts = counts()
    context = {
        **admin_site.each_context(request),
        "title": "Moderation queues",
        "opts": Comment._meta,
        "tab": tab,
        "tab_name": TAB_NAMES[tab],
        "tab_help": TAB_HELP[tab],
        "tabs": [(key, name, tab_counts[key]) for key, name in TABS],
        "page": page,
        "reasons": Comment.RejectionReason.choices,
        "actions": ACTIONS,
        "live_since": drawn_at.isoformat(),
        "live_poll_seconds": conf.live_poll_seconds(),
    }
    return TemplateResponse(request, "admin/comments/moderation/queue.html", context)


def _live(request: HttpRequest, tab: str) -> HttpResponse:
    """The queue's script asking what came in since the page was drawn, or for
    those items' HTML to put in the list (comments/moderation/live.py)."""
    form = LiveQueueForm(request.GET)
    if not form.is_valid() or (
        form.cleaned_data["live"] == "state" and form.cleaned_data["since"] is None
    ):
        return HttpResponse("Not understood.", status=400, content_type="text/plain")
    asked = form.cleaned_data
    if asked["live"] == "items":
        items = list(with_context(queue(tab).filter(pk__in=asked["ids"])))
        for comment in items:
            comment.rule = rule_label(comment.hold_rule)
        context = {
            "items": items,
            "tab": tab,
            "reasons": Comment.RejectionReason.choices,
            "page_number": asked["page"] or "",
        }
        return TemplateResponse(
            request, "admin/comments/moderation/_live_items.html", context
        )
    return JsonResponse(
        {"counts": counts(), "new": new_item_ids(queue(tab), asked["since"])}
    )


def _back(request: HttpRequest) -> str:
    query = {"tab": _tab(request)}
    if request.POST.get("page"):
        query["page"] = request.POST["page"]
    return f"{reverse('admin:comments_moderation')}?{urlencode(query)}"


def _apply(request: HttpRequest, comment: Comment, action: str) -> list[Comment]:
    """Run one decision through its service; returns the comments it changed."""
    expected = request.POST.get(f"expected-{comment.pk}") or request.POST.get(
        "expected"
    )
    kwargs = {"comment": comment, "moderator": request.user}
    if expected in Comment.Status.values:
        kwargs["expected_status"] = expected
    if action == "approve":
        return [services.comment_approve(**kwargs)]
    if action == "reject":
        return [services.comment_reject(**kwargs, **decision_fields(request.POST))]
    if action == "spam":
        return services.comment_mark_spam(
            **kwargs, include_pending=bool(request.POST.get("include_pending"))
        ) or [comment]
    if action == "pick":
        return [services.comment_pick(**kwargs)]
    if action == "remove":
        note = decision_fields(request.POST)["note"]
        return [services.comment_remove(**kwargs, note=note)]
    raise services.CommentError(UNKNOWN_ACTION, rule="unknown-action")


@require_POST
def decide_view(request: HttpRequest, pk: int, admin_site) -> HttpResponse:
    """One decision on one comment, from its item's buttons (htmx or not)."""
    _check(request)
    comment = get_object_or_404(Comment, pk=pk)
    action = request.POST.get("action", "")
    error = ""
    try:
        _apply(request, comment, action)
    except services.CommentError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        item = with_context(Comment.objects.filter(pk=pk)).get()
        item.rule = rule_label(item.hold_rule)
        tab_counts = counts()
        return TemplateResponse(
            request,
            "admin/comments/moderation/_decided.html",
            {
                "comment": item,
                "error": error,
                "done": "" if error else DONE.format(action=ACTIONS[action]),
                "tab": _tab(request),
                "tabs": [(key, name, tab_counts[key]) for key, name in TABS],
                "reasons": Comment.RejectionReason.choices,
                "page_number": request.POST.get("page", ""),
            },
        )
    if error:
        messages.error(request, f"Comment {pk}: {error}")
    else:
        messages.success(
            request, f"Comment {pk}: {DONE.format(action=ACTIONS[action])}"
        )
    return HttpResponseRedirect(_back(request))


class BulkForm(forms.Form):
    """What the queue's bulk form sends: the decision and the ticked comments."""

    action = forms.ChoiceField(
        choices=list(ACTIONS.items()),
        error_messages={"required": UNKNOWN_ACTION, "invalid_choice": UNKNOWN_ACTION},
    )
    selected = IdListField(
        error_messages={"required": NOTHING_SELECTED, "invalid": BAD_SELECTION}
    )


@require_POST
def bulk_view(request: HttpRequest, admin_site) -> HttpResponse:
    """The same decision on every selected comment; each one reports on its own."""
    _check(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        # Without a decision, what was ticked does not matter yet.
        field = "action" if "action" in form.errors else "selected"
        messages.error(request, form.errors[field][0])
        return HttpResponseRedirect(_back(request))
    action, ids = form.cleaned_data["action"], form.cleaned_data["selected"]
    done = 0
    for comment in Comment.objects.filter(pk__in=ids).order_by("pk"):
        try:
            _apply(request, comment, action)
        except services.CommentError as exc:
            messages.error(request, f"Comment {comment.pk}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, BULK_DONE.format(count=done, action=ACTIONS[action]))
    return HttpResponseRedirect(_back(request))
