"""The newsletter box as a reader sees it (issue 17), in Chromium at 390 and 1366
px: an address field as wide as the box reads, choice labels no bolder or larger
than the box's heading, and one click that keeps a signed-in reader on the story."""

import pytest
from allauth.account.models import EmailAddress

from newsletter.views import SUBSCRIBED_MESSAGE
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory
from tests.browser.test_discussion import sign_in
from tests.newsletter.factories import daily, weekly

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def style(locator, prop: str) -> float:
    return locator.evaluate(f"e => parseFloat(getComputedStyle(e).{prop})")


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_the_box_fits_its_width_and_its_labels_sit_below_the_heading(
    page, live_server, width, height
):
    daily(), weekly()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + ArticleFactory().get_absolute_url())
    box = page.locator(".newsletter-signup")
    inner = box.bounding_box()["width"]
    inner -= style(box, "paddingLeft") + style(box, "paddingRight")
    field = page.locator(".newsletter-signup input[type=email]").bounding_box()
    assert field["width"] >= min(inner, 576) - 1, (field["width"], inner)
    heading = page.locator("#newsletter-heading")
    for label in page.locator(".newsletter-signup .choice").all():
        assert style(label, "fontSize") <= style(heading, "fontSize")
        assert style(label, "fontWeight") < style(heading, "fontWeight")


def test_one_click_keeps_the_reader_on_the_article(page, context, live_server):
    daily()
    reader = UserFactory(email="one@example.com")
    EmailAddress.objects.create(user=reader, email=reader.email, verified=True)
    article = ArticleFactory()
    sign_in(context, live_server, reader)
    url = live_server.url + article.get_absolute_url()
    page.goto(url)
    page.get_by_role("button", name="Subscribe as one@example.com").click()
    box = page.locator(".newsletter-signup")
    box.get_by_text(SUBSCRIBED_MESSAGE).wait_for()
    assert page.url == url  # swapped in place with htmx
    assert "You receive" in box.inner_text()


def test_favicon_ico_answers(page, live_server):
    response = page.request.get(live_server.url + "/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] in (
        "image/x-icon",
        "image/vnd.microsoft.icon",
    )
