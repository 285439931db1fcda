"""Reader questions in a real browser: ask, feature, answer, promote, read the FAQ."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import FaqItem
from comments.models import Comment
from comments.questions.models import ReaderQuestion
from tests.accounts.factories import StaffUserFactory
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "Will the UN send peacekeepers after a ceasefire?"


def signed_in_page(browser, live_server, user, *, js: bool = True):
    """A browser context with a test-client session (admin MFA is not in scope)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(java_script_enabled=js)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def admin_action(page, live_server, question, action: str) -> None:
    page.goto(live_server.url + "/admin/comments/readerquestion/")
    page.locator(f'input[name="_selected_action"][value="{question.pk}"]').check()
    page.locator('select[name="action"]').select_option(action)
    page.get_by_role("button", name="Go").click()


@pytest.mark.parametrize("js", [True, False], ids=["htmx", "no-js"])
def test_ask_feature_answer_promote_journey(browser, live_server, axe_check, js):
    # axe runs in the page's JavaScript: it checks the htmx run only.
    check = axe_check if js else (lambda *args: None)
    article = ArticleFactory(title="Talks in Miami")
    asker = VerifiedUserFactory(display_name="Ada Asker")
    answerer = VerifiedUserFactory(display_name="Rita Reader")
    # Rita is past the first-comment hold, so her answer is published at once.
    CommentFactory(author=answerer, created=timezone.now() - datetime.timedelta(days=2))
    editor = StaffUserFactory()
    article_url = live_server.url + article.get_absolute_url()

    # A reader asks from the article, anonymously.
    page = signed_in_page(browser, live_server, asker, js=js)
    page.goto(article_url)
    page.get_by_text("Ask the newsroom a question").click()
    page.get_by_label("Your question").fill("Tell me about the UN.")
    page.get_by_label("Stay anonymous").check()
    page.get_by_role("button", name="Send your question").click()
    error = page.locator("#question-text-error")
    assert "Phrase it as a question" in error.inner_text()
    assert page.get_by_label("Your question").input_value() == "Tell me about the UN."
    if js:  # htmx: the error comes back in place, on the article page
        assert page.url == article_url
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Send your question").click()
    page.get_by_text("Your question was received").wait_for()
    if js:
        assert page.url == article_url
        page.get_by_role("link", name="Your questions").click()
    page.get_by_text("Awaiting review").wait_for()
    check(page, "on the reader's questions page")
    question = ReaderQuestion.objects.get()
    assert question.article == article and question.is_anonymous

    # An editor approves and features it in the admin.
    admin = signed_in_page(browser, live_server, editor)
    admin_action(admin, live_server, question, "approve")
    admin.get_by_text("1 question(s) approved.").wait_for()
    admin_action(admin, live_server, question, "feature")
    admin.get_by_text("1 question(s) featured.").wait_for()

    # Another reader answers from the slot.
    reader = signed_in_page(browser, live_server, answerer, js=js)
    reader.goto(article_url)
    slot = reader.locator("#reader-question")
    assert QUESTION in slot.inner_text() and "Asked by a reader" in slot.inner_text()
    check(reader, "on the article page with the featured question")
    slot.get_by_label("Your answer").fill("Only with a Security Council mandate.")
    slot.get_by_role("button", name="Post your answer").click()
    reader.get_by_text("Your comment is published.").wait_for()
    comment = Comment.objects.get(body__startswith="Only with")
    assert list(question.answers.all()) == [comment]
    reader.goto(article_url)
    slot = reader.locator("#reader-question")
    slot.get_by_role("link", name="Answers to the reader question").click()
    reader.wait_for_url(re.compile(r"\?cfilter=answers#discussion$"))
    answer = reader.locator(f"#comment-{comment.pk}")
    assert "Only with a Security Council mandate." in answer.inner_text()
    assert "Answer to the reader question" in answer.inner_text()
    check(reader, "on the discussion filtered to answers")

    # The editor answers and promotes it into the FAQ, first place.
    admin_action(admin, live_server, question, "promote")
    admin.get_by_label("The newsroom's answer").fill("Only with a UN mandate.")
    admin.get_by_label("Position in the FAQ").fill("1")
    admin.get_by_role("button", name="Promote to the FAQ").click()
    admin.get_by_text("is now in the FAQ").wait_for()
    item = FaqItem.objects.get(article=article)

    # The FAQ shows it; the slot links to it; the answered page lists it.
    reader.goto(article_url)
    entry = reader.locator(f"#faq-{item.pk}")
    assert QUESTION in entry.locator("summary").inner_text()
    reader.get_by_role("link", name="Read the newsroom's answer in the FAQ").click()
    entry.locator("summary").click()
    assert "Only with a UN mandate." in entry.locator(".faq-answer").inner_text()
    reader.goto(live_server.url + "/discussion/questions/")
    reader.get_by_role("link", name=QUESTION).wait_for()
    check(reader, "on the answered questions page")


def test_anonymous_slot_and_ask_link_are_accessible(browser, live_server, axe_check):
    """Anonymous readers see the question and sign-in links; axe finds nothing."""
    article = ArticleFactory()
    ReaderQuestion.objects.create(
        article=article,
        author=VerifiedUserFactory(display_name="Ada Asker"),
        text=QUESTION,
        status=ReaderQuestion.Status.APPROVED,
        is_featured=True,
    )
    page = browser.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    slot = page.locator("#reader-question")
    assert "Asked by Ada Asker" in slot.inner_text()
    assert slot.get_by_role("link", name="Sign in").count() == 1
    axe_check(page, "on the article page, anonymous")
    page.emulate_media(color_scheme="dark")
    axe_check(page, "on the article page, anonymous, dark mode")


def test_ask_page_with_an_error_is_accessible(browser, live_server, axe_check):
    """The "Ask the newsroom" page: error tied to the field, axe finds nothing."""
    page = signed_in_page(browser, live_server, VerifiedUserFactory())
    page.goto(live_server.url + "/discussion/questions/ask/")
    axe_check(page, "on the ask page")
    page.get_by_label("Your question").fill("Too short")
    page.get_by_role("button", name="Send your question").click()
    field = page.get_by_label("Your question")
    page.locator("#question-text-error").wait_for()
    assert field.get_attribute("aria-invalid") == "true"
    assert "question-text-error" in field.get_attribute("aria-describedby")
    assert field.input_value() == "Too short"
    axe_check(page, "on the ask page with an error")
