"""Moderation and discussion settings, read in one place.

Every rule in services.py asks this module, never django.conf.settings directly.
The settings moderators may change without a deploy live in the ModerationSettings
row (admin → Discussion → Moderation settings); an empty field there falls back to
the Django setting, which falls back to DEFAULTS.

The row is read once per process and kept in memory (SharedMemo), checked against
a version number in the shared cache (no database query per request): saving the
settings bumps the version, so every process reloads on its next read. The active
word rules are kept the same way (comments.word_rules).
"""

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {
    "COMMENTS_MAX_LENGTH": 5000,
    "COMMENTS_PAGE_SIZE": 20,
    "COMMENTS_REPLIES_SHOWN": 3,
    "COMMENTS_MAX_DEPTH": 3,
    "COMMENTS_EDIT_WINDOW_MINUTES": 15,
    "COMMENTS_RATE_PER_MINUTE": 5,
    "COMMENTS_RATE_PER_DAY": 50,
    "COMMENTS_DUPLICATE_WINDOW_HOURS": 24,
    "COMMENTS_HOLD_LINKS_OVER": 2,
    "COMMENTS_HOLD_FIRST_APPROVED": 1,
    "COMMENTS_REPORT_THRESHOLD": 3,
    "COMMENTS_PICKS_SHOWN": 5,
    "ACCOUNT_DELETION_COMMENTS": "placeholder",
}


# Django setting name -> ModerationSettings field.
EDITABLE = {
    "COMMENTS_HOLD_LINKS_OVER": "hold_links_over",
    "COMMENTS_HOLD_FIRST_APPROVED": "hold_first_approved",
    "COMMENTS_RATE_PER_MINUTE": "rate_per_minute",
    "COMMENTS_RATE_PER_DAY": "rate_per_day",
    "COMMENTS_REPORT_THRESHOLD": "report_threshold",
    "COMMENTS_EDIT_WINDOW_MINUTES": "edit_window_minutes",
    "COMMENTS_DEFAULT_DISCUSSION_MODE": "default_discussion_mode",
    "COMMENTS_AUTO_CLOSE_DAYS": "auto_close_days",
    "COMMENTS_TRUST_MIN_APPROVED": "trust_min_approved",
    "COMMENTS_TRUST_MIN_DAYS": "trust_min_days",
    "COMMENTS_TRUST_MIN_APPROVAL_PERCENT": "trust_min_approval_percent",
    "COMMENTS_TRUST_CLEAN_DAYS": "trust_clean_days",
    "COMMENTS_OUTSIDE_ROTA": "outside_rota",
    "COMMENTS_MEND_WINDOW_HOURS": "mend_window_hours",
    "COMMENTS_LIVE_POLL_SECONDS": "live_poll_seconds",
}
DEFAULTS.update(
    {
        "COMMENTS_DEFAULT_DISCUSSION_MODE": "open",
        "COMMENTS_AUTO_CLOSE_DAYS": 0,
        "COMMENTS_TRUST_MIN_APPROVED": 20,
        "COMMENTS_TRUST_MIN_DAYS": 30,
        "COMMENTS_TRUST_MIN_APPROVAL_PERCENT": 95,
        "COMMENTS_TRUST_CLEAN_DAYS": 90,
        "COMMENTS_OUTSIDE_ROTA": "premoderated",
        "COMMENTS_MEND_WINDOW_HOURS": 24,
        "COMMENTS_LIVE_POLL_SECONDS": 30,
    }
)
logger = logging.getLogger(__name__)


class SharedMemo:
    """A value loaded from the database once per process and kept in memory.

    Its version lives in the shared cache; `changed()` bumps it, and every process
    reloads on its next read. The version is asked at most once every
    MODERATION_SETTINGS_RECHECK_SECONDS (1 s) per process: a comment post reads a
    dozen settings and the word rules, and a round trip each was most of its cache
    traffic. A cleared cache keeps the memory copy (the version stays None until
    the next change).
    """

    def __init__(self, version_key: str, load: Callable[[], Any]) -> None:
        self.version_key = version_key
        self.load = load
        self._version: str | None = None
        self._value: Any = None
        self._loaded = False
        self._checked_at = 0.0

    def get(self) -> Any:
        now = time.monotonic()
        recheck = getattr(settings, "MODERATION_SETTINGS_RECHECK_SECONDS", 1.0)
        if self._loaded and now - self._checked_at < recheck:
            return self._value
        try:
            version = cache.get(self.version_key)
        except Exception:  # noqa: BLE001 - a cache outage falls back to memory
            version = self._version
        if not self._loaded or self._version != version:
            self._value = self.load()
            self._loaded = True
        self._version, self._checked_at = version, now
        return self._value

    def changed(self) -> None:
        """Call after a change is saved (and again on commit): every process reloads."""
        self._loaded = False
        try:
            cache.set(self.version_key, uuid.uuid4().hex, timeout=None)
        except Exception:  # noqa: BLE001 - other processes reload when it is back
            logger.warning("Could not publish a change of %s", self.version_key)


