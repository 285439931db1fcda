"""A reader opens the demo article in a real browser."""

import pytest

from articles.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_article():
    from articles.importer import import_article_files
    from articles.management.commands.demo import DEMO_CONTENT

    import_article_files(sorted(DEMO_CONTENT.glob("*.md")))
    return Article.objects.get(slug="ukraine-peace-talks-miami")


def test_reader_expands_an_faq_entry_with_the_keyboard(
    page, live_server, demo_article, axe_check, csp_errors
):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + demo_article.get_absolute_url())
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Ukraine Peace Talks Heat Up")
    third_party = [url for url in requested if not url.startswith(live_server.url)]
    assert not third_party, "the page must make no third-party request"
    first = page.locator("details.faq-item").first
    answer = first.locator(".faq-answer")
    assert not answer.is_visible()
    summary = first.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert answer.is_visible()
    assert "negotiated settlement" in answer.inner_text()
    axe_check(page, "on the article page")
    assert not csp_errors


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    page, live_server, demo_article
):
    page.goto(live_server.url + demo_article.get_absolute_url())
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


@pytest.mark.parametrize(
    "path", ["/", "/sections/analysis/", "/search/?q=Miami", "/nope/"]
)
def test_reading_pages_have_no_axe_violations(
    page, live_server, demo_article, axe_check, path
):
    page.goto(live_server.url + path)
    axe_check(page, f"on {path}")


def test_dark_mode_page_has_no_contrast_violations(
    page, live_server, demo_article, axe_check
):
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + demo_article.get_absolute_url())
    axe_check(page, "in dark mode")
