"""What a reader sees, measured in Chromium at 390 and 1366 px: the front page's
three headline sizes, teasers that wrap to at most three lines, a compact phone
masthead, and one left edge for the article, its discussion and related articles."""

import pytest

from articles.models import FrontPage, Section, TopStory
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(390, 844), (1366, 900)]
LONG_TITLE = "Ceasefire talks resume in Miami as envoys weigh a phased withdrawal"


@pytest.fixture
def front():
    sections = [
        Section.objects.create(name=name, slug=name.lower())
        for name in ("World", "Politics", "Business", "Climate")
    ]
    articles = [
        ArticleFactory(section=sections[n % 4], title=f"{LONG_TITLE} ({n})")
        for n in range(16)
    ]
    page = FrontPage.current()
    page.lead = articles[0]
    page.save()
    for position, article in enumerate(articles[1:4]):
        TopStory.objects.create(front_page=page, article=article, position=position)
    for n in range(3):
        CommentFactory(article=articles[0], body=f"A reader's view, number {n}.")
    return articles


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def font_px(page, selector: str) -> float:
    return page.locator(selector).first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )


@pytest.mark.parametrize("width, height", WIDTHS)
def test_the_front_page_reads_like_a_newspaper(page, live_server, front, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/")
    lead = font_px(page, ".teaser-lead .teaser-title")
    secondary = font_px(page, ".teaser-secondary .teaser-title")
    teaser = font_px(page, ".section-block .teaser-title")
    assert lead > secondary > teaser, (lead, secondary, teaser)
    if width >= 1024:
        for title in page.locator(".section-block .teaser-title").all():
            line = title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
            lines = round(title.bounding_box()["height"] / line)
            assert lines <= 3, f"{title.inner_text()!r} wraps to {lines} lines"
    else:
        masthead = box(page, ".masthead")
        assert masthead["height"] <= 110, masthead
        nav = page.locator(".section-nav")
        assert nav.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls
        assert "gradient" in nav.evaluate("e => getComputedStyle(e).maskImage")


@pytest.mark.parametrize("width, height", WIDTHS)
def test_the_article_page_has_one_left_edge(page, live_server, front, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + front[0].get_absolute_url())
    edges = {
        selector: box(page, selector)["x"]
        for selector in (".article-body", "#discussion", ".related", "#newsletter")
    }
    body = edges[".article-body"]
    assert all(abs(x - body) <= 2 for x in edges.values()), edges
    headings = page.locator(".page-article h2:visible").all()
    families = {h.evaluate("e => getComputedStyle(e).fontFamily") for h in headings}
    assert len(families) == 1, families
