"""The basics of moderation in the admin; every decision goes through services.py.

The full workspace (queues, shortcuts, audit pages) is issue 7.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import Comment, ModerationDecision, Reaction, Report, WordRule


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    fields = ("user", "reason", "note", "resolved", "created")
    readonly_fields = fields
    can_delete = False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = (
        "short_body",
        "author",
        "article",
        "status",
        "hold_reason",
        "is_editors_pick",
        "reaction_count",
        "created",
    )
    list_filter = (
        "status",
        "is_editors_pick",
        "created",
        ("article", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("body", "author__email", "author__display_name", "article__title")
    list_select_related = ("author", "article")
    raw_id_fields = ("article", "author", "parent", "root", "reply_to")
    date_hierarchy = "created"
    readonly_fields = (
        "article",
        "author",
        "parent",
        "root",
        "reply_to",
        "depth",
        "status",
        "hold_reason",
        "created",
        "edited_at",
        "is_editors_pick",
        "picked_at",
        "reaction_count",
        "reply_count",
        "body",
    )
    fields = readonly_fields + ("rejection_reason", "moderator_note")
    inlines = [ReportInline]
    actions = ["approve", "reject", "mark_spam", "remove", "pick", "unpick"]

    @admin.display(description="comment")
    def short_body(self, obj: Comment) -> str:
        return (obj.body[:80] + "…") if len(obj.body) > 80 else obj.body or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # comments come from readers, through the rules

    def _each(self, request, queryset: QuerySet, func, done: str, **kwargs) -> None:
        count = 0
        for comment in queryset:
            try:
                func(comment=comment, moderator=request.user, **kwargs)
            except services.CommentError as error:
                self.message_user(
                    request, f"{comment}: {error.message}", messages.ERROR
                )
            else:
                count += 1
        self.message_user(request, f"{count} comment(s) {done}.", messages.SUCCESS)

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        self._each(request, queryset, services.comment_approve, "approved")

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        self._each(
            request, queryset, services.comment_reject, "rejected", reason="other"
        )

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._each(request, queryset, services.comment_mark_spam, "marked as spam")

    @admin.action(description="Remove selected comments", permissions=["change"])
    def remove(self, request, queryset):
        self._each(request, queryset, services.comment_remove, "removed")

    @admin.action(description="Make editor's picks", permissions=["change"])
    def pick(self, request, queryset):
        self._each(request, queryset, services.comment_pick, "picked", picked=True)

    @admin.action(description="Remove from editor's picks", permissions=["change"])
    def unpick(self, request, queryset):
        self._each(request, queryset, services.comment_pick, "unpicked", picked=False)

    def save_model(self, request, obj, form, change):
        """Only reason and note are edited here; status changes go by actions."""
        if change and obj.status == Comment.Status.REJECTED:
            Comment.objects.filter(pk=obj.pk).update(
                rejection_reason=obj.rejection_reason,
                moderator_note=obj.moderator_note,
            )


@admin.register(WordRule)
class WordRuleAdmin(admin.ModelAdmin):
    list_display = ("phrase", "action", "match", "is_active", "created")
    list_filter = ("action", "match", "is_active")
    search_fields = ("phrase", "note")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("comment", "user", "reason", "resolved", "created")
    list_filter = ("reason", "resolved")
    raw_id_fields = ("comment", "user")
    list_select_related = ("comment", "user")


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    list_display = ("created", "outcome", "rule", "reason", "author", "moderator")
    list_filter = ("outcome", "created")
    search_fields = ("reason", "rule", "author__email")
    list_select_related = ("author", "moderator")
    readonly_fields = (
        "comment",
        "article",
        "author",
        "moderator",
        "outcome",
        "rule",
        "reason",
        "created",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(
    Reaction,
    list_display=("comment", "user", "created"),
    raw_id_fields=("comment", "user"),
)
from . import question_admin  # noqa: E402,F401
