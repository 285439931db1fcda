"""The discussion serves the story (issue 17), measured in Chromium at 390 and 1366
px: the first page of the demo discussion is at most twice the article's height,
replies past the first three open in place (htmx) or on the thread's page (no
JavaScript), a reader's held comment is named at the top after posting and after a
reload, and the htmx leftovers are gone."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from comments import conf
from comments.demo_data import DEMO_ARTICLE
from comments.models import Comment
from tests.articles.factories import ArticleFactory
from tests.browser.test_discussion import sign_in
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.questions.factories import ReaderQuestionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(390, 844), (1366, 900)]


@pytest.fixture
def first_page_of_twenty(settings):
    """The discussion's own page size (comments.conf). config/settings.py still
    reads COMMENTS_PAGE_SIZE with 50 as its default; see
    tests/comments/test_calm_discussion.py for the check that it follows."""
    settings.COMMENTS_PAGE_SIZE = conf.DEFAULTS["COMMENTS_PAGE_SIZE"]


@pytest.fixture
def demo(settings, tmp_path, monkeypatch, first_page_of_twenty):
    monkeypatch.setattr(
        "articles.management.commands.demo.LOGINS_FILE", tmp_path / "logins.json"
    )
    settings.DEBUG = True  # the demo command refuses to run without it
    call_command("demo", no_serve=True, stdout=StringIO())
    settings.DEBUG = False
    return Article.objects.get(slug=DEMO_ARTICLE)


def height(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["height"]


def test_the_first_page_of_discussion_is_at_most_twice_the_article(
    page, context, live_server, demo
):
    """Anonymous and signed in (action rows on every card), phone and desktop."""
    url = live_server.url + demo.get_absolute_url()
    seen = {}
    for who in ("anonymous", "signed in"):
        if who == "signed in":
            sign_in(context, live_server, Comment.objects.filter(article=demo)
                    .first().author)  # fmt: skip
        for width, h in WIDTHS:
            page.set_viewport_size({"width": width, "height": h})
            page.goto(url)
            article, discussion = (
                height(page, "article.article"),
                height(page, "#discussion"),
            )
            seen[who, width] = (round(article), round(discussion))
            assert page.locator("#threads > li").count() <= 20
            assert discussion <= 2 * article, seen
    print("article and discussion heights (px):", seen)  # noqa: T201


def _long_thread(article):
    start = timezone.now() - datetime.timedelta(hours=3)
    top = CommentFactory(article=article, created=start, body="Where it starts.")
    for i in range(7):
        CommentFactory(
            article=article,
            parent=top,
            root=top,
            depth=2,
            created=start + datetime.timedelta(minutes=i + 1),
            body=f"Answer number {i}.",
        )
    return top


def test_show_more_replies_opens_in_place_with_javascript(page, live_server):
    article = ArticleFactory()
    top = _long_thread(article)
    page.goto(live_server.url + article.get_absolute_url())
    thread = page.locator(f"#comment-{top.pk}")
    assert thread.locator(".comment").count() == 4
    assert page.get_by_text("Answer number 6.").count() == 0
    thread.get_by_role("link", name="Show 4 more replies").click()
    page.get_by_text("Answer number 6.").wait_for()
    assert page.locator(f"#comment-{top.pk} .comment").count() == 8
    assert page.url == live_server.url + article.get_absolute_url()
    assert page.get_by_text("more replies").count() == 0


def test_show_more_replies_is_the_threads_page_without_javascript(
    browser, live_server, axe_check
):
    article = ArticleFactory()
    top = _long_thread(article)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + article.get_absolute_url())
        page.get_by_role("link", name="Show 4 more replies").click()
        page.get_by_text("Answer number 6.").wait_for()
        assert f"/discussion/comment/{top.pk}/thread/" in page.url
        assert page.locator(".comment").count() == 8
        assert (
            page.get_by_role("heading", level=1).inner_text().startswith("A thread in")
        )
    finally:
        context.close()


def test_the_threads_page_has_no_axe_violations(page, live_server, axe_check):
    article = ArticleFactory()
    top = _long_thread(article)
    page.goto(live_server.url + f"/discussion/comment/{top.pk}/thread/")
    axe_check(page, "thread page, light")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    axe_check(page, "thread page, dark")


@pytest.fixture
def busy(settings):
    """Two pages of older threads and a newcomer whose comment will be held."""
    settings.COMMENTS_PAGE_SIZE = 3
    article = ArticleFactory()
    start = timezone.now() - datetime.timedelta(days=1)
    for i in range(7):
        CommentFactory(
            article=article,
            created=start + datetime.timedelta(minutes=i),
            body=f"Older view {i}.",
        )
    return article, VerifiedUserFactory(display_name="Nadia New")


def border_colour(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).borderLeftColor")


@pytest.mark.parametrize("js", [True, False], ids=["htmx", "no-js"])
def test_a_held_comment_is_never_lost(browser, live_server, busy, js, axe_check):
    article, newcomer = busy
    context = browser.new_context(java_script_enabled=js)
    sign_in(context, live_server, newcomer)
    page = context.new_page()
    try:
        url = live_server.url + article.get_absolute_url()
        page.goto(url)
        page.locator("#body-new").fill("My first words, for review.")
        page.get_by_role("button", name="Post comment").click()
        notice = page.locator("#held-notices .held-notice")
        notice.wait_for()
        assert "is awaiting review" in notice.inner_text()
        info = border_colour(page.locator(".held-notice").first)
        ok_colour = page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--ok')"
        )
        assert info != ok_colour.strip()
        assert page.locator(".message-success").count() == 0
        # After a reload, in every sort, the notice is at the top with its link.
        for sort in ("", "?csort=newest", "?csort=recommended"):
            page.goto(url + sort)
            top = page.locator("#held-notices .held-notice")
            assert top.count() == 1
            top.get_by_role("link", name="Go to your comment").click()
            page.wait_for_url("**#comment-*")
            held = Comment.objects.get(body="My first words, for review.")
            card = page.locator(f"#comment-{held.pk}")
            assert "Awaiting review." in card.inner_text()
            assert card.is_visible()
        if js:
            axe_check(page, "a held comment, signed in")
    finally:
        context.close()


def test_no_leftovers_after_a_reply_or_a_report(page, context, live_server, busy):
    article, newcomer = busy
    CommentFactory(author=newcomer)  # past the first-comment hold
    mine = CommentFactory(article=article, author=newcomer, body="Mine, earlier.")
    sign_in(context, live_server, newcomer)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + article.get_absolute_url())
    first = page.locator("#threads > li").first
    parent_id = first.get_attribute("id").removeprefix("comment-")

    # "Recommend", no zero.
    button = first.get_by_role("button", name="Recommend comment by").first
    assert button.evaluate("e => e.firstChild.textContent") == "Recommend"
    assert button.locator(".reaction-count").count() == 0

    # A reply: the reply shows in the thread, nothing stays in the slot.
    first.get_by_role("link", name="Reply to").first.click()
    page.locator(f"#body-{parent_id}").fill("A reply in place.")
    page.get_by_role("button", name="Post reply").click()
    page.locator(
        f"#replies-{parent_id} .comment", has_text="A reply in place."
    ).wait_for()
    slot = page.locator(f"#slot-{parent_id}")
    assert slot.inner_text().strip() == "" or not slot.is_visible()
    assert page.locator(f"#slot-{parent_id} .message").count() == 0

    # A report: "Thank you", and the card no longer offers "Report".
    first.get_by_role("link", name="Report comment by").first.click()
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("A moderator will look at the comment.").wait_for()
    actions = first.locator("footer.comment-actions").first
    assert "Reported" in actions.inner_text()
    assert actions.get_by_role("link", name="Report comment by").count() == 0

    # One's own action row starts where the others' do.
    page.goto(page.url.split("#")[0] + "?csort=newest")
    own = page.locator(
        f"#card-{mine.pk} footer.comment-actions > *"
    ).first.bounding_box()
    own_card = page.locator(f"#card-{mine.pk}").bounding_box()
    other_li = page.locator("#threads > li", has_not=page.locator(f"#card-{mine.pk}"))
    other = other_li.first.locator("footer.comment-actions > *").first.bounding_box()
    other_card = other_li.first.locator("article.comment").first.bounding_box()
    assert abs((own["x"] - own_card["x"]) - (other["x"] - other_card["x"])) < 1


@pytest.mark.parametrize("width, height", WIDTHS)
def test_the_filter_keeps_all_comments_on_one_line(page, live_server, width, height):
    article = ArticleFactory()
    ReaderQuestionFactory(article=article, is_featured=True, status="approved")
    CommentFactory(article=article)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + article.get_absolute_url())
    link = page.locator(".discussion-filter a", has_text="All comments")
    line = link.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert link.bounding_box()["height"] < 1.5 * line
