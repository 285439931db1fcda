"""Users, credentials and groups in the admin.

Superusers see everything. Other staff who may change users (the Moderator group)
change only a reader's discussion fields, and a staff account is view-only for
them; their changes go through the moderation services, so each one is logged on
the reader's record (shown at the bottom of the page).

Credentials are for superusers alone, whatever permissions a group is granted:
anyone's password (Django's view would trust `change_user`, which every moderator
has), and every admin view of allauth's email addresses, authenticators and social
accounts, of groups, and of task results (account emails, with their reset links
and sign-in codes, wait there). tests/accounts/test_admin_permission_sweep.py holds
the whole table of who reaches what.
"""

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.socialaccount import providers
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django_tasks_db.models import DBTaskResult

from core.admin_ids import CheckedIdsMixin

from .models import User
from .names import validate_display_name
from .services import announce_public_name

DISCUSSION_FIELDS = [
    "trusted",
    "trust_locked",
    "trust_reason",
    "premoderated",
    "commenting_suspended_until",
    "commenting_suspended_forever",
    "suspension_reason",
]


class DisplayNameRuleMixin:
    """The public name follows the same rule in the admin as everywhere else
    (accounts/names.py): no superuser slip gives a reader a staff look-alike."""

    def clean(self):
        data = super().clean()
        value = data.get("display_name")
        if value and value.strip():
            # Staff may use newsroom words: judge by the box as submitted.
            is_staff = data.get("is_staff", self.instance.is_staff)
            named = User(pk=self.instance.pk, is_staff=is_staff)
            try:
                data["display_name"] = validate_display_name(value, user=named)
            except ValidationError as error:
                self.add_error("display_name", error)
        return data


class UserCreationForm(DisplayNameRuleMixin, DjangoUserAdmin.add_form):
    pass


class UserChangeForm(DisplayNameRuleMixin, DjangoUserAdmin.form):
    pass


@admin.register(User)
class UserAdmin(CheckedIdsMixin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
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
    readonly_fields = ["date_joined", "last_login", "trust_reason"]
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
            return ["email", "display_name", "date_joined", "trust_reason"]
        return super().get_readonly_fields(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Setting someone's password takes over their account: superusers only."""
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False  # staff accounts are for superusers only
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change and "display_name" in form.changed_data:
            announce_public_name(obj)
        super().save_model(request, obj, form, change)


class SuperuserOnlyAdmin:
    """Mixed into another app's ModelAdmin: every view of it is for superusers.

    Each check also asks the original admin, so what it refuses everyone (adding
    a task result, say) stays refused.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


SUPERUSER_ONLY: list[type[Model]] = [
    EmailAddress,
    EmailConfirmation,  # registered only without HMAC confirmation keys
    Authenticator,
    SocialApp,
    SocialAccount,
    SocialToken,
    Group,
    Permission,  # Django registers no admin for it; covered if an earlier app does
    DBTaskResult,
]


SOCIAL = {SocialApp, SocialAccount, SocialToken}


class HiddenWithoutProviderMixin:
    """Social accounts stay off the index while no provider is enabled (none is,
    out of the box): nobody can have one then. Their pages still answer the
    superuser who goes there."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(
            providers.registry.get_class_list()
        ) and super().has_module_permission(request)


def register_superuser_only(model: type[Model]) -> None:
    """Register the model's admin again, as a superuser-only subclass of itself.

    allauth, auth and django_tasks_db come before this app in INSTALLED_APPS, so
    their admins are registered by the time this runs.
    """
    if not admin.site.is_registered(model):
        return
    original = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    bases = (SuperuserOnlyAdmin, CheckedIdsMixin, original)
    if model in SOCIAL:
        bases = (HiddenWithoutProviderMixin, *bases)
    admin.site.register(model, type(original.__name__, bases, {}))


for model in SUPERUSER_ONLY:
    register_superuser_only(model)
