"""sitemap.xml: the front page, every published article, and the section, tag and
author pages that list them, each with the time it last changed (lastmod): the
newest change among the articles it shows."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from .models import Article, Author, FrontPage, Section, Tag


class ArticleSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, item: Article):
        return item.last_changed


def _listed(model, relation: str):
    """Pages listing published articles, with the newest change among them."""
    now = timezone.now()
    published = Q(
        **{
            f"{relation}__status__in": [
                Article.Status.PUBLISHED,
                Article.Status.SCHEDULED,
            ],
            f"{relation}__published_at__lte": now,
        }
    )
    return (
        model.objects.annotate(
            newest=Max(f"{relation}__published_at", filter=published),
            updated=Max(f"{relation}__updated_at", filter=published),
        )
        .filter(newest__isnull=False)
        .order_by("pk")
    )


class ListingSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.5

    def items(self):
        return [
            *_listed(Section, "articles"),
            *_listed(Tag, "articles"),
            *_listed(Author, "articles"),
        ]

    def lastmod(self, item):
        return max(filter(None, [item.newest, item.updated]))


class HomeSitemap(Sitemap):
    changefreq = "always"
    priority = 1.0

    def items(self):
        return ["articles:home"]

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str):
        """The newest change of a published article, or the editor's rearranging."""
        latest = Article.objects.published().aggregate(
            newest=Max("published_at"), updated=Max("updated_at")
        )
        arranged = FrontPage.objects.filter(pk=1).values_list("updated_at", flat=True)
        moments = [latest["newest"], latest["updated"], *arranged]
        return max(filter(None, moments), default=None)


sitemaps = {"home": HomeSitemap, "articles": ArticleSitemap, "pages": ListingSitemap}
