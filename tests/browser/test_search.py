"""The search page in Chromium at 390 and 1366 px, light and dark: with results,
with none, and with a filter error, axe finds nothing; one search landmark, named;
nothing wider than the screen; a reader can search and narrow by section."""

import datetime

import pytest
from django.utils import timezone

from tests.articles.factories import (
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(390, 844), (1366, 900)]
STATES = {
    "results": ("?q=Ukraine", "2 results for “Ukraine”"),
    "no results": ("?q=Ukrane+sanctons", "No articles match “Ukrane sanctons”"),
    "filter error": (
        "?q=Ukraine&since=2026-13-45&section=atlantis",
        "Enter a date like 2026-01-31.",
    ),
}


@pytest.fixture
def stories():
    world = SectionFactory(name="International relations", slug="world")
    analysis = SectionFactory(name="Analysis", slug="analysis")
    ukraine = TagFactory(name="Ukraine", slug="ukraine")
    author = AuthorFactory(name="Marta Kowalczyk")
    now = timezone.now()
    ArticleFactory(
        title="Ukraine Peace Talks Heat Up in Miami",
        standfirst="Envoys from Ukraine, Europe, Russia and the United States gather.",
        body="Behind the scenes, a flurry of diplomatic activity is unfolding in "
        "Miami, as representatives from **Ukraine** and Europe convene. "
        "<script>alert(1)</script> " + "More context follows. " * 30,
        section=world,
        tags=[ukraine],
        authors=[author],
        published_at=now - datetime.timedelta(days=1),
    )
    ArticleFactory(
        title="Europe’s Sanctions Debate, Explained",
        standfirst="What the next package would change.",
        body="The European Union has agreed package after package of sanctions.",
        section=analysis,
        tags=[ukraine, TagFactory(name="Sanctions", slug="sanctions")],
        authors=[author],
        published_at=now - datetime.timedelta(days=20),
    )


@pytest.mark.parametrize("width,height", WIDTHS, ids=["390", "1366"])
@pytest.mark.parametrize("state", list(STATES))
def test_search_page_has_no_axe_violations(
    page, live_server, axe_check, stories, state, width, height, tmp_path
):
    query, shows = STATES[state]
    page.set_viewport_size({"width": width, "height": height})
    response = page.goto(f"{live_server.url}/search/{query}")
    assert response.status == 200
    assert shows in page.content()
    # One search landmark, with a name; no landmark shares a role and a name.
    searches = page.get_by_role("search")
    assert searches.count() == 1
    assert searches.get_attribute("aria-labelledby") == "search-heading"
    assert page.locator("input[name=q]").count() == 1
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the screen"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        axe_check(page, f"on search ({state}, {width}px, {scheme})")
        page.screenshot(
            path=tmp_path / f"search-{state}-{width}-{scheme}.png", full_page=True
        )


def test_a_reader_searches_then_narrows_by_section(page, live_server, stories):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/")
    page.get_by_role("search", name="Site search").get_by_role("searchbox").fill(
        "ukraine"
    )
    page.get_by_role("search", name="Site search").get_by_role(
        "button", name="Search"
    ).click()
    page.wait_for_url("**/search/?q=ukraine")
    results = page.locator(".search-result-title")
    assert results.count() == 2
    assert page.locator(".search-result mark").first.inner_text() == "Ukraine"
    assert "<script>" not in page.locator(".search-results").inner_html()
    page.get_by_label("Section", exact=True).select_option(label="Analysis")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=ukraine&section=analysis")
    assert results.all_inner_texts() == ["Europe’s Sanctions Debate, Explained"]
    assert page.get_by_role("status").inner_text() == (
        "1 result for “ukraine” in Analysis."
    )
