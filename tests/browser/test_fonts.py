"""The headline face in a real browser: Source Serif 4 Bold loads from the site
itself under its Content Security Policy, sets the headlines and the masthead, and
weighs what the budget allows; the body stays in the system serif."""

import pytest

from tests.articles.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FONT_BUDGET = 40 * 1024


def family(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).fontFamily")


def test_the_headline_face_loads_from_the_site_without_a_csp_violation(
    page, live_server, csp_errors
):
    article = ArticleFactory(title="Harbour reopens after the storm")
    fonts: list = []
    page.on(
        "response",
        lambda response: (
            fonts.append(response) if response.request.resource_type == "font" else None
        ),
    )
    response = page.goto(live_server.url + article.get_absolute_url())
    assert "font-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    loaded = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts]
                .filter(face => face.status === "loaded")
                .map(face => `${face.family} ${face.weight}`);
        }"""
    )
    assert loaded == ["Source Serif 4 700"], loaded
    assert page.evaluate("document.fonts.check('700 2rem \"Source Serif 4\"')")
    assert not csp_errors, csp_errors
    assert [font.status for font in fonts] == [200]
    assert fonts[0].url.startswith(live_server.url + "/static/fonts/")
    assert fonts[0].headers["content-type"] == "font/woff2"
    assert len(fonts[0].body()) < FONT_BUDGET
    for selector in ("h1", ".brand"):
        assert family(page, selector).startswith('"Source Serif 4"'), selector
    assert not family(page, ".article-body").startswith('"Source Serif 4"')
