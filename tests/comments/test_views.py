"""The discussion on the article page, and taking part through forms and htmx."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.models import Article
from comments import services, views
from comments.models import Comment, Reaction, Report
from tests.accounts.factories import StaffUserFactory, UserFactory
from tests.articles.factories import ArticleFactory, AuthorFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory
from tests.comments.helpers import _article_with_comments, drawn_afresh, post_url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(client, article, **params):
    response = client.get(article.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


# --- Reading ----------------------------------------------------------------------


def test_anonymous_readers_see_the_discussion_and_a_sign_in_prompt(client, article):
    CommentFactory(article=article, body="Well *argued*.")
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert "<em>argued</em>" in html
    assert "to join the discussion" in html
    next_param = f"next=%2Farticles%2F{article.slug}%2F%23discussion"
    assert f'href="/accounts/login/?{next_param}">Sign in</a>' in html
    assert f'href="/accounts/signup/?{next_param}">create an account</a>' in html
    assert "csrfmiddlewaretoken" not in html
    assert not response.cookies


def test_anonymous_render_is_the_same_for_everyone(client, article):
    """The page cache serves one render to all anonymous readers."""
    CommentFactory(article=article)
    first = page(client, article)
    client.cookies.clear()
    assert page(client, article) == first


def test_own_held_comment_is_shown_only_to_its_author(client, article):
    author = VerifiedUserFactory()
    comment = services.comment_create(article=article, author=author, body="Held.")
    assert "Held." not in page(client, article)
    client.force_login(UserFactory())
    assert "Held." not in page(client, article)
    client.force_login(author)
    html = page(client, article)
    assert "Held." in html and "Awaiting review." in html
    assert escape(comment.hold_reason) in html


def test_author_sees_why_a_comment_was_rejected(client, article, veteran):
    comment = services.comment_create(article=article, author=veteran, body="Rude.")
    services.comment_reject(comment=comment, reason="abuse", note="Mind the tone.")
    client.force_login(veteran)
    html = page(client, article)
    assert "Not published:</strong> Abusive. Mind the tone." in html


def test_threads_paginate_and_permalinks_land_on_the_right_page(
    client, article, settings
):
    settings.COMMENTS_PAGE_SIZE = 3
    start = timezone.now() - datetime.timedelta(hours=1)
    tops = [
        CommentFactory(article=article, created=start + datetime.timedelta(minutes=i))
        for i in range(7)
    ]
    reply = CommentFactory(
        article=article, parent=tops[4], root=tops[4], depth=2, body="Deep reply."
    )
    html = page(client, article)
    assert tops[0].body in html and tops[3].body not in html
    assert 'href="?cpage=2#discussion"' in html
    response = client.get(reverse("comments:permalink", kwargs={"pk": reply.pk}))
    assert response.url == f"{article.get_absolute_url()}?cpage=2#comment-{reply.pk}"
    html = page(client, article, cpage=2)
    assert "Deep reply." in html and f'id="comment-{reply.pk}"' in html
    newest = page(client, article, csort="newest")
    assert tops[6].body in newest and tops[0].body not in newest


def test_most_recommended_sort(client, article):
    CommentFactory(article=article, body="Quiet one.", reaction_count=0)
    CommentFactory(article=article, body="Popular one.", reaction_count=9)
    html = page(client, article, csort="recommended")
    assert html.index("Popular one.") < html.index("Quiet one.")


def test_load_more_fragment_for_htmx(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    for i in range(5):
        CommentFactory(article=article, body=f"Thread {i}.")
    url = reverse("comments:threads", kwargs={"article_id": article.pk})
    html = client.get(url, {"cpage": 2}, **HTMX).content.decode()
    assert "Thread 2." in html and "Thread 1." not in html
    assert 'hx-swap-oob="true"' in html and "cpage=3" in html
    # Without htmx the same URL takes the reader to that page of the article.
    response = client.get(url, {"cpage": 2})
    assert response.url == f"{article.get_absolute_url()}?cpage=2"


def test_badges_picks_and_edited_marker(client, article):
    journalist = UserFactory(display_name="Ann Writer")
    AuthorFactory(user=journalist).articles.add(article)
    staff = StaffUserFactory(display_name="Desk")
    CommentFactory(article=article, author=journalist, body="From the author.")
    CommentFactory(article=article, author=staff, body="From the desk.")
    picked = CommentFactory(
        article=article,
        body="Best of the bunch.",
        is_editors_pick=True,
        picked_at=timezone.now(),
        edited_at=timezone.now(),
    )
    html = page(client, Article.objects.get(pk=article.pk))
    assert '<span class="badge badge-author">Author</span>' in html
    assert '<span class="badge badge-staff">Staff</span>' in html
    assert "Editors' picks" in html
    assert f'href="/discussion/comment/{picked.pk}/"' in html
    assert '<span class="comment-edited">edited</span>' in html
    assert (
        f'<time datetime="{picked.created.strftime("%Y-%m-%dT%H:%M:%S+00:00")}"' in html
    )


def _queries(client, article) -> int:
    drawn_afresh()
    with CaptureQueriesContext(connection) as context:
        assert client.get(article.get_absolute_url()).status_code == 200
    return len(context)


def test_article_page_query_count_is_constant(client, django_assert_max_num_queries):
    """10 or 1,000 comments: the same number of queries, within the page budget."""
    small, large = _article_with_comments(10), _article_with_comments(1000)
    assert _queries(client, small) == _queries(client, large) <= 15
    reader = VerifiedUserFactory()
    client.force_login(reader)
    Reaction.objects.create(user=reader, comment=large.comments.first())
    assert _queries(client, small) == _queries(client, large) <= 15


def _post_queries(client, article, body: str, **headers) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.post(post_url(article), {"body": body}, **headers)
    assert response.status_code in (200, 302)
    assert Comment.objects.get(body=body).status == "approved"
    return len(context)


def test_a_post_costs_the_same_queries_however_long_the_discussion(client, settings):
    """Posting, plainly or with htmx, does not count the discussion it joins."""
    settings.COMMENTS_RATE_PER_MINUTE = 10
    small, large = _article_with_comments(10), _article_with_comments(1000)
    reader = VerifiedUserFactory()
    CommentFactory(author=reader)  # past the first-comments hold
    client.force_login(reader)
    # The first post of a process also loads the settings row and the word rules.
    _post_queries(client, small, "Warming up.")
    plain = [_post_queries(client, a, f"Plain on {a.pk}.") for a in (small, large)]
    htmx = [
        _post_queries(client, a, f"Htmx on {a.pk}.", **HTMX) for a in (small, large)
    ]
    assert plain[0] == plain[1] <= 10
    assert htmx[0] == htmx[1] <= 12


# --- Taking part: forms ------------------------------------------------------------


def test_post_publishes_and_lands_on_the_comment_at_the_top(
    client, article, veteran, settings
):
    """Without JavaScript, a new thread is shown first: newest-first, page one."""
    settings.COMMENTS_PAGE_SIZE = 2
    CommentFactory.create_batch(3, article=article)  # older threads: two pages
    client.force_login(veteran)
    response = client.post(post_url(article), {"body": "A *fair* point."})
    comment = Comment.objects.get(body="A *fair* point.")
    assert response.status_code == 302
    assert response.url == (
        f"{article.get_absolute_url()}?csort=newest#comment-{comment.pk}"
    )
    html = client.get(response.url).content.decode()
    assert views.PUBLISHED in html and "<em>fair</em>" in html
    threads = html[html.index('id="discussion"') :]
    assert threads.index(f'id="comment-{comment.pk}"') < min(
        threads.index(f'id="comment-{other.pk}"')
        for other in Comment.objects.exclude(pk=comment.pk)
        if f'id="comment-{other.pk}"' in threads
    )


def test_post_with_error_keeps_the_draft_next_to_a_clear_message(
    client, article, veteran, settings
):
    settings.COMMENTS_MAX_LENGTH = 20
    client.force_login(veteran)
    draft = "This is far too long for the limit."
    response = client.post(post_url(article), {"body": draft})
    html = response.content.decode()
    assert response.status_code == 400
    assert draft in html
    message = services.TOO_LONG.format(limit=20, length=len(draft))
    assert f'<p class="error" id="body-error-new">{message}</p>' in html.replace(
        "&#x27;", "'"
    )
    assert 'aria-invalid="true"' in html and "body-error-new" in html
    assert not Comment.objects.filter(body=draft).exists()


def test_empty_comment_is_refused_with_a_clear_message(client, article, veteran):
    client.force_login(veteran)
    html = client.post(post_url(article), {"body": "   "}).content.decode()
    assert services.EMPTY in html


def test_htmx_post_returns_the_new_comment_in_place(client, article, veteran):
    client.force_login(veteran)
    top = CommentFactory(article=article)
    response = client.post(
        post_url(article), {"body": "In place.", "parent": top.pk}, **HTMX
    )
    html = response.content.decode()
    reply = Comment.objects.get(body="In place.")
    assert response.status_code == 200
    assert f'hx-swap-oob="beforeend:#replies-{top.pk}"' in html
    assert f'id="comment-{reply.pk}"' in html and views.PUBLISHED in html
    count = '<span class="comment-count" id="comment-count" data-hx-swap-oob="true">'
    assert count + "1 comment<" in html
    # Its author may reply to it, edit it and delete it, straight away.
    for action in ("reply", "edit", "delete"):
        assert reverse(f"comments:{action}", kwargs={"pk": reply.pk}) in html, action


def test_htmx_post_error_returns_the_form_with_the_draft(client, article, veteran):
    client.force_login(veteran)
    CommentFactory(article=article, author=veteran, body="Same again.")
    html = client.post(
        post_url(article), {"body": "Same again."}, **HTMX
    ).content.decode()
    assert services.DUPLICATE.replace("'", "&#x27;") in html
    assert "Same again.</textarea>" in html


def test_anonymous_cannot_post_and_comes_back_to_the_discussion(client, article):
    response = client.post(post_url(article), {"body": "Hello"})
    assert response.status_code == 302
    assert response.url == (
        f"/accounts/login/?next=/articles/{article.slug}/%23discussion"
    )
    assert not Comment.objects.exists()


def test_unverified_reader_is_told_to_confirm_their_email(client, article):
    client.force_login(UserFactory())
    html = page(client, article)
    assert "Confirm your email address to join the discussion." in html
    response = client.post(post_url(article), {"body": "Hello"})
    assert services.NOT_VERIFIED in response.content.decode()
    assert not Comment.objects.exists()


def test_suspended_reader_is_told_until_when_on_the_page(client, article, veteran):
    veteran.commenting_suspended_until = timezone.now() + datetime.timedelta(days=1)
    veteran.save()
    client.force_login(veteran)
    CommentFactory(article=article, body="Someone else's.")
    html = page(client, article)
    assert "Your commenting is suspended until" in html
    assert 'id="comment-form"' not in html and ">Reply<" not in html
    html = client.post(post_url(article), {"body": "Hello"}).content.decode()
    assert "Your commenting is suspended until" in html


def test_closed_discussion_shows_no_form_and_refuses_posts(client, article, veteran):
    article.discussion_mode = Article.DiscussionMode.CLOSED
    article.save()
    client.force_login(veteran)
    html = page(client, article)
    assert "The discussion on this article is closed." in html
    assert 'id="comment-form"' not in html
    html = client.post(post_url(article), {"body": "Hi"}).content.decode()
    assert services.DISCUSSION_CLOSED in html


@pytest.mark.parametrize("parent", ["999999", "not-a-number"])
def test_forged_parent_is_404(client, article, veteran, parent):
    client.force_login(veteran)
    response = client.post(post_url(article), {"body": "Hi", "parent": parent})
    assert response.status_code == 404
    assert not Comment.objects.filter(body="Hi").exists()


def test_forged_or_unpublished_article_is_404(client, veteran):
    client.force_login(veteran)
    draft = ArticleFactory(status="draft", published_at=None)
    assert client.post(post_url(draft), {"body": "Hi"}).status_code == 404
    url = reverse("comments:post", kwargs={"article_id": 999999})
    assert client.post(url, {"body": "Hi"}).status_code == 404


def test_reply_form_page_without_javascript(client, article, veteran):
    parent = CommentFactory(article=article, body="Original point.")
    client.force_login(veteran)
    html = client.get(reverse("comments:reply", kwargs={"pk": parent.pk}))
    html = html.content.decode()
    assert "Original point." in html
    assert f'<input type="hidden" name="parent" value="{parent.pk}">' in html


# --- Edit, delete, recommend, report ----------------------------------------------


def test_edit_within_the_window(client, article, veteran):
    comment = CommentFactory(article=article, author=veteran, body="Tpyo.")
    client.force_login(veteran)
    assert "data-edit-until" in page(client, article)
    url = reverse("comments:edit", kwargs={"pk": comment.pk})
    response = client.post(url, {"body": "Typo."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Typo." and comment.edited_at is not None


def test_edit_after_the_window_is_refused_and_the_link_is_gone(
    client, article, veteran
):
    comment = CommentFactory(
        article=article,
        author=veteran,
        body="Old.",
        created=timezone.now() - datetime.timedelta(minutes=16),
    )
    client.force_login(veteran)
    assert f"/discussion/comment/{comment.pk}/edit/" not in page(client, article)
    url = reverse("comments:edit", kwargs={"pk": comment.pk})
    response = client.post(url, {"body": "New."})
    assert services.EDIT_WINDOW_OVER in response.content.decode().replace("&#x27;", "'")
    comment.refresh_from_db()
    assert comment.body == "Old."


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_others_comments_cannot_be_edited_or_deleted(client, article, action):
    comment = CommentFactory(article=article, body="Mine.")
    client.force_login(VerifiedUserFactory())
    url = reverse(f"comments:{action}", kwargs={"pk": comment.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "Hijacked."}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine." and comment.status == "approved"


@pytest.mark.parametrize("action", ["edit", "delete", "recommend", "report", "reply"])
def test_anonymous_readers_are_sent_to_sign_in(client, article, action):
    comment = CommentFactory(article=article)
    url = reverse(f"comments:{action}", kwargs={"pk": comment.pk})
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/discussion/comment/{comment.pk}/"


def test_delete_own_comment(client, article, veteran):
    comment = services.comment_create(article=article, author=veteran, body="Oops.")
    client.force_login(veteran)
    url = reverse("comments:delete", kwargs={"pk": comment.pk})
    assert "Delete your comment?" in client.get(url).content.decode()
    client.post(url)
    comment.refresh_from_db()
    article.refresh_from_db()
    assert comment.status == "deleted" and article.comment_count == 0
    assert "Oops." not in page(client, article)


def test_recommend_with_and_without_htmx(client, article, veteran):
    comment = CommentFactory(article=article)
    client.force_login(veteran)
    url = reverse("comments:recommend", kwargs={"pk": comment.pk})
    response = client.post(url)
    assert response.status_code == 302 and response.url.endswith(
        f"#comment-{comment.pk}"
    )
    html = client.post(url, **HTMX).content.decode()
    assert 'aria-pressed="false"' in html
    assert "reaction-count" not in html  # "Recommend", not "Recommend 0"
    html = client.post(url, **HTMX).content.decode()
    assert 'aria-pressed="true"' in html and "Recommended" in html
    comment.refresh_from_db()
    assert comment.reaction_count == 1


def test_report_with_reason_and_note_once(client, article, veteran):
    comment = CommentFactory(article=article)
    client.force_login(veteran)
    url = reverse("comments:report", kwargs={"pk": comment.pk})
    response = client.post(url, {"note": "No reason chosen"})
    assert "Choose a reason for the report." in response.content.decode()
    response = client.post(url, {"reason": "misinformation", "note": "Wrong date."})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reason, report.note) == ("misinformation", "Wrong date.")
    html = client.post(url, {"reason": "spam"}).content.decode()
    assert services.REPORT_TWICE.replace("'", "&#x27;") in html
    assert Report.objects.count() == 1
    reported = f'<span class="action-done" id="report-{comment.pk}">Reported</span>'
    assert reported in page(client, article)


@pytest.mark.parametrize("status", ["pending", "rejected", "removed", "spam"])
def test_unpublished_comments_cannot_be_read_through_report_or_recommend(
    client, article, veteran, status
):
    """Held, rejected and removed text is for its author and moderators only."""
    comment = CommentFactory(
        article=article, status=status, body="Someone's home address."
    )
    client.force_login(veteran)
    for action in ["report", "recommend"]:
        url = reverse(f"comments:{action}", kwargs={"pk": comment.pk})
        response = client.get(url)
        assert response.status_code in (404, 405), action
        assert "home address" not in response.content.decode()
        assert client.post(url, {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists() and not Reaction.objects.exists()


def test_stop_reply_emails_link_turns_them_off(client, veteran):
    from comments.tasks import stop_replies_token

    url = reverse(
        "comments:stop_replies", kwargs={"token": stop_replies_token(veteran)}
    )
    confirm = client.get(url).content.decode()
    veteran.refresh_from_db()
    assert veteran.notify_on_reply, "a GET (a mail scanner following links) asks"
    assert "Stop reply emails</button>" in confirm
    html = client.post(url).content.decode()
    veteran.refresh_from_db()
    assert not veteran.notify_on_reply
    assert views.REPLIES_STOPPED.replace("'", "&#x27;") in html
    bad = reverse("comments:stop_replies", kwargs={"token": "forged"})
    assert client.get(bad).status_code == 400


def test_profile_comments_include(client, veteran, django_assert_max_num_queries):
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    article = ArticleFactory(title="Peace talks")
    for i in range(25):
        CommentFactory(article=article, author=veteran, body=f"Thought {i}.")
    CommentFactory(article=article, author=veteran, body="Held one.", status="pending")
    pulled = ArticleFactory(title="Pulled for legal reasons", status="draft")
    CommentFactory(article=pulled, author=veteran, body="On a pulled story.")
    request = RequestFactory().get("/profile/1/", {"comments_page": "2"})
    template = Template('{% include "comments/_profile_comments.html" %}')
    with django_assert_max_num_queries(2):
        html = template.render(RequestContext(request, {"profile_user": veteran}))
    assert "Page 2 of 2" in html and "Peace talks" in html
    assert "Held one." not in html
    first = Template('{% include "comments/_profile_comments.html" %}').render(
        RequestContext(RequestFactory().get("/profile/1/"), {"profile_user": veteran})
    )
    assert "Pulled for legal reasons" not in first + html


def test_load_more_sets_no_cookie_for_anonymous_readers(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 1
    CommentFactory(article=article)
    CommentFactory(article=article)
    url = reverse("comments:threads", kwargs={"article_id": article.pk})
    response = client.get(url, {"cpage": 2}, **HTMX)
    assert response.status_code == 200 and not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


@pytest.mark.parametrize("status", ["pending", "removed", "deleted"])
def test_reply_form_for_unpublished_comment_is_404(client, article, veteran, status):
    parent = CommentFactory(article=article, status=status)
    client.force_login(veteran)
    url = reverse("comments:reply", kwargs={"pk": parent.pk})
    assert client.get(url).status_code == 404


def test_recommendations_are_rate_limited(client, article, veteran, monkeypatch):
    """Every write has a rate limit; recommending is no exception."""
    monkeypatch.setitem(services.ACTION_LIMITS, "recommend", (2, 60))
    comment = CommentFactory(article=article)
    client.force_login(veteran)
    url = reverse("comments:recommend", kwargs={"pk": comment.pk})
    client.post(url, **HTMX)
    client.post(url, **HTMX)
    html = client.post(url, **HTMX).content.decode()
    assert escape(services.TOO_MANY_ACTIONS) in html
    assert Reaction.objects.count() == 0  # on, off, and the third refused


def test_refused_attempts_are_rate_limited_too(client, article, veteran, settings):
    """A bot that keeps filling the honeypot is slowed down like any poster."""
    settings.COMMENTS_RATE_PER_MINUTE = 2
    client.force_login(veteran)
    for _ in range(4):
        client.post(post_url(article), {"body": "Spam.", "website": "http://x.example"})
    response = client.post(post_url(article), {"body": "A real comment at last."})
    assert response.status_code == 400
    assert services.TOO_MANY_ACTIONS.replace("'", "&#x27;") in response.content.decode()
    assert "A real comment at last." in response.content.decode()  # draft kept
    assert not Comment.objects.filter(body="A real comment at last.").exists()