def _load_overrides() -> dict:
    """The non-empty fields of the ModerationSettings row, by Django setting name."""
    from .models import ModerationSettings

    row = ModerationSettings.objects.filter(pk=1).first()
    values = {}
    if row is not None:
        for name, field in EDITABLE.items():
            value = getattr(row, field)
            if value is not None and value != "":
                values[name] = value
    return values


_overrides = SharedMemo("comments:moderation-settings-version", _load_overrides)


def settings_changed() -> None:
    """Call after saving ModerationSettings (on commit): every process reloads."""
    _overrides.changed()


def _get(name: str):
    if name in EDITABLE:
        overrides = _overrides.get()
        if name in overrides:
            return overrides[name]
    return getattr(settings, name, DEFAULTS[name])


def default(name: str):
    """The deployment's value (Django setting or built-in default), for the admin."""
    return getattr(settings, name, DEFAULTS[name])


def max_length() -> int:
    """Longest comment body, in characters."""
    return int(_get("COMMENTS_MAX_LENGTH"))


def page_size() -> int:
    """Top-level threads per page of the discussion."""
    return int(_get("COMMENTS_PAGE_SIZE"))


def replies_shown() -> int:
    """Replies shown under each thread on a page of threads; the others wait behind
    "Show N more replies" (the thread's own page, or in place with htmx)."""
    return int(_get("COMMENTS_REPLIES_SHOWN"))


def max_depth() -> int:
    """Deepest nesting level: top-level comments are level 1."""
    return int(_get("COMMENTS_MAX_DEPTH"))


def edit_window() -> timedelta:
    return timedelta(minutes=int(_get("COMMENTS_EDIT_WINDOW_MINUTES")))


def rate_per_minute() -> int:
    return int(_get("COMMENTS_RATE_PER_MINUTE"))


def rate_per_day() -> int:
    return int(_get("COMMENTS_RATE_PER_DAY"))


def duplicate_window() -> timedelta:
    return timedelta(hours=int(_get("COMMENTS_DUPLICATE_WINDOW_HOURS")))


def hold_links_over() -> int:
    """A comment with more links than this waits for review."""
    return int(_get("COMMENTS_HOLD_LINKS_OVER"))


def hold_first_approved() -> int:
    """A reader's comments wait for review until this many have been approved."""
    return int(_get("COMMENTS_HOLD_FIRST_APPROVED"))


def report_threshold() -> int:
    """Reports from this many distinct readers hide a comment until reviewed."""
    return int(_get("COMMENTS_REPORT_THRESHOLD"))


def picks_shown() -> int:
    return int(_get("COMMENTS_PICKS_SHOWN"))


def account_deletion_comments() -> str:
    """ "placeholder" (keep threads whole) or "remove" (see docs/moderation.md)."""
    value = _get("ACCOUNT_DELETION_COMMENTS")
    return value if value in {"placeholder", "remove"} else "placeholder"


def default_discussion_mode() -> str:
    return str(_get("COMMENTS_DEFAULT_DISCUSSION_MODE"))


def auto_close_days() -> int:
    """Discussions close this many days after publication (0: never)."""
    return int(_get("COMMENTS_AUTO_CLOSE_DAYS"))


def trust_bar() -> dict[str, int]:
    """The record that earns trust (comments.moderation.trust); min_approved 0
    turns earned trust off."""
    return {
        "min_approved": int(_get("COMMENTS_TRUST_MIN_APPROVED")),
        "min_days": int(_get("COMMENTS_TRUST_MIN_DAYS")),
        "min_approval_percent": int(_get("COMMENTS_TRUST_MIN_APPROVAL_PERCENT")),
        "clean_days": int(_get("COMMENTS_TRUST_CLEAN_DAYS")),
    }


def outside_rota() -> str:
    """ "premoderated" or "closed": discussions when no moderator is on duty."""
    value = _get("COMMENTS_OUTSIDE_ROTA")
    return value if value in {"premoderated", "closed"} else "premoderated"


def mend_window() -> timedelta:
    """How long the author of a mendable rejected comment may resubmit it."""
    return timedelta(hours=int(_get("COMMENTS_MEND_WINDOW_HOURS")))


def live_poll_seconds() -> int:
    """How often an open article page asks for new comments."""
    return max(5, int(_get("COMMENTS_LIVE_POLL_SECONDS")))


# Reader questions' limits (deployment settings only, not on the settings page).
QUESTION_DEFAULTS = {
    "QUESTIONS_MIN_LENGTH": 10,
    "QUESTIONS_MAX_LENGTH": 300,
    "QUESTIONS_RATE_PER_MINUTE": 2,
    "QUESTIONS_RATE_PER_DAY": 10,
}


def question_setting(name: str) -> int:
    """Question limits: a Django setting when set, else the documented default."""
    return int(getattr(settings, name, QUESTION_DEFAULTS[name]))
