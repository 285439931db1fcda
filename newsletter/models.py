"""Newsletter models: newsletters, subscribers, issues and deliveries.

A Subscriber is an email address (stored stripped and lowercased, unique) with a
status. Only confirmed subscribers receive issues. An Issue is sent by creating one
Delivery per confirmed subscriber of its newsletter; the Delivery table is the
sender's to-do list, so a crash or a restart resumes from it.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone


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
