"""Editors' admin for articles, sections, authors and tags."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Article, Author, FaqItem, FurtherReading, Section, Tag


class FaqItemInline(admin.TabularInline):
    model = FaqItem
    extra = 0
    fields = ["position", "question", "answer"]


class FurtherReadingInline(admin.TabularInline):
    model = FurtherReading
    extra = 0
    fields = ["position", "title", "url"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
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
            {"fields": ["hero_image", "hero_image_alt"], "classes": ["collapse"]},
        ),
        (
            "Discussion",
            {
                "fields": [
                    "discussion_mode",
                    "discussion_closes_at",
                    "reader_question",
                    "comment_count",
                ]
            },
        ),
        ("Search engines", {"fields": ["seo_title", "seo_description"]}),
    ]

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
        self.message_user(request, f"Scheduled {count} article(s).", messages.SUCCESS)

    @admin.action(description="Return selected articles to draft")
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(status=Article.Status.DRAFT)
        self.message_user(request, f"{count} article(s) are drafts again.")

    def view_on_site(self, obj: Article) -> str:
        return reverse("articles:detail", kwargs={"slug": obj.slug})


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["user"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
