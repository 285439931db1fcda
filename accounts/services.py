"""Account services: verification checks, profile updates, data export, deletion.

Other apps import `user_has_verified_email` to decide who may comment or ask.
"""

import secrets
import time
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from core.compiled import CompiledQuery

from . import privacy
from .names import validate_display_name
from .signals import public_name_changed
from .tasks import send_account_email

User = get_user_model()


def user_has_verified_email(user) -> bool:
    """True when a signed-in user has at least one verified email address.

    The gate for commenting and asking questions: an unverified or anonymous
    visitor gets False.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(verified_address_query.rows(user=user.pk))


# Every signed-in article page asks (may this reader comment?): compiled once.
verified_address_query = CompiledQuery(
    lambda user: EmailAddress.objects.filter(user_id=user, verified=True).values_list(
        "pk"
    )[:1],
    "user",
)


def has_verified_email() -> Exists:
    """For a User queryset: does the user have a verified email address?

    The same gate as user_has_verified_email, for writes that read the user's row
    anyway (a post locks it) and can ask in the same query.
    """
    return Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True))


def announce_public_name(user) -> None:
    """Tell the apps that show the user's name (after the commit), so cached pages
    that show the old one are refreshed."""
    transaction.on_commit(
        lambda: public_name_changed.send(sender=get_user_model(), user=user)
    )


def profile_update(
    *,
    user,
    display_name: str,
    bio: str,
    notify_on_reply: bool,
    share_picks_in_digest: bool = False,
) -> "User":
    """Save a reader's public profile after checking the display-name rules."""
    old_name = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list("display_name", flat=True)
        .first()
    )
    user.display_name = validate_display_name(display_name, user=user)
    user.bio = bio.strip()
    user.notify_on_reply = notify_on_reply
    user.share_picks_in_digest = share_picks_in_digest
    user.full_clean(exclude=["password", "email"])
    with transaction.atomic():
        user.save(
            update_fields=[
                "display_name",
                "bio",
                "notify_on_reply",
                "share_picks_in_digest",
            ]
        )
        if user.display_name != old_name:
            announce_public_name(user)
    return user


def display_name_set(*, user, display_name: str) -> "User":
    """Give a reader their public name (asked for before their first comment or
    question when they skipped it at sign-up); the settings page's rules apply."""
    user.display_name = validate_display_name(display_name, user=user)
    with transaction.atomic():
        user.save(update_fields=["display_name"])
        announce_public_name(user)
    return user


def account_export(*, user) -> dict[str, Any]:
    """Everything the site holds about `user`, as JSON-serialisable data.

    The profile and email addresses come from here; every other app adds its own
    part through `accounts.privacy.register_exporter` (comments, questions,
    reactions, reports, subscriptions).
    """
    data: dict[str, Any] = {
        "site": settings.SITE_NAME,
        "profile": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio,
            "notify_on_reply": user.notify_on_reply,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {
                "email": address.email,
                "verified": address.verified,
                "primary": address.primary,
            }
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        # Which second factors exist and when they were used; never the secrets.
        "two_factor": [
            {
                "type": authenticator.type,
                "created_at": authenticator.created_at,
                "last_used_at": authenticator.last_used_at,
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "social_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": account.date_joined,
                "data": account.extra_data,
            }
            for account in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
    }
    for name, exporter in sorted(privacy.exporters().items()):
        data[name] = exporter(user)
    return data


def account_delete(*, user) -> None:
    """Erase `user` and their personal data in one transaction.

    Each app's eraser runs first (comments become "[deleted]" placeholders or
    vanish, per settings.ACCOUNT_DELETION_COMMENTS); then the user row goes, and
    with it allauth's email addresses, MFA authenticators and social accounts.
    If any eraser fails, nothing is deleted.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        for eraser in privacy.erasers():
            eraser(user)
        user.delete()


DELETION_CODE_SESSION_KEY = "accounts_deletion_code"
DELETION_CODE_MINUTES = 15


def deletion_code_expected(*, request) -> str | None:
    """The code emailed to this browser for deleting the account, if still valid."""
    saved = request.session.get(DELETION_CODE_SESSION_KEY)
    if not isinstance(saved, dict):
        return None
    if time.time() - saved.get("sent_at", 0) > DELETION_CODE_MINUTES * 60:
        return None
    return saved.get("code")


def deletion_code_send(*, request, user) -> str:
    """Email a one-time code to confirm deletion of an account without a password.

    The code is kept in the session (the reader confirms in the same browser).
    """
    if user.has_usable_password():
        raise ValidationError("Accounts with a password confirm with the password.")
    code = f"{secrets.randbelow(10**6):06d}"
    request.session[DELETION_CODE_SESSION_KEY] = {"code": code, "sent_at": time.time()}
    context = {
        "user": user,
        "code": code,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    subject = render_to_string("accounts/email/deletion_code_subject.txt", context)
    kwargs = {
        "subject": " ".join(subject.split()),
        "body": render_to_string("accounts/email/deletion_code.txt", context),
        "html": render_to_string("accounts/email/deletion_code.html", context),
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": [user.email],
    }
    transaction.on_commit(lambda: send_account_email.enqueue(**kwargs))
    return code
