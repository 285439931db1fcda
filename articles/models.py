"""The newsroom's content: sections, authors, tags, articles and their FAQ."""

import math
import re

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from .markdown import render_article

WORDS_PER_MINUTE = 230


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the navigation: lower comes first."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:section", kwargs={"slug": self.slug})


class Author(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    role = models.CharField(
        max_length=100, blank=True, help_text="e.g. Diplomatic editor"
    )
    bio = models.TextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
        help_text="The author's reader account, for their badge in the discussion.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:author", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:tag", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        """What readers may see: published or scheduled, and due by now.

        Scheduling is a query, not a job: a scheduled article simply starts
        matching once its publication time has passed.
        """
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            published_at__lte=timezone.now(),
        )

    def for_listing(self) -> "ArticleQuerySet":
        """Everything a teaser needs, in a fixed number of queries."""
        return (
            self.select_related("section")
            .prefetch_related("authors")
            .defer("body", "body_html")
            .order_by("-published_at", "-pk")
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    class DiscussionMode(models.TextChoices):
        OPEN = "open", "Open"
        PREMODERATED = "premoderated", "Open, every comment reviewed first"
        CLOSED = "closed", "Closed"

    title = models.CharField("headline", max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.TextField(
        max_length=600, help_text="The summary under the headline."
    )
    body = models.TextField(
        help_text="Markdown. Use '::: did-you-know' or '::: pro-tip' … ':::' "
        "for callouts."
    )
    body_html = models.TextField(editable=False, blank=True)
    word_count = models.PositiveIntegerField(editable=False, default=0)
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    authors = models.ManyToManyField(Author, blank=True, related_name="articles")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When readers can first see it. In the future for scheduled "
        "articles.",
    )
    updated_at = models.DateTimeField(
        "last updated",
        null=True,
        blank=True,
        help_text="Set when the story changes materially; shown to readers.",
    )
    modified_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Width and height stored on upload: the page never opens the file to size it.
    hero_image = models.ImageField(
        upload_to="heroes/%Y/%m/",
        blank=True,
        width_field="hero_image_width",
        height_field="hero_image_height",
    )
    share_images = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The social card and the 16×9, 4×3 and 1×1 pictures "
        "(share_images.py), by shape, with the key of what they show.",
    )
    hero_image_width = models.PositiveIntegerField(null=True, editable=False)
    hero_image_height = models.PositiveIntegerField(null=True, editable=False)
    hero_image_alt = models.CharField(
        max_length=250, blank=True, help_text="Describe the image for blind readers."
    )
    hero_image_caption = models.CharField(
        max_length=300, blank=True, help_text="Shown under the image."
    )
    hero_image_credit = models.CharField(
        max_length=150,
        blank=True,
        help_text="Who made it, e.g. “Photo: Ana Ruiz/Reuters”.",
    )
    hero_focal_x = models.PositiveSmallIntegerField(
        "focal point across (%)",
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="Where the 16×9, 4×3 and 1×1 crops centre: 0 is the left edge.",
    )
    hero_focal_y = models.PositiveSmallIntegerField(
        "focal point down (%)",
        default=40,
        validators=[MaxValueValidator(100)],
        help_text="0 is the top edge; faces are often a little above the middle.",
    )
    discussion_mode = models.CharField(
        max_length=12, choices=DiscussionMode.choices, default=DiscussionMode.OPEN
    )
    discussion_closes_at = models.DateTimeField(null=True, blank=True)
    legal_hold = models.BooleanField(
        "legal risk: discussion closed",
        default=False,
        help_text="Closes the discussion whatever its mode or the rota (for "
        "example during a trial); readers see the reason below.",
    )
    legal_hold_reason = models.CharField(
        "reason shown to readers",
        max_length=200,
        blank=True,
        help_text="e.g. “Comments are closed while the trial is under way.”",
    )
    reader_question = models.CharField(
        max_length=300,
        blank=True,
        help_text="A reader's question printed with the article.",
    )
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=160, blank=True)
    # The weighted full-text document (title, tags, standfirst, authors, section,
    # body), kept by articles.search on every save and tag, author or section change;
    # GIN-indexed on PostgreSQL (migration 0006). Unused, and empty, on SQLite.
    search_document = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_date",
                violation_error_message="Published and scheduled articles need a "
                "publication date.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.title)[:200]
        self.body_html = render_article(self.body)
        self.word_count = len(re.findall(r"\w+", strip_tags(self.body_html)))
        if self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            # comment_count belongs to the discussion, which keeps it with F()
            # updates; an editor's save must not write back the count it loaded.
            # Nor the share pictures, which their task writes, nor the search
            # document, which articles.search keeps.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name
                not in ("comment_count", "share_images", "search_document")
            ]
        super().save(*args, **kwargs)
        if self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED):
            from .share_images import key_for
            from .tasks import make_share_images

            # Only when what the pictures show changed (an import saves thousands).
            if self.share_images.get("key") != key_for(self):
                pk = self.pk
                transaction.on_commit(lambda: make_share_images.enqueue(pk))

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return (
            self.status != self.Status.DRAFT
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    @property
    def meta_title(self) -> str:
        return self.seo_title or self.title

    @property
    def meta_description(self) -> str:
        return self.seo_description or self.standfirst

    @property
    def last_changed(self):
        """What readers are told: the editorial update, else the publication."""
        return self.updated_at or self.published_at

    def share_image_urls(self) -> list[str]:
        """The 16×9, 4×3 and 1×1 pictures, as search engines ask for them (the
        hero image itself until they are made)."""
        made = self.share_images
        urls = [
            settings.SITE_URL + default_storage.url(made[shape])
            for shape in ("16x9", "4x3", "1x1")
            if made.get(shape)
        ]
        if not urls and self.hero_image:
            urls = [settings.SITE_URL + self.hero_image.url]
        return urls

    def hero_sources(self) -> list[tuple[str, str]]:
        """(type, srcset) of the hero image in modern formats, smallest first."""
        made = self.share_images.get("srcset", {})
        return [
            (
                f"image/{kind}",
                ", ".join(
                    f"{default_storage.url(name)} {width}w" for width, name in sizes
                ),
            )
            for kind, sizes in made.items()
            if sizes
        ]

    @property
    def social_card_url(self) -> str:
        """The picture a shared link shows: the hero image, else the drawn card."""
        if self.hero_image:
            return settings.SITE_URL + self.hero_image.url
        card = self.share_images.get("card")
        return settings.SITE_URL + default_storage.url(card) if card else ""

    def structured_data(self, absolute_url: str, faq_items) -> list[dict]:
        """JSON-LD for search engines: a NewsArticle, plus a FAQPage if any."""
        data: list[dict] = [
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": self.title,
                "description": self.meta_description,
                "url": absolute_url,
                "mainEntityOfPage": absolute_url,
                "datePublished": self.published_at.isoformat()
                if self.published_at
                else None,
                "dateModified": self.last_changed.isoformat()
                if self.last_changed
                else None,
                "articleSection": self.section.name,
                "keywords": [tag.name for tag in self.tags.all()],
                "wordCount": self.word_count,
                "image": self.share_image_urls(),
                "author": [
                    {
                        "@type": "Person",
                        "name": author.name,
                        "url": settings.SITE_URL + author.get_absolute_url(),
                    }
                    for author in self.authors.all()
                ],
                "publisher": {
                    "@type": "NewsMediaOrganization",
                    "name": settings.SITE_NAME,
                    "url": settings.SITE_URL,
                    "logo": {
                        "@type": "ImageObject",
                        "url": settings.SITE_URL + static("img/publisher-logo.png"),
                        "width": 600,
                        "height": 60,
                    },
                },
            }
        ]
        if faq_items:
            data.append(
                {
                    "@context": "https://schema.org",
                    "@type": "FAQPage",
                    "mainEntity": [
                        {
                            "@type": "Question",
                            "name": item.question,
                            "acceptedAnswer": {"@type": "Answer", "text": item.answer},
                        }
                        for item in faq_items
                    ],
                }
            )
        return data


class FaqItem(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="faq_items"
    )
    question = models.CharField(max_length=300)
    answer = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "FAQ item"

    def __str__(self) -> str:
        return self.question


class FurtherReading(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="further_reading"
    )
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "further reading link"

    def __str__(self) -> str:
        return self.title


class FrontPage(models.Model):
    """What leads the front page, as an editor arranged it (one row). The rest of
    the page fills itself with the newest published articles, by section
    (front_page.py)."""

    class StripKind(models.TextChoices):
        LIVE = "live", "Live"
        ANALYSIS = "analysis", "Analysis"

    lead = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The lead story. Empty, or not published: the newest article leads.",
    )
    strip_kind = models.CharField(
        "pinned strip",
        max_length=10,
        choices=StripKind.choices,
        blank=True,
        help_text="A strip above the lead: a live story, or an analysis.",
    )
    strip_article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="strip article",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "front page"
        verbose_name_plural = "front page"

    def __str__(self) -> str:
        return "The front page"

    @classmethod
    def current(cls) -> "FrontPage":
        page, _ = cls.objects.get_or_create(pk=1)
        return page


class TopStory(models.Model):
    """One of the top stories under the lead, in the editor's order."""

    front_page = models.ForeignKey(
        FrontPage, on_delete=models.CASCADE, related_name="top_stories"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "top story"
        verbose_name_plural = "top stories"
        constraints = [
            models.UniqueConstraint(
                fields=["front_page", "article"], name="top_story_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.article)
