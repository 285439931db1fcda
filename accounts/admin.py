"""Users in the admin.

Superusers see everything. Other staff who may change users (the Moderator group)
see and change only a reader's discussion fields, never a staff account; their
changes go through the moderation services, so each one is logged on the reader's
record (shown at the bottom of the page).
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User

DISCUSSION_FIELDS = [
    "trusted",
    "premoderated",
    "commenting_suspended_until",
    "commenting_suspended_forever",
    "suspension_reason",
]


class UserChangeForm(DjangoUserAdmin.form):
    """Suspensions need an end, or the "permanent" choice, and a reason."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "commenting_suspended_until": "Commenting suspended until",
            "commenting_suspended_forever": "Suspended permanently",
            "suspension_reason": "Reason (shown to the reader)",
        }
        for name, label in labels.items():
            if name in self.fields:
                self.fields[name].label = label
        until = self.fields.get("commenting_suspended_until")
        if until is not None and hasattr(until.widget, "widgets"):
            # The admin's split date/time inputs have no label of their own.
            date, time = until.widget.widgets
            date.attrs["aria-label"] = "Commenting suspended until: date"
            time.attrs["aria-label"] = "Commenting suspended until: time"

    def clean(self):
        from comments import services

        data = super().clean()
        changed = {
            "commenting_suspended_until",
            "commenting_suspended_forever",
            "suspension_reason",
        } & set(self.changed_data)
        until = data.get("commenting_suspended_until")
        forever = data.get("commenting_suspended_forever")
        reason = (data.get("suspension_reason") or "").strip()
        if changed and (until or forever or reason):
            if not until and not forever:
                self.add_error("commenting_suspended_until", services.SUSPEND_NEEDS_END)
            elif not reason:
                self.add_error("suspension_reason", services.SUSPEND_NEEDS_REASON)
        return data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    ordering = ["-date_joined"]
    list_display = [
        "email",
        "display_name",
        "is_staff",
        "trusted",
        "premoderated",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "trusted", "premoderated"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login"]
    change_form_template = "admin/accounts/user/change_form.html"
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "bio", "notify_on_reply"]}),
        ("Discussion", {"fields": DISCUSSION_FIELDS}),
        (
            "Permissions",
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    moderator_fieldsets = [
        (None, {"fields": ["email", "display_name", "date_joined"]}),
        (
            "Discussion",
            {
                "fields": DISCUSSION_FIELDS,
                "description": "A suspension needs an end date or “permanent”, "
                "and a reason the reader will see when they try to post.",
            },
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "password1", "password2"],
            },
        )
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.moderator_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return ["email", "display_name", "date_joined"]
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False  # staff accounts are for superusers only
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        """Discussion fields change through the services, which log each one."""
        if not change:
            return super().save_model(request, obj, form, change)
        from comments import services

        original = User.objects.get(pk=obj.pk)
        new = {name: getattr(obj, name) for name in DISCUSSION_FIELDS}
        for name in DISCUSSION_FIELDS:
            setattr(obj, name, getattr(original, name))
        super().save_model(request, obj, form, change)
        moderator = request.user
        if new["trusted"] != original.trusted:
            services.reader_set_trusted(
                reader=obj, moderator=moderator, on=new["trusted"]
            )
        if new["premoderated"] != original.premoderated:
            services.reader_set_premoderated(
                reader=obj, moderator=moderator, on=new["premoderated"]
            )
        suspension = [
            "commenting_suspended_until",
            "commenting_suspended_forever",
            "suspension_reason",
        ]
        if any(new[name] != getattr(original, name) for name in suspension):
            if new["commenting_suspended_until"] or new["commenting_suspended_forever"]:
                try:
                    services.reader_suspend(
                        reader=obj,
                        moderator=moderator,
                        reason=new["suspension_reason"],
                        until=new["commenting_suspended_until"],
                        forever=new["commenting_suspended_forever"],
                    )
                except services.CommentError as error:
                    messages.error(request, error.message)
            elif original.is_commenting_suspended() or original.suspension_reason:
                services.reader_unsuspend(reader=obj, moderator=moderator)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from comments.models import ModerationDecision

        decisions = (
            ModerationDecision.objects.filter(author_id=object_id)
            .exclude(outcome__in=["published", "refused"])
            .select_related("moderator", "comment", "article")[:100]
        )
        extra_context = {**(extra_context or {}), "decisions": decisions}
        return super().change_view(request, object_id, form_url, extra_context)
