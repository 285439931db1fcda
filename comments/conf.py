"""Moderation and discussion settings, read in one place.

Every rule in services.py asks this module, never django.conf.settings directly, so
that the moderation workspace (issue 7) can later move these values into the admin by
changing only this file. Each function reads a Django setting with a default.
"""

from datetime import timedelta

from django.conf import settings

DEFAULTS = {
    "COMMENTS_MAX_LENGTH": 5000,
    "COMMENTS_PAGE_SIZE": 50,
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


def _get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def max_length() -> int:
    """Longest comment body, in characters."""
    return int(_get("COMMENTS_MAX_LENGTH"))


def page_size() -> int:
    """Top-level threads per page of the discussion."""
    return int(_get("COMMENTS_PAGE_SIZE"))


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
