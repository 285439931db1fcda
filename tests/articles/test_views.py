"""Reading pages: what anonymous readers and staff see, and what it costs."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.page_cache import local_pages
from tests.articles.factories import (
    ArticleFactory,
    AuthorFactory,
    FaqItemFactory,
    FurtherReadingFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    section = SectionFactory(name="International relations", slug="ir")
    article = ArticleFactory(
        title="Peace talks in Miami",
        section=section,
        tags=[TagFactory(name="Ukraine", slug="ukraine")],
        authors=[AuthorFactory(name="Ann Writer", slug="ann-writer")],
        body="Body text.\n\n::: did-you-know\nA fact.\n:::\n",
        reader_question="What role will the UN play?",
    )
    FaqItemFactory(article=article, question="What is the goal?", position=1)
    FurtherReadingFactory(article=article, title="The Council", url="https://cfr.org/")
    return article


def test_article_page_shows_everything_a_reader_expects(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="article-title">Peace talks in Miami</h1>' in html
    assert "A short summary of the story." in html
    assert 'href="/authors/ann-writer/"' in html
    # Machine-readable, to the second (the Nu checker refuses microseconds).
    published = timezone.localtime(article.published_at)
    assert f'<time datetime="{published:%Y-%m-%dT%H:%M:%S%z}"' in html
    assert "1 min read" in html
    assert "callout-did-you-know" in html
    assert "<summary>What is the goal?</summary>" in html
    assert "What role will the UN play?" in html
    assert '<a href="https://cfr.org/" rel="noopener">The Council</a>' in html
    assert 'id="discussion"' in html and 'id="newsletter"' in html
    assert (
        f'<link rel="canonical" href="http://127.0.0.1:8000{article.get_absolute_url()}">'
        in html
    )
    assert '<meta property="og:title" content="Peace talks in Miami">' in html


def test_related_articles_come_from_the_same_section_or_tags(client, article):
    same_tag = ArticleFactory(title="Same tag elsewhere", tags=list(article.tags.all()))
    same_section = ArticleFactory(title="Same section", section=article.section)
    unrelated = ArticleFactory(title="Unrelated story")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Explore our other articles on international relations" in html
    assert same_tag.title in html and same_section.title in html
    assert unrelated.title not in html


def test_json_ld_parses_and_lists_the_faq(client, article):
    FaqItemFactory(article=article, question="Second?", position=2)
    html = client.get(article.get_absolute_url()).content.decode()
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    )
    data = [json.loads(block) for block in blocks][0]
    news, faq = data
    assert news["@type"] == "NewsArticle"
    assert news["headline"] == "Peace talks in Miami"
    assert faq["@type"] == "FAQPage"
    assert [q["name"] for q in faq["mainEntity"]] == ["What is the goal?", "Second?"]


def test_json_ld_cannot_be_broken_out_of(client, article):
    article.title = "</script><script>alert(1)</script>"
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize(
    ("status", "published_at"),
    [
        (Article.Status.DRAFT, None),
        (Article.Status.SCHEDULED, timezone.now() + datetime.timedelta(days=1)),
        (Article.Status.PUBLISHED, timezone.now() + datetime.timedelta(days=1)),
    ],
)
def test_unpublished_articles_are_404_for_readers(client, user, status, published_at):
    article = ArticleFactory(status=status, published_at=published_at)
    assert client.get(article.get_absolute_url()).status_code == 404
    client.force_login(user)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.title not in client.get(reverse("articles:home")).content.decode()


def test_scheduled_article_appears_when_its_time_comes(client):
    article = ArticleFactory(
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    assert client.get(article.get_absolute_url()).status_code == 404
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(article.get_absolute_url()).status_code == 200


def test_staff_preview_drafts_and_preview_is_never_cached(client, staff_user):
    """Draft previews are for staff only, and never stored by any cache."""
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    client.force_login(staff_user)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Preview: this article is draft" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    assert "application/ld+json" not in response.content.decode()


def test_home_section_tag_author_pages(client, article):
    pages = [
        reverse("articles:home"),
        article.section.get_absolute_url(),
        article.tags.get().get_absolute_url(),
        article.authors.get().get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert article.title in response.content.decode(), url


def test_listing_pages_paginate(client):
    section = SectionFactory()
    ArticleFactory.create_batch(14, section=section)
    first = client.get(section.get_absolute_url()).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(section.get_absolute_url() + "?page=2")
    assert second.status_code == 200
    assert second.content.decode().count('class="teaser"') == 2


def test_unknown_pages_are_friendly_404s(client):
    for url in ["/no/such/page/", "/sections/nope/", "/articles/nope/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "We can’t find that page" in response.content.decode()


def test_search_finds_published_articles_only(client, article):
    ArticleFactory(title="Secret draft about Miami", status=Article.Status.DRAFT)
    response = client.get(reverse("articles:search"), {"q": "Miami"})
    html = response.content.decode()
    assert "Peace talks in Miami" in html
    assert "Secret draft" not in html
    assert "1 result for" in html
    empty = client.get(reverse("articles:search"), {"q": "zebra"}).content.decode()
    assert "No articles match" in empty


def test_search_ranks_title_matches_first(client):
    body_only = ArticleFactory(title="Elsewhere", body="Kushner appears in the body.")
    in_title = ArticleFactory(title="Kushner arrives", body="Nothing else.")
    html = client.get(reverse("articles:search"), {"q": "Kushner"}).content.decode()
    if connection.vendor == "postgresql":
        assert html.index(in_title.title) < html.index(body_only.title)
    else:
        assert in_title.title in html and body_only.title in html


def parse_xml(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)


def test_feeds_are_well_formed_and_list_published_articles(client, article):
    ArticleFactory(title="Draft in feed", status=Article.Status.DRAFT)
    rss = parse_xml(client.get(reverse("articles:feed_rss")))
    titles = [item.findtext("title") for item in rss.iter("item")]
    assert titles == ["Peace talks in Miami"]
    atom = parse_xml(client.get(reverse("articles:feed_atom")))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [
        e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)
    ] == ["Peace talks in Miami"]
    section_feed = parse_xml(
        client.get(reverse("articles:section_feed", args=[article.section.slug]))
    )
    assert len(list(section_feed.iter("item"))) == 1


def test_sitemap_lists_published_articles_and_robots_points_at_it(client, article):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    sitemap = parse_xml(client.get("/sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in sitemap.findall("s:url/s:loc", ns)]
    assert any(loc.endswith(article.get_absolute_url()) for loc in locations)
    assert not any(loc.endswith(draft.get_absolute_url()) for loc in locations)
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots


def count_queries(client, url) -> int:
    """Queries of an uncached render (the page cache would otherwise answer)."""
    cache.clear()
    local_pages.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_home_query_count_does_not_grow_with_articles(
    client, django_assert_max_num_queries
):
    ArticleFactory.create_batch(3, authors=[AuthorFactory()])
    few = count_queries(client, reverse("articles:home"))
    ArticleFactory.create_batch(30, authors=[AuthorFactory()], section=SectionFactory())
    many = count_queries(client, reverse("articles:home"))
    assert many == few
    cache.clear()
    local_pages.clear()
    with django_assert_max_num_queries(5):
        client.get(reverse("articles:home"))


def test_article_query_count_does_not_grow_with_related_content(
    client, article, django_assert_max_num_queries
):
    ArticleFactory(section=article.section, authors=[AuthorFactory()])
    few = count_queries(client, article.get_absolute_url())
    for _ in range(20):
        ArticleFactory(
            section=article.section,
            tags=list(article.tags.all()),
            authors=[AuthorFactory()],
        )
        FaqItemFactory(article=article)
        FurtherReadingFactory(article=article)
    many = count_queries(client, article.get_absolute_url())
    assert many == few
    cache.clear()
    local_pages.clear()
    # DESIGN.md's budget for the article page, whatever its discussion.
    with django_assert_max_num_queries(15):
        client.get(article.get_absolute_url())


def test_reading_pages_set_no_cookie_for_anonymous_readers(client, article):
    for url in [reverse("articles:home"), article.get_absolute_url()]:
        response = client.get(url)
        assert not response.cookies, url


def test_saving_an_article_never_writes_back_a_stale_comment_count():
    """An editor saves while readers comment: the count the readers made stays."""
    article = ArticleFactory()
    loaded = Article.objects.get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(comment_count=5)  # readers, meanwhile
    loaded.title = "Edited headline"
    loaded.save()
    article.refresh_from_db()
    assert (article.title, article.comment_count) == ("Edited headline", 5)
