"""A reader subscribes from an article, confirms, changes their mind, leaves,
and comes back, in a real browser; every newsletter page passes axe."""

import re

import pytest
from django.core import mail

from newsletter.models import Subscriber
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.newsletter.factories import daily, weekly

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def article(settings, live_server):
    settings.SITE_URL = live_server.url
    daily(), weekly()  # flushed by earlier transactional tests
    return ArticleFactory(title="Peace talks in Miami")


def test_subscribe_confirm_change_unsubscribe_resubscribe(
    page, live_server, article, axe_check, csp_errors
):
    page.goto(live_server.url + article.get_absolute_url())
    signup = page.locator("#newsletter")
    signup.get_by_label("Your email address").fill("  Reader@Example.com ")
    signup.get_by_label("Weekly analysis").check()
    signup.get_by_role("button", name="Subscribe").click()
    page.get_by_text("Check your inbox").wait_for()
    # A locator, not wait_for_function: the strict CSP forbids Playwright's eval.
    page.locator(".newsletter-done:focus").wait_for(timeout=5000)
    axe_check(page, "after signing up on the article page")
    context_cookies = page.context.cookies()
    assert not context_cookies, "the article page and the signup set no cookie"

    subscriber = Subscriber.objects.get(email="reader@example.com")
    assert subscriber.status == "pending"
    confirm = re.search(r"(http\S+/newsletter/confirm/\S+/)", mail.outbox[0].body)[1]
    page.goto(confirm)
    page.get_by_role("heading", name="Confirm your subscription").wait_for()
    axe_check(page, "on the confirmation page")
    subscriber.refresh_from_db()
    assert subscriber.status == "pending", "opening the link alone confirms nothing"
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="Your newsletters").wait_for()
    assert "reader@example.com" in page.content()
    axe_check(page, "on the preferences page")
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed"
    assert mail.outbox[-1].subject == "Welcome to Broadsheet"

    page.get_by_label("Daily briefing").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    page.get_by_text("Your newsletter choices are saved.").wait_for()
    assert [n.slug for n in subscriber.newsletters.all()] == ["weekly-analysis"]

    page.get_by_role("link", name="Unsubscribe from everything").click()
    page.get_by_role("heading", name="Unsubscribe").wait_for()
    axe_check(page, "on the unsubscribe page")
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    axe_check(page, "on the unsubscribed page")
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"

    page.get_by_role("button", name="Resubscribe").click()
    page.get_by_text("You are subscribed. Welcome!").wait_for()
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed"
    assert [n.slug for n in subscriber.newsletters.all()] == ["weekly-analysis"]
    assert not csp_errors


def test_newsletter_page_shows_errors_next_to_the_field(
    page, live_server, article, axe_check, csp_errors
):
    page.goto(live_server.url + "/newsletter/")
    axe_check(page, "on the newsletter page")
    page.get_by_label("Your email address").fill("not-an-address")
    page.get_by_role("button", name="Subscribe").click()
    error = page.locator("#nl-email-error")
    error.wait_for()
    assert "Enter a valid email address" in error.inner_text()
    field = page.get_by_label("Your email address")
    assert field.input_value() == "not-an-address"
    assert field.get_attribute("aria-invalid") == "true"
    page.locator("#nl-email:focus").wait_for(timeout=5000)
    axe_check(page, "on the newsletter page with an error")
    assert not csp_errors


def test_signup_and_confirmation_work_without_javascript(browser, live_server, article):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_label("Your email address").fill("nojs@example.com")
    page.locator("#newsletter").get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/newsletter/check-your-inbox/")
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert Subscriber.objects.filter(email="nojs@example.com").exists()
    confirm = re.search(r"(http\S+/newsletter/confirm/\S+/)", mail.outbox[-1].body)[1]
    page.goto(confirm)
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="Your newsletters").wait_for()
    assert Subscriber.objects.get(email="nojs@example.com").status == "confirmed"
    context.close()


def test_other_htmx_swaps_leave_focus_where_the_reader_is(page, live_server, article):
    """After signing up, loading "More comments" keeps the reader in the
    discussion: focus only moves to the signup block for its own answer."""
    readers = [VerifiedUserFactory() for _ in range(3)]
    for i in range(52):
        CommentFactory(article=article, author=readers[i % 3], body=f"Top {i}.")
    page.goto(live_server.url + article.get_absolute_url())
    signup = page.locator("#newsletter")
    signup.get_by_label("Your email address").fill("reader@example.com")
    signup.get_by_role("button", name="Subscribe").click()
    # A locator, not wait_for_function: the strict CSP forbids Playwright's eval.
    page.locator(".newsletter-done:focus").wait_for(timeout=5000)
    more = page.get_by_role("link", name="More comments")
    more.focus()
    more.press("Enter")
    page.get_by_text("Top 39.").wait_for()  # the second page: threads 21-40
    page.wait_for_timeout(100)
    assert page.evaluate(
        "document.activeElement.closest('.newsletter-signup') === null"
    )
