"""The rules for a public display name, shared by sign-up and the settings page.

Readers see display names next to comments, so a name must not be a link, an email
address (spam and doxxing), or look like someone who speaks for the newsroom.
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

DISPLAY_NAME_MIN = 2
DISPLAY_NAME_MAX = 50

DISPLAY_NAME_REQUIRED = "Enter a display name: it is shown next to your comments."
DISPLAY_NAME_TOO_SHORT = "Your display name must be at least 2 characters long."
DISPLAY_NAME_TOO_LONG = "Your display name can be at most 50 characters long."
DISPLAY_NAME_NO_EMAIL = "Your display name can't contain an email address."
DISPLAY_NAME_NO_URL = "Your display name can't contain a web address."
DISPLAY_NAME_RESERVED = (
    "Your display name can't contain words like “moderator”, “editor”, “admin”, "
    "“staff” or the site's name, so that nobody mistakes you for the newsroom."
)
DISPLAY_NAME_STAFF = (
    "That is the name of someone on our staff. Please choose a different name."
)

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_URL = re.compile(
    r"(https?:|www\.|\b[a-z0-9-]+\.(com|net|org|info|biz|io|co|uk|us|de|fr|ru|xyz"
    r"|ly|me|tv|app|dev|news|online|site|top|link|click)\b)",
    re.IGNORECASE,
)
_RESERVED_WORDS = (
    "moderator",
    "moderators",
    "mod",
    "mods",
    "editor",
    "editors",
    "admin",
    "admins",
    "administrator",
    "staff",
    "newsroom",
    "official",
)


def _letters(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _is_reserved(value: str) -> bool:
    words = re.findall(r"[a-z0-9]+", value.lower())
    if any(word in _RESERVED_WORDS for word in words):
        return True
    # The site's name is caught even when spaced or punctuated ("Broad-Sheet").
    return _letters(settings.SITE_NAME) in _letters(value)


def _is_staff_name(value: str, user_pk: int | None) -> bool:
    from articles.models import Author  # the bylines readers know

    staff = get_user_model().objects.filter(is_staff=True, display_name__iexact=value)
    if user_pk is not None:
        staff = staff.exclude(pk=user_pk)
    authors = Author.objects.filter(name__iexact=value)
    if user_pk is not None:
        authors = authors.exclude(user_id=user_pk)
    return staff.exists() or authors.exists()


def validate_display_name(value: str, *, user=None) -> str:
    """Return the cleaned display name or raise ValidationError with one message.

    `user` is the account being named (None at sign-up). Staff may use newsroom
    words in their own names; nobody may take another staff member's name.
    """
    user_pk = user.pk if user is not None else None
    is_staff = bool(user is not None and user.is_staff)
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError(DISPLAY_NAME_REQUIRED, code="required")
    if len(value) < DISPLAY_NAME_MIN:
        raise ValidationError(DISPLAY_NAME_TOO_SHORT, code="min_length")
    if len(value) > DISPLAY_NAME_MAX:
        raise ValidationError(DISPLAY_NAME_TOO_LONG, code="max_length")
    if _EMAIL.search(value):
        raise ValidationError(DISPLAY_NAME_NO_EMAIL, code="email")
    if _URL.search(value):
        raise ValidationError(DISPLAY_NAME_NO_URL, code="url")
    if not is_staff and _is_reserved(value):
        raise ValidationError(DISPLAY_NAME_RESERVED, code="reserved")
    if _is_staff_name(value, user_pk):
        raise ValidationError(DISPLAY_NAME_STAFF, code="staff")
    return value
