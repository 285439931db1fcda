"""manage.py demo sets up the demo site; the seed article is served in full."""

import html
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

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
