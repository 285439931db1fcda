"""Newsletter models: newsletters, subscribers, issues and deliveries.

A Subscriber is an email address (stored stripped and lowercased, unique) with a
status. Only confirmed subscribers receive issues. An Issue is sent by creating one
Delivery per confirmed subscriber of its newsletter; the Delivery table is the
sender's to-do list, so a crash or a restart resumes from it.

The community digest (newsletter/digest.py) adds an issue's editors' picks and
reader questions (IssuePick, IssueQuestion), its settings (DigestSettings, one
row) and one DigestRun per week, unique, so a week is never drafted twice.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from core.weekdays import Weekday


def normalize_email(email: str) -> str:
    """The one form an address is stored and looked up in."""
    return (email or "").strip().lower()


class Newsletter(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(
        "offered by default",
        default=False,
        help_text="Ticked in the signup form unless the reader chooses otherwise.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self) -> "SubscriberQuerySet":
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def for_user(self, user) -> "SubscriberQuerySet":
        """The subscription linked to a reader account, or under its address."""
        return self.filter(Q(user=user) | Q(email=normalize_email(user.email)))


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"

    email = models.EmailField(max_length=254, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="newsletter_subscriptions",
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    newsletters = models.ManyToManyField(
        Newsletter, blank=True, related_name="subscribers"
    )
    source = models.CharField(
        "source page",
        max_length=200,
        blank=True,
        help_text="Where the reader signed up (a path), or 'import'.",
    )
    consent_text = models.TextField(blank=True)
    consent_at = models.DateTimeField("consent given", null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before the uniqueness check, so "Ada@X.com" finds "ada@x.com".
        self.email = normalize_email(self.email)


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.PROTECT, related_name="issues"
    )
    subject = models.CharField(max_length=150, blank=True)
    preheader = models.CharField(
        max_length=150,
        blank=True,
        help_text="The line of text inboxes show after the subject.",
    )
    intro = models.TextField(blank=True, help_text="Markdown.")
    articles = models.ManyToManyField(
        "articles.Article", through="IssueArticle", blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created = models.DateTimeField(default=timezone.now)
    send_started_at = models.DateTimeField(null=True, blank=True)
    deliveries_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients_count = models.PositiveIntegerField(default=0, editable=False)
    sent_count = models.PositiveIntegerField(default=0, editable=False)
    failed_count = models.PositiveIntegerField(default=0, editable=False)
    # While the SMTP server cannot be reached (newsletter/sending.py): failures in
    # a row, since when, the last error and when the deliveries are tried again.
    smtp_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    smtp_down_since = models.DateTimeField(null=True, blank=True, editable=False)
    smtp_error = models.CharField(max_length=500, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.subject or f"Untitled issue of {self.newsletter}"

    def get_admin_url(self) -> str:
        return reverse("admin:newsletter_issue_change", args=[self.pk])

    def ordered_articles(self):
        """The issue's articles readers may see, in the editor's order. Sending is
        refused while one is unpublished (services.issue_check_sendable); this
        also keeps out one unpublished after the send began."""
        from articles.models import Article

        return (
            Article.objects.published()
            .filter(newsletter_placements__issue=self)
            .select_related("section")
            .order_by("newsletter_placements__position", "newsletter_placements__pk")
        )

    def progress(self) -> dict:
        """Live counts from the Delivery table (one query), and the state of the
        send: "sending", "waiting for the server" (it cannot be reached: the
        queued deliveries wait for it, counted as such), "stalled" (deliveries are
        due but nothing has been sent for STALLED_AFTER: no worker is running)."""
        now = timezone.now()
        queued = Q(status=Delivery.Status.QUEUED)
        counts = self.deliveries.aggregate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
            failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
            retrying=Count("pk", filter=queued & Q(attempts__gt=0)),
            due=Count("pk", filter=queued & Q(available_at__lte=now)),
            last_sent_at=Max("sent_at"),
        )
        counts["queued"] = counts["total"] - counts["sent"] - counts["failed"]
        counts["done"] = counts["sent"] + counts["failed"]
        counts["state"] = self._send_state(counts, now)
        return counts

    STALLED_AFTER = datetime.timedelta(minutes=2)

    def _send_state(self, counts: dict, now) -> str:
        if self.status != self.Status.SENDING:
            return self.status
        if self.smtp_failures:
            return "waiting for the server"
        last = counts["last_sent_at"] or self.send_started_at or now
        if counts["due"] and now - last > self.STALLED_AFTER:
            return "stalled"
        return "sending"


class IssueArticle(models.Model):
    """An article's place in an issue (the editor chooses the order)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="newsletter_placements",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "article"], name="newsletter_issue_article_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.article}"


