"""The live discussion in a real browser: while a reader has the article open,
comments published elsewhere are announced and, on request, inserted in place."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from comments import services
from comments.models import Comment
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _poll_often(settings):
    settings.COMMENTS_LIVE_POLL_SECONDS = 5  # the shortest the site allows


@pytest.fixture(autouse=True)
def _leave_the_page_before_the_database_goes(page):
    """The page polls every few seconds. A poll still being answered when the test's
    database is flushed locks SQLite's tables, and one arriving after it finds the
    database closed (errors at teardown): leave the page, then let the last answer
    finish."""
    yield
    page.goto("about:blank")
    page.wait_for_timeout(500)


@pytest.fixture
def scene():
    article = ArticleFactory(title="Live from the summit")
    first = CommentFactory(
        article=article,
        body="The first word on the summit.",
        created=timezone.now() - datetime.timedelta(hours=1),
    )
    type(article).objects.filter(pk=article.pk).update(comment_count=1)
    return article, first


def publish(article, body, parent=None) -> Comment:
    """Another reader posts, through the rules (a trusted reader: published)."""
    comment = services.comment_create(
        article=article,
        author=VerifiedUserFactory(trusted=True),
        body=body,
        parent=parent,
    )
    assert comment.status == Comment.Status.APPROVED
    return comment


def live_polls(page) -> list[str]:
    polls: list[str] = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.url) if re.search(r"/live/$", request.url) else None
        ),
    )
    return polls


def sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_new_comments_are_announced_and_inserted_in_place(
    page, live_server, scene, axe_check, csp_errors, signed_in
):
    article, first = scene
    if signed_in:
        sign_in(page.context, live_server, VerifiedUserFactory(display_name="Rita"))
    polls = live_polls(page)
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_timeout(500)
    assert polls, "the page asks for the discussion's state when it opens"
    assert page.get_by_role("link", name="Refresh discussion").is_visible()

    thread = publish(article, "A new thread, posted elsewhere.")
    reply = publish(article, "A reply to the first word.", parent=first)
    notice = page.get_by_role("button", name="2 new comments — show them")
    notice.wait_for(timeout=15_000)
    assert page.locator("#live-notice").get_attribute("aria-live") == "polite"
    assert page.locator(f"#comment-{thread.pk}").count() == 0  # not before asked

    notice.click()
    # Oldest first: the new thread at the end, the reply under its parent.
    page.locator(f"#threads > #comment-{thread.pk}").wait_for()
    last_thread = page.locator("#threads > li").last
    assert last_thread.get_attribute("id") == f"comment-{thread.pk}"
    assert "A new thread, posted elsewhere." in last_thread.inner_text()
    inserted_reply = page.locator(f"#replies-{first.pk} > #comment-{reply.pk}")
    assert "A reply to the first word." in inserted_reply.inner_text()
    assert page.locator("#live-notice").inner_text() == "2 new comments shown."
    assert page.locator("#comment-count").inner_text() == "3 comments"
    # Focus moves to the first new comment (the oldest: the new thread).
    focused = page.evaluate("document.activeElement.id")
    assert focused == f"comment-{thread.pk}"
    # Relative times, as on the rest of the discussion.
    assert " · " in last_thread.locator("time").first.inner_text()
    if signed_in:  # the new cards have the reader's own buttons, and htmx's
        last_thread.get_by_role("link", name=re.compile("^Reply")).click()
        page.locator(f"#slot-{thread.pk} textarea").wait_for()
    axe_check(page, "after new comments were inserted")
    assert not csp_errors


def test_a_new_thread_goes_first_in_the_newest_first_view(page, live_server, scene):
    article, first = scene
    polls = live_polls(page)
    page.goto(live_server.url + article.get_absolute_url() + "?csort=newest")
    page.wait_for_timeout(500)
    assert polls
    thread = publish(article, "Newest of all.")
    page.get_by_role("button", name="1 new comment — show it").click(timeout=15_000)
    page.locator(f"#threads > #comment-{thread.pk}").wait_for()
    first_thread = page.locator("#threads > li").first
    assert first_thread.get_attribute("id") == f"comment-{thread.pk}"


def test_polling_stops_while_the_tab_is_hidden(page, live_server, scene):
    """Hidden: no request at all. Visible again: it asks at once."""
    article, _ = scene
    polls = live_polls(page)
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_timeout(500)
    assert len(polls) == 1
    page.evaluate(
        """() => {
          Object.defineProperty(document, "hidden", {value: true, configurable: true});
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    page.wait_for_timeout(7_000)  # past the 5-second interval
    assert len(polls) == 1
    publish(article, "Posted while the reader looked away.")

    page.evaluate(
        """() => {
          Object.defineProperty(document, "hidden", {value: false, configurable: true});
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    page.get_by_role("button", name="1 new comment — show it").wait_for(timeout=2_000)
    assert len(polls) == 2


def test_without_javascript_refresh_discussion_shows_new_comments(
    browser, live_server, scene
):
    article, _ = scene
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    publish(article, "Seen after a refresh.")
    page.get_by_role("link", name="Refresh discussion").click()
    page.get_by_text("Seen after a refresh.").wait_for()
    assert page.url.endswith("#discussion")
    context.close()


def test_the_moderators_queue_announces_and_inserts_new_items(
    browser, live_server, axe_check
):
    from tests.comments.moderation.helpers import held_comments, moderator

    article = ArticleFactory(title="Live from the summit")
    waiting = held_comments(article, 1)[0]
    client = Client()
    client.force_login(moderator())
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors = []  # CSP violations show up as console errors
    page.on(
        "console", lambda msg: errors.append(msg.text) if msg.type == "error" else None
    )
    page.goto(live_server.url + "/admin/comments/comment/moderation/")
    assert page.locator("#count-pending").inner_text() == "1"

    held = services.comment_create(
        article=article, author=VerifiedUserFactory(), body="Held while you worked."
    )
    notice = page.get_by_role("button", name="1 new comment to review — show it")
    notice.wait_for(timeout=15_000)
    assert page.locator("#count-pending").inner_text() == "2"  # counts keep up
    notice.click()
    item = page.locator(f"#mod-items > #mod-item-{held.pk}")
    item.wait_for()
    # The oldest first: after the one waiting already, and it has the focus.
    assert page.locator("#mod-items > li").last.get_attribute("id") == (
        f"mod-item-{held.pk}"
    )
    assert page.locator("#mod-items > li").first.get_attribute("id") == (
        f"mod-item-{waiting.pk}"
    )
    assert page.evaluate("document.activeElement.id") == f"mod-item-{held.pk}"
    # Decided in place like any other (its htmx form works).
    item.get_by_role("button", name="Approve").click()
    page.locator(f"#mod-item-{held.pk}.mod-decided").wait_for()
    held.refresh_from_db()
    assert held.status == Comment.Status.APPROVED
    axe_check(page, "on the queue after new items were added")
    assert not errors
    context.close()
