"""The discussion's models: comments, reactions and reports.

The app's other models live with the code that owns them (moderation/models.py:
word rules, decisions, settings; questions/models.py: reader questions) and are
imported here, where Django looks for an app's models.

Counts shown to readers are denormalized and kept right by comments/records.py:
Article.comment_count (approved comments), Comment.reaction_count and
Comment.reply_count (direct replies that are shown: approved, or placeholders that
still carry replies).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .markdown import render_comment
from .moderation.models import (  # noqa: F401 (the app's models, for Django)
    ModerationDecision,
    ModerationSettings,
    RotaException,
    RotaShift,
    WordRule,
    normalize_text,
)
from .questions.models import ReaderQuestion  # noqa: F401


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
        INCIVILITY = "incivility", "Uncivil"
        LINKS = "links", "Too many links"
        PERSONAL = "personal", "Personal information"
        ABUSE = "abuse", "Abusive"
        SPAM = "spam", "Spam or advertising"
        MISINFORMATION = "misinformation", "Misinformation"
        OTHER = "other", "Against the community guidelines"

    # A comment rejected for one of these may be mended once and resubmitted
    # (conf.mend_window); spam, abuse and the rest may not.
    MENDABLE = frozenset({"off-topic", "incivility", "links", "personal"})

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
    guest_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="The name an imported comment was signed with, shown while no "
        "reader's account carries it (guests, commenters who have not claimed it).",
    )
    unclaimed_profile = models.ForeignKey(
        "UnclaimedProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text="The imported commenter it is waiting for, by email address.",
    )
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
    mend_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Rejected for a reason that can be mended: until then its author "
        "may edit it once and resubmit it.",
    )
    rejected_body = models.TextField(
        blank=True,
        editable=False,
        help_text="The text a moderator rejected, kept when the author resubmits.",
    )
    resubmitted_at = models.DateTimeField(null=True, blank=True, editable=False)
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
        if self.author_id is None:
            # An imported guest's name, until their comment is removed or deleted.
            shown = not self.is_placeholder and self.guest_name
            return shown or "[deleted]"
        if self.status == self.Status.DELETED:
            return "[deleted]"
        return self.author.public_name


class UnclaimedProfile(models.Model):
    """A commenter brought in by an import, known by an email address: no account,
    no password, nobody can sign in as them. Whoever verifies the address (signing
    up, or adding it to their account) claims it, and its comments become theirs
    (comments/claims.py)."""

    email = models.EmailField(unique=True, help_text="Stored in lowercase.")
    display_name = models.CharField(max_length=100)
    source = models.CharField(max_length=20, blank=True)
    created = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name


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
