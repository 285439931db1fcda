"""Reader questions: readers ask, editors feature and answer, the best join the FAQ.

A question is held for editors (pending) until approved or rejected. An editor may
feature one approved question per article in the article's "Reader question" slot;
comments posted from that slot are its answers (the `answers` relation, so the
Comment model stays the discussion's own). An editor's answer promotes the question
into the article's FAQ: it becomes a FaqItem and the question is "answered".
Writes go through comments/questions/services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

ANONYMOUS_NAME = "a reader"


class ReaderQuestionQuerySet(models.QuerySet):
    def answered(self) -> "ReaderQuestionQuerySet":
        """Promoted into a published article's FAQ: what the answers page lists."""
        from articles.models import Article

        return self.filter(
            status=ReaderQuestion.Status.ANSWERED,
            faq_item__isnull=False,
            article__in=Article.objects.published(),
        )


class ReaderQuestion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Not taken up"
        ANSWERED = "answered", "Answered in the FAQ"

    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reader_questions",
        help_text="Empty for a question to the newsroom in general.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reader_questions",
        help_text="Empty when the reader deleted their account.",
    )
    text = models.CharField("question", max_length=300)
    is_anonymous = models.BooleanField(
        "asked anonymously",
        default=False,
        help_text="Shown as “a reader” instead of the asker's display name.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    hold_reason = models.CharField(
        max_length=200, blank=True, help_text="Why the automatic checks flagged it."
    )
    is_featured = models.BooleanField("featured", default=False)
    featured_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(
        blank=True, help_text="The newsroom's answer, published with the FAQ entry."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    faq_item = models.OneToOneField(
        "articles.FaqItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reader_question",
    )
    answers = models.ManyToManyField(
        "comments.Comment",
        blank=True,
        related_name="answered_questions",
        help_text="Comments posted from the article's reader-question slot.",
    )
    asker_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = ReaderQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "reader question"
        indexes = [
            models.Index(fields=["author", "created"]),
            models.Index(fields=["status", "created"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(is_featured=True),
                name="one_featured_question_per_article",
                violation_error_message="An article has one featured question.",
            )
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    @property
    def asker_name(self) -> str:
        """The public attribution: display name, or "a reader" when anonymous."""
        if self.is_anonymous or self.author_id is None:
            return ANONYMOUS_NAME
        return self.author.public_name

    @property
    def faq_url(self) -> str:
        """The answer in the article's FAQ (only once promoted)."""
        if not (self.faq_item_id and self.article_id):
            return ""
        return f"{self.article.get_absolute_url()}#faq-{self.faq_item_id}"
