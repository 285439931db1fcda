"""Moderation's models: word rules, the audit trail of decisions, and the settings
page. Their app label is "comments" (they moved here without a migration)."""

import re
import unicodedata

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.weekdays import Weekday


def normalize_text(text: str) -> str:
    """Case- and accent-insensitive form for matching: 'Café' -> 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


class WordRule(models.Model):
    """A word or phrase that rejects or holds a comment that contains it."""

    class Action(models.TextChoices):
        REJECT = "reject", "Reject the comment"
        HOLD = "hold", "Hold it for review"

    class Match(models.TextChoices):
        WORD = "word", "Whole word(s)"
        PHRASE = "phrase", "Anywhere, even inside words"

    phrase = models.CharField(max_length=200)
    action = models.CharField(max_length=6, choices=Action.choices)
    match = models.CharField(max_length=6, choices=Match.choices, default=Match.WORD)
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phrase"]
        verbose_name = "word rule"

    def __str__(self) -> str:
        return f"{self.phrase} ({self.get_action_display().lower()})"

    def matches(self, normalized_text: str) -> bool:
        """Does the rule match text already passed through normalize_text?"""
        phrase = normalize_text(self.phrase)
        if not phrase:
            return False
        if self.match == self.Match.PHRASE:
            return phrase in normalized_text
        pattern = r"(?<!\w)" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?!\w)"
        return re.search(pattern, normalized_text) is not None


class ModerationDecision(models.Model):
    """Every automatic or moderator decision on a comment, with its reason.

    Refusals have no comment (nothing was saved) but keep the article, the author
    and the rule, so moderators can see who is hitting which rule.
    """

    class Outcome(models.TextChoices):
        REFUSED = "refused", "Refused"
        HELD = "held", "Held for review"
        PUBLISHED = "published", "Published"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Marked as spam"
        REMOVED = "removed", "Removed"
        HIDDEN = "hidden", "Hidden after reports"
        PICKED = "picked", "Editor's pick"
        UNPICKED = "unpicked", "No longer an editor's pick"
        SUSPENDED = "suspended", "Commenting suspended"
        UNSUSPENDED = "unsuspended", "Suspension lifted"
        PREMODERATED = "premoderated", "Put in pre-moderation"
        UNPREMODERATED = "unpremoderated", "Taken out of pre-moderation"
        TRUSTED = "trusted", "Marked trusted"
        UNTRUSTED = "untrusted", "No longer trusted"
        TRUST_LOCKED = "trust-locked", "Trust locked"
        TRUST_UNLOCKED = "trust-unlocked", "Trust unlocked"
        RESUBMITTED = "resubmitted", "Resubmitted after rejection"

    comment = models.ForeignKey(
        "comments.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    article = models.ForeignKey(
        "articles.Article", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the automatic rules.",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rule = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    status_before = models.CharField(max_length=10, blank=True)
    status_after = models.CharField(max_length=10, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["author", "created"]),
            models.Index(fields=["outcome", "created"]),
        ]
        permissions = [
            ("moderate_comments", "Can use the moderation queues"),
            ("view_dashboard", "Can see the moderation dashboard"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.reason}"


class ModerationSettings(models.Model):
    """The moderation settings, editable in the admin without a deploy.

    One row (pk 1). An empty field means "use the deployment's setting"
    (config/settings.py, from the environment); comments/conf.py reads both.
    """

    hold_links_over = models.PositiveSmallIntegerField(
        "hold comments with more links than",
        null=True,
        blank=True,
        help_text="A comment with more links than this waits for a moderator.",
    )
    hold_first_approved = models.PositiveSmallIntegerField(
        "hold a reader's first comments",
        null=True,
        blank=True,
        help_text="A reader's comments wait for review until this many have been "
        "approved. 0 turns the rule off.",
    )
    rate_per_minute = models.PositiveSmallIntegerField(
        "comments per reader per minute",
        null=True,
        blank=True,
        help_text="More than this in one minute is refused with a 'wait' message.",
    )
    rate_per_day = models.PositiveSmallIntegerField(
        "comments per reader per day",
        null=True,
        blank=True,
        help_text="More than this in 24 hours is refused until tomorrow.",
    )
    report_threshold = models.PositiveSmallIntegerField(
        "reports that hide a comment",
        null=True,
        blank=True,
        help_text="Reports from this many different readers hide a published "
        "comment until a moderator decides.",
    )
    edit_window_minutes = models.PositiveSmallIntegerField(
        "edit window (minutes)",
        null=True,
        blank=True,
        help_text="How long authors may edit their comment after posting it.",
    )
    default_discussion_mode = models.CharField(
        max_length=20,
        blank=True,
        choices=[
            ("open", "Open"),
            ("premoderated", "Open, every comment reviewed first"),
            ("closed", "Closed"),
        ],
        help_text="The discussion mode a new article starts with.",
    )
    auto_close_days = models.PositiveSmallIntegerField(
        "close discussions after (days)",
        null=True,
        blank=True,
        help_text="A new article's discussion closes this many days after it is "
        "published. 0 keeps it open.",
    )
    # Earned trust (comments.moderation.trust).
    trust_min_approved = models.PositiveSmallIntegerField(
        "trust: approved comments at least",
        null=True,
        blank=True,
        help_text="A reader earns trust with at least this many approved comments "
        "(and the other conditions below). 0 turns earned trust off.",
    )
    trust_min_days = models.PositiveSmallIntegerField(
        "trust: over at least (days)",
        null=True,
        blank=True,
        help_text="Days from the reader's first approved comment to today.",
    )
    trust_min_approval_percent = models.PositiveSmallIntegerField(
        "trust: approval rate at least (%)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Approved comments out of all that moderators or rules decided "
        "(approved, rejected, spam, removed).",
    )
    trust_clean_days = models.PositiveSmallIntegerField(
        "trust: nothing against them for (days)",
        null=True,
        blank=True,
        help_text="No report a moderator upheld, no suspension or "
        "pre-moderation, and no trust removed by a moderator in this many days.",
    )
    # Discussion windows (comments.moderation.rota).
    outside_rota = models.CharField(
        "outside the moderation rota",
        max_length=20,
        blank=True,
        choices=[
            ("premoderated", "Comments are held for review"),
            ("closed", "Discussions close"),
        ],
        help_text="What discussions do when no moderator is on duty. With no rota "
        "hours entered, moderators are always on duty.",
    )
    # Rejected, with a way back.
    mend_window_hours = models.PositiveSmallIntegerField(
        "time to mend a rejected comment (hours)",
        null=True,
        blank=True,
        help_text="A comment rejected as off topic, uncivil, with too many links or "
        "personal details may be edited once and resubmitted within this time. "
        "0 turns it off.",
    )
    # Live discussion.
    live_poll_seconds = models.PositiveSmallIntegerField(
        "live discussion: check for new comments every (seconds)",
        null=True,
        blank=True,
        validators=[MinValueValidator(5)],
        help_text="How often an open article page asks whether there are new "
        "comments (only while the tab is visible).",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"

    def __str__(self) -> str:
        return "Moderation settings"


class RotaShift(models.Model):
    """Hours of a weekday when moderators are on duty, in the site's time zone.

    A shift that ends at or before it starts runs past midnight (22:00–02:00).
    """

    moderation_settings = models.ForeignKey(
        ModerationSettings, on_delete=models.CASCADE, related_name="rota_shifts"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField(help_text="At or before the start: the next day.")
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name = "moderation rota shift"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class RotaException(models.Model):
    """A day off the weekly rota (a holiday): no moderators, or other hours."""

    moderation_settings = models.ForeignKey(
        ModerationSettings, on_delete=models.CASCADE, related_name="rota_exceptions"
    )
    date = models.DateField(unique=True)
    starts = models.TimeField(
        null=True, blank=True, help_text="Empty: nobody on duty that day."
    )
    ends = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=100, blank=True, help_text="e.g. Christmas Day")

    class Meta:
        ordering = ["date"]
        verbose_name = "rota exception"

    def __str__(self) -> str:
        hours = (
            f"{self.starts:%H:%M}–{self.ends:%H:%M}"
            if self.starts and self.ends
            else "nobody on duty"
        )
        return f"{self.date:%d %b %Y}: {hours}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if bool(self.starts) != bool(self.ends):
            raise ValidationError(
                "Give both the start and the end of that day's hours, or neither "
                "for a day with nobody on duty."
            )
