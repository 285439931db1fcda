"""The community digest in the admin: its settings page (schedule, what goes in,
what the last weeks' runs did) and the digest's picks and questions on an issue,
which an editor reorders or removes (newsletter/digest.py drafts them).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin_ids import CheckedIdsAdmin, CheckedIdsMixin

from .digest import next_moment, quotable_picks
from .models import DigestRun, DigestSettings, IssuePick, IssueQuestion


class IssuePickInline(CheckedIdsMixin, admin.TabularInline):
    """The digest's editors' picks: reorder or remove (picks are chosen by the
    draft, from the week's picks whose authors consent)."""

    model = IssuePick
    extra = 0
    fields = ["position", "quote", "quoted"]
    readonly_fields = ["quote", "quoted"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        quotable = quotable_picks().filter(pk=OuterRef("comment_id"))
        return (
            super()
            .get_queryset(request)
            .select_related("comment__author", "comment__article")
            .annotate(is_quotable=Exists(quotable))
        )

    @admin.display(description="comment")
    def quote(self, obj) -> str:
        comment = obj.comment
        return format_html(
            "“{}” — {}, on “{}”",
            comment.body[:200] + ("…" if len(comment.body) > 200 else ""),
            comment.author_name,
            comment.article.title,
        )

    @admin.display(description="in the email")
    def quoted(self, obj) -> str:
        if obj.is_quotable:
            return "Quoted"
        return (
            "Left out: its author no longer agrees to be quoted, or it is no "
            "longer a published editor's pick"
        )


class IssueQuestionInline(CheckedIdsMixin, admin.TabularInline):
    """The digest's answered reader questions: reorder or remove."""

    model = IssueQuestion
    extra = 0
    fields = ["position", "question_text", "article"]
    readonly_fields = ["question_text", "article"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("question__article", "question__faq_item")
        )

    @admin.display(description="question")
    def question_text(self, obj) -> str:
        faq = obj.question.faq_item
        return faq.question if faq else obj.question.text

    @admin.display(description="answered in")
    def article(self, obj) -> str:
        return obj.question.article.title if obj.question.article_id else "—"


@admin.register(DigestSettings)
class DigestSettingsAdmin(CheckedIdsAdmin):
    """One page: when the community digest is drafted, what goes in, and what
    the last weeks' runs did."""

    fieldsets = [
        (
            "Schedule",
            {
                "description": "Each week at this time, in the site's time zone, "
                "a draft issue is made for an editor to review and send. Nothing is "
                "sent by itself.",
                "fields": ["enabled", "weekday", "hour", "newsletter", "next_draft"],
            },
        ),
        (
            "What goes in",
            {
                "fields": [
                    "top_stories",
                    "most_discussed",
                    "min_comments",
                    "max_picks",
                    "max_questions",
                ]
            },
        ),
        ("The draft", {"fields": ["subject", "intro"]}),
        ("Recent weeks", {"fields": ["recent_runs"]}),
    ]
    readonly_fields = ["next_draft", "recent_runs"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if "enabled" in form.changed_data and obj.enabled:
            obj.active_since = timezone.now()  # no late draft of a past week
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        DigestSettings.load()
        return redirect("admin:newsletter_digestsettings_change", 1)

    @admin.display(description="next draft")
    def next_draft(self, obj) -> str:
        if not obj.enabled:
            return "None: the weekly draft is switched off."
        if obj.newsletter_id is None:
            return "None: choose the newsletter the digest is drafted for."
        moment = timezone.localtime(next_moment(obj, timezone.now()))
        return format_html(
            "{} {} {}, {} ({})",
            f"{moment:%A}",
            moment.day,
            f"{moment:%B %Y}",
            f"{moment:%H:%M}",
            timezone.get_current_timezone_name(),
        )

    @admin.display(description="what the last runs did")
    def recent_runs(self, obj) -> str:
        runs = DigestRun.objects.select_related("issue")[:8]
        if not runs:
            return "No digest has been drafted yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>Week of {}: {}{}</li>",
                (
                    (f"{run.week_of.day} {run.week_of:%B %Y}", run.note, _link(run))
                    for run in runs
                ),
            ),
        )


def _link(run: DigestRun) -> str:
    if run.issue_id:
        url = reverse("admin:newsletter_issue_change", args=[run.issue_id])
        return format_html(' <a href="{}">Open the issue</a>', url)
    if not run.skipped:
        return " (the draft has since been deleted: it is not made again)"
    return ""
