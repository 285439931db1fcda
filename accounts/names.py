"""The rules for a public display name, shared by every form that sets one.

Readers see display names next to comments, so a name must not be a link, an email
address (spam and doxxing), or look like someone who speaks for the newsroom. "Look
like" is meant literally: names are compared by what a reader sees, so hidden
characters are refused and look-alike letters (Cyrillic "о" for "o", fullwidth
"Ｅ", dotless "ı") are compared by their confusable skeleton
(`accounts.homoglyphs`), against the newsroom words and against staff names alike.

Sign-up (`accounts.forms.SignupForm`), the settings page (`ProfileSettingsForm`,
`services.profile_update`) and the name asked for on comment and question forms
(`services.display_name_set`) all call `validate_display_name`.
"""

import re
import unicodedata
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from articles.models import Author  # the bylines readers know

from .homoglyphs import invisible_characters, keys_match, name_keys

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
DISPLAY_NAME_INVISIBLE = (
    "Your display name can't contain invisible or text-direction characters."
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


def _words(value: str) -> list[str]:
    """The words of `value`: runs of letters, marks and digits ("M0d" is one)."""
    words, word = [], ""
    for char in value:
        if unicodedata.category(char)[0] in "LMN":
            word += char
        elif word:
            words.append(word)
            word = ""
    return [*words, word] if word else words


def _is_reserved(value: str) -> bool:
    """Whether a word of `value` looks like a newsroom word, or the whole name
    contains the site's name.

    Whole words, as a reader reads them: "Badminton Fan" and "Modesto" are
    fine, and so is a name in another script that merely shares letters with a
    newsroom word; "Editоr" with a Cyrillic "о" is not.
    """
    words = _words(value)
    if any(keys_match(name_keys(word), key) for word in words for key in _reserved()):
        return True
    # The site's name is caught even when spaced or punctuated ("Broad-Sheet").
    site = name_keys("".join(_words(settings.SITE_NAME)))
    joined = name_keys("".join(words))
    return any(part in whole for part, whole in zip(site, joined, strict=True))


@cache
def _reserved() -> list[tuple[str, str]]:
    return [name_keys(word) for word in _RESERVED_WORDS]


def protected_name_keys(user_pk: int | None = None) -> list:
    """The confusable keys of every staff member's display name and every byline
    (but `user_pk`'s own), which no other name may look like.

    The comparison is in Python (confusable keys cannot be indexed), so only the
    names are loaded: staff and authors are a few dozen rows. Checking many names
    at once (an import), load them once and pass them to validate_display_name.
    """
    staff = get_user_model().objects.filter(is_staff=True).exclude(display_name="")
    authors = Author.objects.all()
    if user_pk is not None:
        staff = staff.exclude(pk=user_pk)
        authors = authors.exclude(user_id=user_pk)
    names = [
        *staff.values_list("display_name", flat=True),
        *authors.values_list("name", flat=True),
    ]
    return [name_keys(name) for name in names]


def _is_staff_name(value: str, protected_keys: list) -> bool:
    """Whether `value` looks like a staff member's display name or a byline."""
    keys = name_keys(value)
    return any(keys_match(keys, other) for other in protected_keys)


def validate_display_name(
    value: str, *, user=None, protected_keys: list | None = None
) -> str:
    """Return the cleaned display name or raise ValidationError with one message.

    `user` is the account being named (None at sign-up). Staff may use newsroom
    words in their own names; nobody may take another staff member's name.
    The value returned is NFKC-normalised with its spaces collapsed.
    """
    user_pk = user.pk if user is not None else None
    is_staff = bool(user is not None and user.is_staff)
    # Compatibility forms become the letters they stand for ("Ｅ" → "E", "ᴬ" → "A"),
    # so the name saved is the name checked. Tabs, newlines and other spacing
    # become one plain space before any hidden character is looked for.
    value = unicodedata.normalize("NFKC", value or "")
    value = " ".join(value.split())
    if not value:
        raise ValidationError(DISPLAY_NAME_REQUIRED, code="required")
    if invisible_characters(value):
        raise ValidationError(DISPLAY_NAME_INVISIBLE, code="invisible")
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
    if protected_keys is None:
        protected_keys = protected_name_keys(user_pk)
    if _is_staff_name(value, protected_keys):
        raise ValidationError(DISPLAY_NAME_STAFF, code="staff")
    return value
