"""Moderation in the admin; every decision goes through services.py.

The queues (comments/moderation.py) and the dashboard (comments/dashboard.py) are
mounted under the comment admin's URLs.
"""

from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path

from . import conf, dashboard, moderation, services
from .models import (
    Comment,
    ModerationDecision,
    ModerationSettings,
    Reaction,
    Report,
    WordRule,
)


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

    def get_urls(self):
        site = self.admin_site
        return [
            path(
                "moderation/",
                site.admin_view(partial(moderation.queue_view, admin_site=site)),
                name="comments_moderation",
            ),
            path(
                "moderation/bulk/",
                site.admin_view(partial(moderation.bulk_view, admin_site=site)),
                name="comments_moderation_bulk",
            ),
            path(
                "moderation/<int:pk>/decide/",
                site.admin_view(partial(moderation.decide_view, admin_site=site)),
                name="comments_moderation_decide",
            ),
            path(
                "dashboard/",
                site.admin_view(partial(dashboard.dashboard_view, admin_site=site)),
                name="comments_dashboard",
            ),
            *super().get_urls(),
        ]

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


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """One page of settings; each field says what the deployment's default is."""

    fields = [
        "hold_links_over",
        "hold_first_approved",
        "rate_per_minute",
        "rate_per_day",
        "report_threshold",
        "edit_window_minutes",
        "default_discussion_mode",
        "auto_close_days",
    ]

    def changelist_view(self, request, extra_context=None):
        from django.http import HttpResponseRedirect
        from django.urls import reverse

        ModerationSettings.objects.get_or_create(pk=1)
        return HttpResponseRedirect(
            reverse("admin:comments_moderationsettings_change", args=[1])
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        names = {v: k for k, v in conf.EDITABLE.items()}
        if field is not None and db_field.name in names:
            field.help_text = (
                f"{db_field.help_text} Leave empty for the deployment's value: "
                f"{conf.default(names[db_field.name])}."
            )
        return field

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(conf.settings_changed)
