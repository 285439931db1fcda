"""manage.py demo sets up the demo site; the seed article is served in full."""

import html
import re
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from PIL import Image

from accounts.models import User
from articles.models import Article, FaqItem

SEED = Path(__file__).parent / "data" / "seed_article.txt"
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(
        "articles.management.commands.demo.LOGINS_FILE", tmp_path / "logins.json"
    )
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def page_text(response) -> str:
    body = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    body = re.sub(r"</?(a|em|strong|time|span|abbr|sup)\b[^>]*>", "", body)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+", " ", text)


def seed_passages() -> list[str]:
    """The seed's text split into the passages a reader must find on the page."""
    text = SEED.read_text()
    text = re.sub(r"\s*-?\s*\b[QA]: ", "\n", text)
    text = re.sub(
        r"^(- |Did you know\? |Pro Tip: |Reader Question: )", "", text, flags=re.M
    )
    passages = []
    for line in text.splitlines():
        passages.extend(
            p.strip() for p in re.split(r"(?<=[.?!])\s+", line) if p.strip()
        )
    return passages


def test_demo_prints_logins_and_is_idempotent(demo, settings, tmp_path, monkeypatch):
    assert "editor@example.com" in demo
    password = re.search(r"editor@example\.com\s+(\S+)", demo).group(1)
    assert User.objects.get(email="editor@example.com").check_password(password)
    counts = (Article.objects.count(), FaqItem.objects.count(), User.objects.count())
    again = StringIO()
    call_command("demo", no_serve=True, stdout=again)
    assert (
        Article.objects.count(),
        FaqItem.objects.count(),
        User.objects.count(),
    ) == counts
    assert password in again.getvalue()
    assert "0 created, 4 already there" in again.getvalue()


def test_seed_article_is_served_in_full(demo, client):
    article = Article.objects.get(slug="ukraine-peace-talks-miami")
    response = client.get(article.get_absolute_url())
    text = page_text(response)
    missing = [p for p in seed_passages() if p not in text]
    assert not missing
    content = response.content.decode()
    assert content.count('class="faq-item"') == 4
    assert "callout-did-you-know" in content and "callout-pro-tip" in content
    assert 'href="https://www.cfr.org/"' in content
    assert 'href="https://www.iiss.org/"' in content
    assert "What role will international organizations like the UN play" in text


def test_sitemap_lists_the_demo_article(demo, client):
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/articles/ukraine-peace-talks-miami/</loc>" in sitemap


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_search_uses_the_gin_index(demo):
    """The full-text query matches the indexed expression, so it can use the index."""
    from articles.search import search_articles

    queryset = search_articles(Article.objects.all(), "Kushner")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "article_search_gin" in plan
    assert [a.slug for a in queryset] == ["ukraine-peace-talks-miami"]


def stored_name(url: str) -> str:
    """The media file a picture's address names (served by the web server)."""
    path = urlsplit(url).path
    assert path.startswith(settings.MEDIA_URL), url
    return path.removeprefix(settings.MEDIA_URL)


def test_the_demo_articles_structured_data_is_complete(demo, client):
    """The demo article, as search engines read it: a NewsArticle with pictures in
    the three shapes Google asks for (each at least 50,000 pixels, each stored),
    an author with a page, a publisher with a logo, and the FAQ."""
    import json

    article = Article.objects.get(slug="ukraine-peace-talks-miami")
    html_page = client.get(article.get_absolute_url()).content.decode()
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html_page, re.S
    )
    news, faq = json.loads(blocks[0])
    assert news["@type"] == "NewsArticle"
    assert news["headline"] == article.title
    for when in ("datePublished", "dateModified"):  # ISO 8601 with a time zone
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", news[when])
    assert news["author"][0]["name"]
    assert len(news["image"]) == 3
    shapes = set()
    for url in news["image"]:
        with default_storage.open(stored_name(url)) as file:
            width, height = Image.open(file).size
        assert width * height >= 50_000, url
        shapes.add(round(width / height, 2))
    assert shapes == {1.78, 1.33, 1.0}  # 16x9, 4x3, 1x1
    author_path = "/" + news["author"][0]["url"].split("://", 1)[-1].split("/", 1)[1]
    assert client.get(author_path).status_code == 200
    assert news["publisher"]["logo"]["url"]
    assert [q["name"] for q in faq["mainEntity"]] == list(
        FaqItem.objects.filter(article=article).values_list("question", flat=True)
    )
    assert 'name="twitter:card" content="summary_large_image"' in html_page
    assert '<meta property="og:image"' in html_page


def test_the_feeds_parse_with_full_content(demo, client):
    """RSS and Atom as a feed reader reads them (feedparser): well formed, every
    demo article with its whole text and its picture."""
    import feedparser

    for name in ("rss", "atom"):
        body = client.get(f"/feeds/{name}/").content
        feed = feedparser.parse(body)
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        titles = {entry.title for entry in feed.entries}
        assert titles == set(
            Article.objects.published().values_list("title", flat=True)
        ), name
        article = Article.objects.get(slug="ukraine-peace-talks-miami")
        entry = next(e for e in feed.entries if e.title == article.title)
        last_words = re.sub(r"<[^>]+>", "", article.body_html).split()[-12:]
        text = re.sub(r"<[^>]+>", "", entry.content[0].value)
        assert " ".join(last_words) in " ".join(text.split()), name  # all of it
        picture = entry.media_content[0]
        assert (picture["width"], picture["height"]) == ("1200", "675"), name
        assert default_storage.exists(stored_name(picture["url"])), name
