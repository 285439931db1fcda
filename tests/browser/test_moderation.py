"""A moderator clears a queue of 20 with the keyboard; the queue pages pass axe."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from comments.models import Comment, ModerationDecision, Report
from tests.articles.factories import ArticleFactory
from tests.comments.factories import VerifiedUserFactory
from tests.comments.moderation.helpers import editor, held_comments, moderator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE = "/admin/comments/comment/moderation/"


def signed_in_page(browser, live_server, user):
    """A browser context with a test-client session (the MFA step is tested in
    accounts)."""
    client = Client()
    client.force_login(user)
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
    return context.new_page()


def test_moderator_clears_a_queue_of_20_with_the_keyboard(
    browser, live_server, axe_check, csp_errors
):
    article = ArticleFactory(title="Talks in Miami")
    held = held_comments(article, 20)
    page = signed_in_page(browser, live_server, moderator())
    page.goto(live_server.url + QUEUE)
    pending = page.locator("#count-pending")
    assert pending.inner_text() == "20"
    axe_check(page, "on the pending queue")

    page.keyboard.press("?")
    page.get_by_role("heading", name="Keyboard shortcuts").wait_for()
    page.keyboard.press("Escape")

    page.keyboard.press("j")
    expect(page.locator(f"#mod-item-{held[0].pk}")).to_be_focused()
    for index in range(18):
        page.keyboard.press("a")
        expect(pending).to_have_text(str(19 - index))
        # Decided in place; focus moves on to the next one.
        expect(page.locator(f"#mod-item-{held[index].pk}.mod-decided")).to_be_visible()
        expect(page.locator(f"#mod-item-{held[index + 1].pk}")).to_be_focused()
    # The 19th is spam, the 20th rejected with a reason: r, choose, Tab to Reject.
    page.keyboard.press("s")
    expect(pending).to_have_text("1")
    expect(page.locator(f"#mod-item-{held[-1].pk}")).to_be_focused()
    page.keyboard.press("r")
    reason = page.locator(f"#reason-{held[-1].pk}")
    assert reason.evaluate("el => el === document.activeElement")
    reason.select_option("off-topic")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(pending).to_have_text("0")
    axe_check(page, "after deciding in place")

    statuses = [c.status for c in Comment.objects.order_by("pk")]
    assert statuses == ["approved"] * 18 + ["spam", "rejected"]
    assert ModerationDecision.objects.filter(moderator__isnull=False).count() == 20
    article.refresh_from_db()
    assert article.comment_count == 18
    page.reload()
    page.get_by_text("Nothing here. Well done.").wait_for()
    assert not csp_errors


def test_queue_tabs_and_dashboard_pass_axe(browser, live_server, axe_check):
    article = ArticleFactory()
    author = VerifiedUserFactory(trusted=True)
    from comments import services

    comment = services.comment_create(article=article, author=author, body="Hm.")
    Report.objects.create(comment=comment, user=VerifiedUserFactory(), reason="spam")
    parent = comment
    held = held_comments(article, 3, parent=parent)
    mod = moderator()
    services.comment_approve(comment=held[0], moderator=mod)
    services.comment_reject(comment=held[1], moderator=mod, reason="abuse")
    page = signed_in_page(browser, live_server, mod)
    for tab in ["pending", "reported", "held", "approved", "rejected"]:
        page.goto(f"{live_server.url}{QUEUE}?tab={tab}")
        axe_check(page, f"on the {tab} tab")
    page.goto(live_server.url + "/admin/comments/comment/dashboard/")
    axe_check(page, "on the dashboard")
    page.goto(live_server.url + "/admin/")
    page.get_by_role("heading", name="Moderation queues").wait_for()
    page.goto(f"{live_server.url}/admin/accounts/user/{held[1].author_id}/change/")
    page.get_by_role("heading", name="Moderation record").wait_for()
    axe_check(page, "on a reader's record")
    ed = signed_in_page(browser, live_server, editor())
    ed.goto(live_server.url + "/admin/comments/comment/dashboard/")
    ed.get_by_role("heading", name="Comments per day").wait_for()


def test_the_subscriber_list_with_its_chart_passes_axe(browser, live_server, axe_check):
    """The new-subscribers chart moved under the newsletter's subscriber list."""
    import datetime

    from django.utils import timezone

    from newsletter.models import Subscriber
    from tests.accounts.factories import StaffUserFactory

    for n in range(3):
        Subscriber.objects.create(
            email=f"chart{n}@example.com",
            status=Subscriber.Status.CONFIRMED,
            confirmed_at=timezone.now() - datetime.timedelta(days=n),
        )
    page = signed_in_page(browser, live_server, StaffUserFactory(is_superuser=True))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/admin/newsletter/subscriber/")
    expect(page.get_by_role("heading", name="New subscribers per day")).to_be_visible()
    axe_check(page, "on the subscriber list")
