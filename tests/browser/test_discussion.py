"""A reader takes part in the discussion in a real browser, with and without JS."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Reaction, Report
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(context, live_server, user) -> None:
    """Reuse a Django test-client session instead of typing into the login form."""
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


@pytest.fixture
def scene():
    article = ArticleFactory(title="Talks in Miami")
    reader = VerifiedUserFactory(display_name="Rita Reader")
    # One approved comment already: Rita is past the first-comment hold.
    CommentFactory(author=reader, created=timezone.now() - datetime.timedelta(days=2))
    other = VerifiedUserFactory(display_name="Otto Other")
    theirs = CommentFactory(article=article, author=other, body="Otto's view.")
    # The factory saves rows directly; the count is the discussion's to keep.
    type(article).objects.filter(pk=article.pk).update(comment_count=1)
    return article, reader, theirs


def journey(page, live_server, article, theirs, *, js: bool) -> None:
    url = live_server.url + article.get_absolute_url()
    page.goto(url)
    card = page.locator(f"#comment-{theirs.pk}")

    # Post a comment.
    textarea = page.locator("#body-new")
    textarea.fill("My first thought on the talks.")
    if js:
        counter = page.locator('[data-counter-for="body-new"]')
        assert "4,970 characters left" in counter.inner_text()
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment", has_text="My first thought on the talks.")
    mine.wait_for()
    assert "Your comment is published." in page.content()
    if js:  # posted in place: the form is back, empty, on the same page
        assert page.locator("#body-new").input_value() == ""

    # Reply to Otto.
    card.get_by_role("link", name="Reply to Otto Other").click()
    reply_box = page.locator(f"#body-{theirs.pk}")
    reply_box.fill("I see it *differently*.")
    page.get_by_role("button", name="Post reply").click()
    page.locator(f"#replies-{theirs.pk} em", has_text="differently").wait_for()

    # Recommend Otto's comment.
    card = page.locator(f"#comment-{theirs.pk}")
    card.get_by_role("button", name="Recommend comment by Otto Other").first.click()
    page.locator(f"#recommend-{theirs.pk} button[aria-pressed=true]").wait_for()
    assert Reaction.objects.filter(comment=theirs).count() == 1

    # Report it.
    card = page.locator(f"#comment-{theirs.pk}")
    card.get_by_role("link", name="Report comment by Otto Other").first.click()
    page.get_by_label("Misinformation").check()
    page.get_by_label("Anything moderators should know? (optional)").fill("Old.")
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("A moderator will look at the comment.").wait_for()
    assert Report.objects.get().reason == "misinformation"

    # Edit my comment (the countdown shows with JS).
    mine = Comment.objects.get(body="My first thought on the talks.")
    my_card = page.locator(f"#card-{mine.pk}")
    edit = my_card.get_by_role("link", name="Edit")
    if js:
        assert "left)" in edit.inner_text()
    edit.click()
    page.locator(f"#edit-body-{mine.pk}").fill("My second thought on the talks.")
    page.get_by_role("button", name="Save changes").click()
    page.locator(".comment", has_text="My second thought").wait_for()
    assert "edited" in page.locator(f"#card-{mine.pk}").inner_text()

    # Delete it.
    page.locator(f"#card-{mine.pk}").get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete comment").click()
    page.get_by_text("Your comment was deleted.").wait_for()
    assert "My second thought" not in page.content()
    article.refresh_from_db()
    assert article.comment_count == 2  # Otto's and the reply


def test_discussion_journey_with_javascript(
    page, context, live_server, scene, csp_errors
):
    article, reader, theirs = scene
    sign_in(context, live_server, reader)
    journey(page, live_server, article, theirs, js=True)
    assert not csp_errors


def test_discussion_journey_without_javascript(browser, live_server, scene):
    article, reader, theirs = scene
    context = browser.new_context(java_script_enabled=False)
    sign_in(context, live_server, reader)
    page = context.new_page()
    try:
        journey(page, live_server, article, theirs, js=False)
    finally:
        context.close()


def test_long_discussion_has_no_axe_violations(
    page, context, live_server, axe_check, settings
):
    article = ArticleFactory()
    readers = [VerifiedUserFactory() for _ in range(6)]
    tops = [
        CommentFactory(article=article, author=readers[i % 6], body=f"Top *{i}*.")
        for i in range(60)
    ]
    for i, top in enumerate(tops[:30]):
        CommentFactory(
            article=article,
            author=readers[(i + 1) % 6],
            parent=top,
            root=top,
            depth=2,
            body="> quoted\n\nA reply with a [link](https://example.org).",
        )
    tops[0].is_editors_pick = True
    tops[0].picked_at = timezone.now()
    tops[0].save()
    url = live_server.url + article.get_absolute_url()
    page.goto(url)
    axe_check(page, "anonymous, long discussion")
    # "More comments" loads the next page of threads (20 each) in place.
    assert page.get_by_text("Top 59.").count() == 0
    page.get_by_role("link", name="More comments").click()
    page.get_by_text("Top 39.").wait_for()
    page.get_by_role("link", name="More comments").click()
    page.get_by_text("Top 59.").wait_for()
    assert page.url == url
    assert page.locator("#threads > li").count() == 60  # appended, none twice
    sign_in(context, live_server, readers[0])
    page.goto(url)
    axe_check(page, "signed in, long discussion")
    page.emulate_media(color_scheme="dark")
    axe_check(page, "signed in, dark mode")
