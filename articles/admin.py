"""Editors' admin for articles, sections, authors and tags."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin_ids import CheckedIdsAdmin, CheckedIdsMixin

from .cache import article_changed, articles_changed, listings_changed, site_changed
from .front_page import TOP_STORIES
from .models import (
    Article,
    Author,
    FaqItem,
    FrontPage,
    FurtherReading,
    Section,
    Tag,
    TopStory,
)


def refresh_article_pages(article_ids) -> None:
    """After the transaction commits, readers get fresh pages for these articles."""
    ids = list(article_ids)
    transaction.on_commit(lambda: [article_changed(pk) for pk in ids])


class RefreshListingsMixin:
    """Tags and authors appear on listing pages and on their articles' pages (the
    byline, the tag links): refresh those on change. (A shared cache in front keeps
    article pages a day: nothing else would refresh them.)"""

    refresh = staticmethod(listings_changed)

    def _refresh_after_commit(self, article_ids: list[int]) -> None:
        def refresh() -> None:
            self.refresh()
            articles_changed(article_ids)

        transaction.on_commit(refresh)

    @staticmethod
    def _article_ids(obj) -> list[int]:
        return list(obj.articles.values_list("pk", flat=True))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._refresh_after_commit(self._article_ids(obj))

    def delete_model(self, request, obj):
        article_ids = self._article_ids(obj)  # before the links go with it
        super().delete_model(request, obj)
        self._refresh_after_commit(article_ids)


class FaqItemInline(CheckedIdsMixin, admin.TabularInline):
    model = FaqItem
    extra = 0
    fields = ["position", "question", "answer"]


class FurtherReadingInline(CheckedIdsMixin, admin.TabularInline):
    model = FurtherReading
    extra = 0
    fields = ["position", "title", "url"]


@admin.register(Article)
class ArticleAdmin(CheckedIdsAdmin):
    list_display = [
        "title",
        "section",
        "status",
        "published_at",
        "comment_count",
        "view_link",
    ]
    list_filter = ["status", "section", "discussion_mode", "tags", "published_at"]
    search_fields = ["title", "standfirst", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    autocomplete_fields = ["tags", "authors"]
    list_select_related = ["section"]
    inlines = [FaqItemInline, FurtherReadingInline]
    readonly_fields = ["preview", "comment_count", "modified_at"]
    actions = ["publish_now", "schedule", "unpublish"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "standfirst", "section", "authors", "tags"]},
        ),
        ("Body", {"fields": ["body", "preview"]}),
        (
            "Publication",
            {"fields": ["status", "published_at", "updated_at", "modified_at"]},
        ),
        (
            "Image",
            {
                "fields": [
                    "hero_image",
                    "hero_image_alt",
                    "hero_image_caption",
                    "hero_image_credit",
                    ("hero_focal_x", "hero_focal_y"),
                ],
                "classes": ["collapse"],
            },
        ),
        (
            "Discussion",
            {
                "fields": [
                    "discussion_mode",
                    "discussion_closes_at",
                    ("legal_hold", "legal_hold_reason"),
                    "reader_question",
                    "comment_count",
                ]
            },
        ),
        ("Search engines", {"fields": ["seo_title", "seo_description"]}),
    ]

    def save_related(self, request, form, formsets, change):
        # After the inlines (FAQ, further reading) are saved: the page shows them.
        super().save_related(request, form, formsets, change)
        refresh_article_pages([form.instance.pk])

    def delete_model(self, request, obj):
        refresh_article_pages([obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        refresh_article_pages(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)

    @admin.display(description="Rendered body")
    def preview(self, obj: Article) -> str:
        if not obj.pk:
            return "Save to see the rendered body."
        return format_html(
            '<a href="{}">Open the article as readers will see it</a> '
            "(drafts are visible to staff only).",
            obj.get_absolute_url(),
        )

    @admin.display(description="On site")
    def view_link(self, obj: Article) -> str:
        label = "View" if obj.is_published else "Preview"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), label)

    @admin.action(description="Publish selected articles now")
    def publish_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        now = timezone.now()
        count = 0
        for article in queryset:
            article.status = Article.Status.PUBLISHED
            if not article.published_at or article.published_at > now:
                article.published_at = now
            article.save()
            count += 1
        refresh_article_pages(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Schedule selected articles (at their publication date)")
    def schedule(self, request: HttpRequest, queryset: QuerySet) -> None:
        undated = queryset.filter(published_at__isnull=True).count()
        if undated:
            self.message_user(
                request,
                f"{undated} article(s) have no publication date: set one first. "
                "Nothing was scheduled.",
                messages.ERROR,
            )
            return
        count = queryset.update(status=Article.Status.SCHEDULED)
        refresh_article_pages(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Scheduled {count} article(s).", messages.SUCCESS)

    @admin.action(description="Return selected articles to draft")
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(status=Article.Status.DRAFT)
        refresh_article_pages(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} article(s) are drafts again.")

    def view_on_site(self, obj: Article) -> str:
        return reverse("articles:detail", kwargs={"slug": obj.slug})


@admin.register(Section)
class SectionAdmin(RefreshListingsMixin, CheckedIdsAdmin):
    refresh = staticmethod(site_changed)  # sections are in every page's navigation

    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(RefreshListingsMixin, CheckedIdsAdmin):
    list_display = ["name", "role", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["user"]


@admin.register(Tag)
class TagAdmin(RefreshListingsMixin, CheckedIdsAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class TopStoryInline(CheckedIdsMixin, admin.TabularInline):
    model = TopStory
    extra = 2
    max_num = TOP_STORIES  # what the front page shows
    fields = ["position", "article"]
    autocomplete_fields = ["article"]


@admin.register(FrontPage)
class FrontPageAdmin(CheckedIdsAdmin):
    """One page to arrange: the lead, the pinned strip and the top stories. The
    list goes straight to it; saving refreshes the cached front page at once."""

    fields = ["lead", "strip_kind", "strip_article"]
    autocomplete_fields = ["lead", "strip_article"]
    inlines = [TopStoryInline]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        page = FrontPage.current()
        return redirect("admin:articles_frontpage_change", page.pk)

    def has_add_permission(self, request) -> bool:
        return False  # there is one front page

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        transaction.on_commit(listings_changed)

    def response_change(self, request, obj):
        messages.success(request, "The front page is arranged: readers see it now.")
        return redirect("admin:articles_frontpage_change", obj.pk)
