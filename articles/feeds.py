"""RSS and Atom feeds for the whole site and for each section: each entry carries
the standfirst as its summary, the whole article (sanitised when it was saved,
links made absolute) as its content, and the hero image (an enclosure, and
media:content with its size and alternative text)."""

import mimetypes
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.files.storage import default_storage
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from .models import Article, Section
from .share_images import SHAPES

FEED_SIZE = 20
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
RELATIVE_LINK = re.compile(r'(\s(?:href|src))="/(?!/)')


def absolute_links(html: str) -> str:
    """A feed is read elsewhere: our own links and images need the site's address."""
    return RELATIVE_LINK.sub(rf'\1="{settings.SITE_URL}/', html)


class _Media:
    """What both feed formats add to an entry: the full content and the picture."""

    def add_media(self, handler, item) -> None:
        image = item.get("hero")
        if image:
            handler.addQuickElement(
                "media:content",
                attrs={
                    "url": image["url"],
                    "medium": "image",
                    "type": image["type"],
                    "width": str(image["width"]),
                    "height": str(image["height"]),
                },
            )
            if image["alt"]:
                handler.addQuickElement("media:description", image["alt"])


class FullRssFeed(_Media, Rss201rev2Feed):
    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": CONTENT_NS,
            "xmlns:media": MEDIA_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])
        self.add_media(handler, item)


class FullAtomFeed(_Media, Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})
        self.add_media(handler, item)


def _for_feed(queryset):
    """Teasers' queries, with the body this time."""
    return queryset.for_listing().defer(None).select_related("section")[:FEED_SIZE]


class LatestArticlesFeed(Feed):
    feed_type = FullRssFeed
    title = f"{settings.SITE_NAME}: latest articles"
    description = f"The newest articles from {settings.SITE_NAME}."

    def link(self) -> str:
        return reverse("articles:home")

    def items(self):
        return _for_feed(Article.objects.published())

    def item_extra_kwargs(self, item: Article) -> dict:
        extra = {"content": absolute_links(item.body_html)}
        card = item.share_images.get("16x9")
        if card and not item.hero_image:
            # No photograph: the article's share picture (its title on a card),
            # the picture a feed reader shows beside the entry.
            width, height = SHAPES["16x9"]
            extra["hero"] = {
                "url": settings.SITE_URL + default_storage.url(card),
                "type": mimetypes.guess_type(card)[0] or "image/png",
                "width": width,
                "height": height,
                "alt": "",
            }
        if item.hero_image:
            extra["hero"] = {
                "url": settings.SITE_URL + item.hero_image.url,
                "type": mimetypes.guess_type(item.hero_image.name)[0] or "image/jpeg",
                "width": item.hero_image_width,
                "height": item.hero_image_height,
                "alt": item.hero_image_alt,
            }
        return extra

    def item_enclosures(self, item: Article) -> list[Enclosure]:
        if not item.hero_image:
            return []
        try:
            length = str(item.hero_image.size)
        except OSError:
            return []  # the file is missing: better no picture than a wrong one
        kind = mimetypes.guess_type(item.hero_image.name)[0] or "image/jpeg"
        return [Enclosure(settings.SITE_URL + item.hero_image.url, length, kind)]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.standfirst

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.last_changed

    def item_author_name(self, item: Article) -> str:
        return ", ".join(author.name for author in item.authors.all())

    def item_categories(self, item: Article) -> list[str]:
        return [item.section.name]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = FullAtomFeed
    subtitle = LatestArticlesFeed.description


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug: str) -> Section:
        return get_object_or_404(Section, slug=slug)

    def title(self, obj: Section) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Section) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Section) -> str:
        return obj.description or f"The newest {obj.name} articles."

    def items(self, obj: Section):
        return _for_feed(Article.objects.published().filter(section=obj))
