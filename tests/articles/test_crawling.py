"""What crawlers and feed readers get: a sitemap where every address says when it
last changed (answered reader questions included), a robots.txt that lets them
read the noindex of pages that carry one, and feeds with whole articles and their
pictures."""

import datetime
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from comments.questions.services import question_promote
from tests.articles.factories import ArticleFactory
from tests.comments.moderation.helpers import editor
from tests.comments.questions.factories import ReaderQuestionFactory

pytestmark = pytest.mark.django_db

SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ATOM = {"a": "http://www.w3.org/2005/Atom", "m": "http://search.yahoo.com/mrss/"}
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
MEDIA = "{http://search.yahoo.com/mrss/}content"


def xml(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)


def test_every_sitemap_address_says_when_it_last_changed(client):
    article = ArticleFactory(updated_at=timezone.now())
    ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=3))
    question = ReaderQuestionFactory(article=article, text="Who pays for it?")
    question_promote(question=question, editor=editor(), answer="The council.")
    urls = xml(client.get("/sitemap.xml")).findall("s:url", SITEMAP)
    missing = [
        u.findtext("s:loc", namespaces=SITEMAP)
        for u in urls
        if not u.findtext("s:lastmod", namespaces=SITEMAP)
    ]
    assert missing == []
    locations = [u.findtext("s:loc", namespaces=SITEMAP) for u in urls]
    assert any(
        loc.endswith(reverse("comments:questions_answered")) for loc in locations
    )
    assert any("/sections/" in loc for loc in locations)


def test_noindex_pages_are_not_hidden_from_crawlers(client):
    robots = client.get("/robots.txt").content.decode()
    disallowed = [
        line.split(":", 1)[1].strip()
        for line in robots.splitlines()
        if line.startswith("Disallow:")
    ]
    for path in (reverse("articles:search") + "?q=peace", reverse("account_signup")):
        assert not any(path.startswith(rule) for rule in disallowed), path
        page = client.get(path).content.decode()
        assert '<meta name="robots" content="noindex">' in page, path
    assert disallowed == ["/admin/"]


@pytest.fixture
def pictured(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = BytesIO()
    Image.new("RGB", (1200, 675), "navy").save(picture, "JPEG")
    return ArticleFactory(
        title="Harbour reopens",
        body="The harbour [reopened](/sections/news/) today.\n\n## What next\n\nTrade.",
        hero_image=SimpleUploadedFile("harbour.jpg", picture.getvalue()),
        hero_image_alt="Ships at the quay at dawn",
    )


def test_rss_carries_the_whole_article_and_its_picture(client, pictured):
    item = xml(client.get(reverse("articles:feed_rss"))).find("channel/item")
    assert item.findtext("description") == pictured.standfirst
    content = item.findtext(CONTENT)
    assert "<h2" in content and "What next" in content
    assert 'href="http://127.0.0.1:8000/sections/news/"' in content  # absolute
    enclosure = item.find("enclosure")
    assert enclosure.get("type") == "image/jpeg"
    assert int(enclosure.get("length")) > 0
    assert enclosure.get("url").startswith("http://127.0.0.1:8000/media/heroes/")
    media = item.find(MEDIA)
    assert (media.get("width"), media.get("height")) == ("1200", "675")


def test_atom_carries_the_whole_article_and_its_picture(client, pictured):
    entry = xml(client.get(reverse("articles:feed_atom"))).find("a:entry", ATOM)
    content = entry.find("a:content", ATOM)
    assert content.get("type") == "html" and "What next" in content.text
    assert entry.findtext("a:summary", namespaces=ATOM) == pictured.standfirst
    assert entry.find("a:link[@rel='enclosure']", ATOM) is not None
    assert entry.find("m:content", ATOM).get("medium") == "image"
