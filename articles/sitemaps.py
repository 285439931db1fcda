"""sitemap.xml: every published article, section, tag and author page."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Author, Section, Tag


class ArticleSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, item: Article):
        return item.last_changed


class ListingSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.5

    def items(self):
        return [
            *Section.objects.all(),
            *Tag.objects.filter(articles__in=Article.objects.published()).distinct(),
            *Author.objects.filter(articles__in=Article.objects.published()).distinct(),
        ]


class HomeSitemap(Sitemap):
    changefreq = "always"
    priority = 1.0

    def items(self):
        return ["articles:home"]

    def location(self, item: str) -> str:
        return reverse(item)


sitemaps = {"home": HomeSitemap, "articles": ArticleSitemap, "pages": ListingSitemap}