class Delivery(models.Model):
    """One issue to one subscriber: created queued, ends sent or failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a sender may next take this delivery: now for new ones, later while a
    # sender holds it (a lease, so a crashed sender's claim runs out) or after a
    # failure (the retry backoff).
    available_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="newsletter_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["issue", "status", "available_at"],
                name="newsletter_delivery_todo",
            )
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.subscriber}"


class IssuePick(models.Model):
    """An editor's pick quoted in an issue (the community digest), in order.

    Quoted only while its author consents and the comment is still an approved
    pick on a published article (newsletter/digest.py, `quotable_picks`): a pick
    whose author withdrew consent after the draft was made is left out when the
    issue is rendered.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="picks")
    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        related_name="newsletter_placements",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "editor's pick"
        verbose_name_plural = "editors' picks"
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "comment"], name="newsletter_issue_pick_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. Comment {self.comment_id}"


class IssueQuestion(models.Model):
    """A reader question answered in an article's FAQ, in an issue, in order."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(
        "comments.ReaderQuestion",
        on_delete=models.CASCADE,
        related_name="newsletter_placements",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "answered reader question"
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "question"], name="newsletter_issue_question_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.question_id}"


class DigestSettings(models.Model):
    """When the community digest is drafted and what goes in it (one row, pk 1).

    The defaults work as they are: every Friday at 09:00 in the site's time zone
    a draft covering the seven days before waits for an editor. Nothing is ever
    sent without an editor (newsletter/digest.py).
    """

    Weekday = Weekday

    enabled = models.BooleanField(
        "draft the digest every week",
        default=True,
        help_text="Off: no draft is made. Drafts are never sent by themselves.",
    )
    newsletter = models.ForeignKey(
        Newsletter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The newsletter the digest is drafted for; its subscribers "
        "receive it once you send it.",
    )
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.FRIDAY
    )
    hour = models.PositiveSmallIntegerField(
        "at (hour)",
        default=9,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text="0–23, in the site's time zone. The draft covers the seven days "
        "before this moment.",
    )
    top_stories = models.PositiveSmallIntegerField(
        "front page stories",
        default=4,
        help_text="At most this many of the front page's lead and top stories "
        "(as the front page shows them when the digest is drafted) that were "
        "published in the week.",
    )
    most_discussed = models.PositiveSmallIntegerField(
        "most-discussed stories",
        default=3,
        help_text="Then at most this many of the published articles with the most "
        "approved comments posted in the week.",
    )
    min_comments = models.PositiveSmallIntegerField(
        "comments to count as discussed",
        default=3,
        help_text="An article needs at least this many approved comments in the "
        "week to be one of the most-discussed.",
    )
    max_picks = models.PositiveSmallIntegerField(
        "editors' picks",
        default=5,
        help_text="At most this many of the week's editors' picks, oldest pick "
        "first, and only those whose authors agreed to be quoted in the digest.",
    )
    max_questions = models.PositiveSmallIntegerField(
        "answered reader questions",
        default=5,
        help_text="At most this many reader questions answered in an FAQ that week.",
    )
    subject = models.CharField(
        "subject",
        max_length=100,
        default="Community digest",
        help_text="The draft's subject is this, then the week: "
        "“Community digest: the week to 4 December”.",
    )
    intro = models.TextField(
        default="The stories you read and discussed most this week, the comments "
        "our editors picked from the discussion, and the questions you asked that "
        "we answered.",
        blank=True,
        help_text="The draft's introduction (Markdown); edit each draft as you like.",
    )
    active_since = models.DateTimeField(
        default=timezone.now,
        editable=False,
        help_text="When the weekly draft was last switched on: weeks due before "
        "then are not drafted late (a new site does not draft last week's).",
    )

    class Meta:
        verbose_name = "community digest settings"
        verbose_name_plural = "community digest settings"

    def __str__(self) -> str:
        return "Community digest settings"

    @classmethod
    def load(cls) -> "DigestSettings":
        """The one row; made with the defaults if it is missing."""
        row, _ = cls.objects.get_or_create(pk=1)
        return row


class DigestRun(models.Model):
    """One week's digest: drafted (its issue) or skipped (why, in `note`).

    Unique per week, so the job drafts at most one digest a week however often
    and in however many workers it runs: the second INSERT fails.
    """

    week_of = models.DateField(
        unique=True, help_text="The Monday of the week the digest was due in."
    )
    scheduled_for = models.DateTimeField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    issue = models.OneToOneField(
        Issue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_run",
    )
    skipped = models.BooleanField(
        default=False, help_text="Nothing to say that week: no draft was made."
    )
    note = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_of"]
        verbose_name = "community digest run"

    def __str__(self) -> str:
        return f"Digest for the week of {self.week_of:%d %B %Y}"
