"""The reader's page in the admin, with their standing in the discussion.

accounts/admin.py registers the User admin for account fields only; this subclass,
registered in its place, adds what moderators do with a reader (suspend,
pre-moderate, trust: each through moderation/standing.py, which records it) and
the decisions about them. So accounts imports nothing from the discussion.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model

from accounts.admin import DISCUSSION_FIELDS, UserAdmin, UserChangeForm
from core.admin_ids import is_usable_id

from .. import services
from ..models import ModerationDecision

User = get_user_model()


class ReaderStandingForm(UserChangeForm):
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


class ReaderStandingUserAdmin(UserAdmin):
    form = ReaderStandingForm

    def save_model(self, request, obj, form, change):
        """Discussion fields change through the services, which log each one."""
        if not change:
            return super().save_model(request, obj, form, change)
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
        if new["trust_locked"] != original.trust_locked:
            services.reader_set_trust_locked(
                reader=obj, moderator=moderator, on=new["trust_locked"]
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
        decisions = ModerationDecision.objects.none()
        if is_usable_id(User, None, unquote(object_id)):  # else the page says "gone"
            decisions = (
                ModerationDecision.objects.filter(author_id=unquote(object_id))
                .exclude(outcome__in=["published", "refused"])
                .select_related("moderator", "comment", "article")[:100]
            )
        extra_context = {**(extra_context or {}), "decisions": decisions}
        return super().change_view(request, object_id, form_url, extra_context)


admin.site.unregister(User)
admin.site.register(User, ReaderStandingUserAdmin)
