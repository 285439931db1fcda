"""Profile, settings and privacy pages. allauth owns sign-up, sign-in and email."""

import json

from allauth.core import ratelimit
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from . import services
from .forms import DeleteAccountForm, ProfileSettingsForm

PROFILE_SAVED = "Your profile has been saved."
DELETION_CODE_SENT = "We have emailed you a code. Enter it below to confirm."


class ProfileView(DetailView):
    """A commenter's public page: name, bio, join date and approved comments."""

    template_name = "accounts/profile.html"
    context_object_name = "profile_user"

    def get_queryset(self):
        return get_user_model().objects.filter(is_active=True)


@never_cache
@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileSettingsForm(request.POST or None, instance=user)
    if request.method == "POST":
        if response := ratelimit.consume_or_429(
            request, action="update_profile", user=user
        ):
            return response
        if form.is_valid():
            services.profile_update(user=user, **form.cleaned_data)
            messages.success(request, PROFILE_SAVED)
            return redirect("accounts:settings")
        user.refresh_from_db()  # the header shows the saved name, not the typed one
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "mfa_enabled": is_mfa_enabled(user)},
    )


@never_cache
@login_required
@require_POST
def download_data(request: HttpRequest) -> HttpResponse:
    """Hand the reader everything we hold about them, as a JSON file."""
    if response := ratelimit.consume_or_429(
        request, action="export_data", user=request.user
    ):
        return response
    data = services.account_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    filename = f"{settings.SITE_NAME.lower()}-data-{timezone.now():%Y-%m-%d}.json"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete the account after re-confirming with the password (or emailed code)."""
    user = request.user
    expected = services.deletion_code_expected(request=request)
    form = DeleteAccountForm(user=user, expected_code=expected)
    if request.method == "POST":
        if response := ratelimit.consume_or_429(
            request, action="reauthenticate", user=user
        ):
            return response
        if "send_code" in request.POST and not user.has_usable_password():
            services.deletion_code_send(request=request, user=user)
            messages.info(request, DELETION_CODE_SENT)
            return redirect("accounts:delete")
        form = DeleteAccountForm(request.POST, user=user, expected_code=expected)
        if form.is_valid():
            services.account_delete(user=user)
            logout(request)
            return redirect("accounts:deleted")
    return render(
        request,
        "accounts/delete.html",
        {"form": form, "comment_policy": settings.ACCOUNT_DELETION_COMMENTS},
    )


def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html")


@never_cache
@login_required
def staff_mfa_required(request: HttpRequest) -> HttpResponse:
    """Explains to staff why the admin needs two-factor authentication first."""
    return render(
        request,
        "accounts/staff_mfa_required.html",
        {"mfa_enabled": is_mfa_enabled(request.user)},
    )
