"""Discussion models: comments, reactions, reports, word rules and decisions.

Counts shown to readers are denormalized and kept right by comments/services.py:
Article.comment_count (approved comments), Comment.reaction_count and
Comment.reply_count (direct replies that are shown: approved, or placeholders that
still carry replies). Reader questions arrive with issue 5.
"""

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .markdown import render_comment


class CommentQuerySet(models.QuerySet):
    def approved(self) -> "CommentQuerySet":
        """What every reader may see: the one definition of a published comment."""
        return self.filter(status=Comment.Status.APPROVED)

    def shown(self) -> "CommentQuerySet":
        """Approved comments, plus deleted/removed ones that still carry replies.

        The placeholders keep the thread readable ("[deleted]" with its replies).
        """
        return self.filter(
            Q(status=Comment.Status.APPROVED)
            | Q(status__in=Comment.PLACEHOLDER_STATUSES, reply_count__gt=0)
        )

    def shown_or_own(self, user) -> "CommentQuerySet":
        """What `user` sees in a thread: the shown ones, and all of their own."""
        if user is None or not user.is_authenticated:
            return self.shown()
        return self.filter(
            Q(status=Comment.Status.APPROVED)
            | Q(status__in=Comment.PLACEHOLDER_STATUSES, reply_count__gt=0)
            | Q(
                author=user,
                status__in=[Comment.Status.PENDING, Comment.Status.REJECTED],
            )
        )


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        APPROVED = "approved", "Published"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed by a moderator"
        DELETED = "deleted", "Deleted by its author"

    PLACEHOLDER_STATUSES = ("deleted", "removed")

    class RejectionReason(models.TextChoices):
        OFF_TOPIC = "off-topic", "Off topic"
        ABUSE = "abuse", "Abusive or uncivil"
        SPAM = "spam", "Spam or advertising"
        MISINFORMATION = "misinformation", "Misinformation"
        PERSONAL = "personal", "Personal information"
        OTHER = "other", "Against the community guidelines"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text="Empty when the reader deleted their account.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The top-level comment of the thread: a page of threads and all "
        "their replies come in one query.",
    )
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The comment answered when it was deeper than threads nest; "
        "shown as 'in reply to …'.",
    )
    depth = models.PositiveSmallIntegerField(default=1)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    hold_reason = models.CharField(max_length=200, blank=True)
    hold_rule = models.CharField(
        max_length=40,
        blank=True,
        help_text="The rule that held it (e.g. word-rule:12:phrase, links, reports).",
    )
    rejection_reason = models.CharField(
        max_length=20, choices=RejectionReason.choices, blank=True
    )
    moderator_note = models.CharField(
        max_length=500, blank=True, help_text="Shown to the author with the reason."
    )
    created = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_editors_pick = models.BooleanField("editor's pick", default=False)
    picked_at = models.DateTimeField(null=True, blank=True)
    reaction_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    reply_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The moderator who last decided on it.",
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        indexes = [
            models.Index(fields=["article", "parent", "status", "created"]),
            models.Index(fields=["author", "created"]),
            models.Index(fields=["status", "created"]),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.article_id}"

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_comment(self.body) if self.body else ""
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The permalink: a redirect to the right page of the discussion."""
        return reverse("comments:permalink", kwargs={"pk": self.pk})

    @property
    def is_placeholder(self) -> bool:
        return self.status in self.PLACEHOLDER_STATUSES

    @property
    def author_name(self) -> str:
        if self.author_id is None or self.status == self.Status.DELETED:
            return "[deleted]"
        return self.author.public_name


class Reaction(models.Model):
    """A reader recommends a comment: one per reader, never their own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reactions"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "comment"], name="reaction_once_per_reader"
            )
        ]

    def __str__(self) -> str:
        return f"Recommendation of comment {self.comment_id}"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        OFF_TOPIC = "off-topic", "Off topic"
        MISINFORMATION = "misinformation", "Misinformation"
        OTHER = "other", "Something else"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    resolved = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "comment"], name="report_once_per_reader"
            )
        ]

    def __str__(self) -> str:
        return f"Report on comment {self.comment_id}: {self.reason}"


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

    comment = models.ForeignKey(
        Comment,
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
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"

    def __str__(self) -> str:
        return "Moderation settings"


from .question_models import ReaderQuestion  # noqa: E402,F401
