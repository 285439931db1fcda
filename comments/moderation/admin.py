"""Moderation in the admin; every decision goes through services.py.

The queues (comments/moderation.py) and the dashboard (comments/dashboard.py) are
mounted under the comment admin's URLs.
"""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path

from articles.cache import site_changed
from core.admin_ids import CheckedIdsAdmin, CheckedIdsMixin

from .. import conf, services
from ..models import (
    Comment,
    ModerationDecision,
    ModerationSettings,
    Reaction,
    Report,
    RotaException,
    RotaShift,
    WordRule,
)
from . import (
    article_admin,  # noqa: F401 (registers the Article admin)
    dashboard,
    readers_admin,  # noqa: F401 (registers the User admin)
    rota,
)
from . import queue as moderation
from .forms import DecisionForm


class ReportInline(CheckedIdsMixin, admin.TabularInline):
    model = Report
    extra = 0
    fields = ("user", "reason", "note", "resolved", "created")
    readonly_fields = fields
    can_delete = False


@admin.register(Comment)
class CommentAdmin(CheckedIdsAdmin):
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
        "hold_rule",
        "decided_by",
        "decided_at",
        "created",
        "edited_at",
        "is_editors_pick",
        "picked_at",
        "reaction_count",
        "reply_count",
        "body",
        "resubmitted_at",
        "rejected_body",
        "mend_until",
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

    @admin.action(description="Reject selected comments…", permissions=["change"])
    def reject(self, request, queryset):
        """Reject with the reason the authors are told, asked on a page first."""
        confirmed = bool(request.POST.get("confirm"))
        form = DecisionForm(request.POST)
        valid = form.is_valid()
        reason = form.cleaned_data.get("reason", "") if valid else ""
        note = form.cleaned_data.get("note", "") if valid else ""
        if confirmed and valid and reason:
            self._each(
                request,
                queryset,
                services.comment_reject,
                "rejected",
                reason=reason,
                note=note,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject comments",
            "opts": self.model._meta,
            "comments": queryset,
            "reasons": Comment.RejectionReason.choices,
            "reason": reason,
            "note": note,
            "error": (
                next(iter(form.errors.values()))[0]
                if form.errors
                else (services.REJECT_NEEDS_REASON if confirmed else "")
            ),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/comments/reject_confirmation.html", context
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
class WordRuleAdmin(CheckedIdsAdmin):
    """Words and phrases that reject or hold a comment.

    Matching ignores case and accents ("Café" = "cafe") and runs of spaces.
    """

    list_display = ("phrase", "action", "match", "is_active", "created")
    list_filter = ("action", "match", "is_active")
    search_fields = ("phrase", "note")
    fields = ("phrase", "action", "match", "is_active", "note")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        help_texts = {
            "phrase": "Matched without regard to letter case or accents: "
            "“cafe” also matches “Café”.",
            "action": "Reject: the reader is asked to rephrase and nothing is saved. "
            "Hold: the comment waits in the moderation queue.",
            "match": "Whole word(s): “crook” matches “a crook!” but not “crookery”. "
            "Anywhere: also inside longer words.",
            "is_active": "Untick to pause the rule without losing it.",
        }
        if field is not None and db_field.name in help_texts:
            field.help_text = help_texts[db_field.name]
        return field


@admin.register(Report)
class ReportAdmin(CheckedIdsAdmin):
    list_display = ("comment", "user", "reason", "resolved", "created")
    list_filter = ("reason", "resolved")
    raw_id_fields = ("comment", "user")
    list_select_related = ("comment", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from readers, through the discussion


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(CheckedIdsAdmin):
    """The audit trail: every decision, automatic or a moderator's; never edited.

    Filter by moderator on the right; by reader from their record (the user page
    links here with ?author__id__exact=…) or by searching their email.
    """

    list_display = (
        "created",
        "outcome",
        "reader",
        "moderator",
        "reason",
        "status_change",
        "comment_link",
    )
    list_filter = (
        "outcome",
        ("moderator", admin.RelatedOnlyFieldListFilter),
        "created",
    )
    search_fields = ("reason", "rule", "author__email", "author__display_name")
    list_select_related = ("author", "moderator", "comment")
    date_hierarchy = "created"
    readonly_fields = (
        "comment",
        "article",
        "author",
        "moderator",
        "outcome",
        "rule",
        "reason",
        "status_before",
        "status_after",
        "created",
    )

    @admin.display(description="reader", ordering="author__email")
    def reader(self, obj: ModerationDecision) -> str:
        return obj.author.email if obj.author_id else "—"

    @admin.display(description="status")
    def status_change(self, obj: ModerationDecision) -> str:
        if not (obj.status_before or obj.status_after):
            return ""
        return f"{obj.status_before or '—'} → {obj.status_after or '—'}"

    @admin.display(description="comment")
    def comment_link(self, obj: ModerationDecision) -> str:
        if not obj.comment_id:
            return ""
        body = obj.comment.body
        return body[:60] + "…" if len(body) > 60 else body

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record is kept


@admin.register(Reaction)
class ReactionAdmin(CheckedIdsAdmin):
    list_display = ("comment", "user", "created")
    raw_id_fields = ("comment", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recommendations come from readers, through the discussion


class RotaShiftInline(admin.TabularInline):
    model = RotaShift
    extra = 1
    fields = ("weekday", "starts", "ends", "note")
    verbose_name_plural = "moderation rota: hours on duty"


class RotaExceptionInline(admin.TabularInline):
    model = RotaException
    extra = 1
    fields = ("date", "starts", "ends", "note")
    verbose_name_plural = "rota exceptions (holidays)"


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(CheckedIdsAdmin):
    """One page of settings; each field says what the deployment's default is."""

    fieldsets = [
        (
            "Holds and limits",
            {
                "fields": [
                    "hold_links_over",
                    "hold_first_approved",
                    "rate_per_minute",
                    "rate_per_day",
                    "report_threshold",
                    "edit_window_minutes",
                    "mend_window_hours",
                ]
            },
        ),
        (
            "Discussions",
            {
                "description": "The weekly community digest has its own page: "
                "Newsletter → Community digest settings.",
                "fields": [
                    "default_discussion_mode",
                    "auto_close_days",
                    "live_poll_seconds",
                ],
            },
        ),
        (
            "Earned trust",
            {
                "description": "A reader whose record meets every condition becomes "
                "trusted by itself, and loses it when a decision takes the record "
                "below the bar (unless a moderator locked their trust).",
                "fields": [
                    "trust_min_approved",
                    "trust_min_days",
                    "trust_min_approval_percent",
                    "trust_clean_days",
                ],
            },
        ),
        (
            "Moderation rota",
            {
                "description": "The hours moderators are on duty, in the site's "
                "time zone, are listed below the settings; holidays and other days "
                "off the weekly pattern under rota exceptions.",
                "fields": ["outside_rota"],
            },
        ),
    ]
    inlines = [RotaShiftInline, RotaExceptionInline]

    def changelist_view(self, request, extra_context=None):
        """The list goes straight to the one row; who may not see it gets Django's
        own refusal, and nothing is created for them."""
        from django.http import HttpResponseRedirect
        from django.urls import reverse

        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(rota.rota_changed)
        # The guidelines page and every discussion's "reopen at" line show these.
        transaction.on_commit(site_changed)
