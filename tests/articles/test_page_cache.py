"""The anonymous page cache, HTTP caching headers, /healthz and outages."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from articles.cache import article_changed, listings_changed
from articles.page_cache import local_pages
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory, FaqItemFactory
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Cached story")


def test_anonymous_readers_get_a_cached_page_without_queries(
    client, article, django_assert_num_queries
):
    """The second anonymous reader is served from the cache, touching no database."""
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "MISS"
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "HIT"
    assert second.content == first.content


@pytest.mark.parametrize(
    "change",
    ["article", "faq", "version-bump"],
)
def test_a_change_to_the_article_is_shown_at_once(
    client, admin_client, article, change, django_capture_on_commit_callbacks
):
    """Editing the article, its FAQ, or anything that bumps its version refreshes it."""
    client.get(article.get_absolute_url())
    if change == "article":
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("admin:articles_article_change", args=[article.pk]),
                {
                    "title": "Cached story, updated",
                    "slug": article.slug,
                    "standfirst": article.standfirst,
                    "section": article.section_id,
                    "body": article.body,
                    "status": "published",
                    "published_at_0": article.published_at.strftime("%Y-%m-%d"),
                    "published_at_1": article.published_at.strftime("%H:%M:%S"),
                    "discussion_mode": "open",
                    "hero_focal_x": "50",
                    "hero_focal_y": "40",
                    "faq_items-TOTAL_FORMS": "0",
                    "faq_items-INITIAL_FORMS": "0",
                    "further_reading-TOTAL_FORMS": "0",
                    "further_reading-INITIAL_FORMS": "0",
                },
            )
        assert response.status_code == 302, response.content.decode()[:3000]
        expected = "Cached story, updated"
    elif change == "faq":
        FaqItemFactory(article=article, question="A brand new question?")
        article_changed(article.pk)
        expected = "A brand new question?"
    else:
        article.title = "Retitled quietly"
        article.save()
        article_changed(article.pk)
        expected = "Retitled quietly"
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "MISS"
    assert expected in response.content.decode()


def test_a_write_refreshes_only_what_it_affects(client, article):
    other = ArticleFactory(title="Another story")
    client.get(article.get_absolute_url())
    client.get(other.get_absolute_url())
    article_changed(article.pk)
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "MISS"
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "HIT"


def test_listing_pages_refresh_when_listings_change(client, article):
    home = reverse("articles:home")
    assert client.get(home)["X-Page-Cache"] == "MISS"
    assert client.get(home)["X-Page-Cache"] == "HIT"
    new = ArticleFactory(title="Fresh off the press")
    listings_changed()
    response = client.get(home)
    assert response["X-Page-Cache"] == "MISS"
    assert new.title in response.content.decode()


def test_signed_in_readers_never_get_the_shared_page_or_each_others(article):
    """Two signed-in readers and an anonymous one: each sees only their own state."""
    anonymous = Client()
    anonymous.get(article.get_absolute_url())  # fills the shared cache
    alice, bob = UserFactory(display_name="Alice"), UserFactory(display_name="Bob")
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    alice_page = alice_client.get(article.get_absolute_url())
    bob_page = bob_client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in alice_page
    assert "Alice" in alice_page.content.decode()
    assert "Bob" not in alice_page.content.decode()
    assert "Bob" in bob_page.content.decode()
    assert "Alice" not in bob_page.content.decode()
    shared = anonymous.get(article.get_absolute_url())
    assert shared["X-Page-Cache"] == "HIT"
    assert "Alice" not in shared.content.decode()
    assert "Bob" not in shared.content.decode()


def test_conditional_request_gets_304(client, article):
    first = client.get(article.get_absolute_url())
    etag = first["ETag"]
    assert etag.startswith('"') and first["Last-Modified"]
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    changed = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH='"other"')
    assert changed.status_code == 200


def test_headers_per_page_kind(client, article, user, staff_user):
    anonymous = client.get(article.get_absolute_url())
    assert anonymous["Cache-Control"].startswith("public, max-age=0, s-maxage=60")
    assert "stale-while-revalidate=30" in anonymous["Cache-Control"]
    assert "Cookie" in anonymous["Vary"]
    assert not anonymous.cookies

    client.force_login(user)
    personal = client.get(article.get_absolute_url())
    assert personal["Cache-Control"] == "private, no-store"
    assert "Cookie" in personal["Vary"]

    client.force_login(staff_user)
    draft = ArticleFactory(status="draft", published_at=None)
    preview = client.get(draft.get_absolute_url())
    assert "no-cache" in preview["Cache-Control"]
    assert (
        "private" in preview["Cache-Control"] or "no-store" in preview["Cache-Control"]
    )


def test_no_set_cookie_on_any_anonymous_reading_page(client, article):
    for url in [
        reverse("articles:home"),
        article.get_absolute_url(),
        article.section.get_absolute_url(),
        reverse("articles:search") + "?q=story",
        "/sitemap.xml",
        reverse("articles:feed_rss"),
    ]:
        for _ in range(2):  # miss and hit
            response = client.get(url)
            assert "Set-Cookie" not in str(response.serialize_headers()), url


def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def redis_down(settings):
    """The cache points at a closed port: Redis is 'down'."""
    from core.cache_backends import ResilientRedisCache

    ResilientRedisCache._last_logged = 0.0  # noqa: SLF001 — log this outage
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.cache_backends.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        },
    }


def test_pages_still_answer_when_redis_is_down(client, article, redis_down, caplog):
    """No 500: pages are rendered uncached, and the outage is logged."""
    for url in [reverse("articles:home"), article.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert article.title in response.content.decode()
    assert "Redis cache unavailable" in caplog.text
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["cache"] == "unavailable"
    assert health.json()["database"] == "ok"


def test_each_process_rechecks_its_copy_within_the_local_window(
    client, article, settings
):
    """A hot page costs no round trip; a change still shows once the window passes."""
    import time

    settings.PAGE_CACHE_LOCAL_SECONDS = 0.3
    client.get(article.get_absolute_url())
    article.title = "Changed a moment ago"
    article.save()
    article_changed(article.pk)
    within = client.get(article.get_absolute_url())
    assert "Changed a moment ago" not in within.content.decode()
    time.sleep(0.35)
    after = client.get(article.get_absolute_url())
    assert "Changed a moment ago" in after.content.decode()


def test_cached_pages_expire_even_if_nothing_announces_a_change(
    client, article, settings
):
    import time

    settings.PAGE_CACHE_LOCAL_SECONDS = 10
    settings.PAGE_CACHE_SECONDS = 1
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "HIT"
    time.sleep(1.05)
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "MISS"


# --- Each kind of real change refreshes the cached article page -------------------


@pytest.fixture
def commenter():
    from tests.accounts.factories import VerifiedUserFactory

    return VerifiedUserFactory(display_name="Prompt Poster", trusted=True)


def assert_refreshed(client, article, text: str) -> None:
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "MISS"
    assert text in response.content.decode()
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "HIT"


def test_a_new_approved_comment_refreshes_the_page(
    client, article, commenter, django_capture_on_commit_callbacks
):
    from comments.services import comment_create

    client.get(article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(article=article, author=commenter, body="Fresh from the wire.")
    assert_refreshed(client, article, "Fresh from the wire.")


def test_a_held_comment_does_not_touch_the_cached_page(
    client, article, django_capture_on_commit_callbacks
):
    """Only the approved discussion is on the shared page: a held comment is not."""
    from comments.services import comment_create
    from tests.accounts.factories import VerifiedUserFactory

    newcomer = VerifiedUserFactory()  # first comment: held for review
    client.get(article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(article=article, author=newcomer, body="Held back.")
    assert comment.status == "pending"
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "HIT"
    assert "Held back." not in response.content.decode()


def test_featuring_a_reader_question_refreshes_the_page(
    client, article, staff_user, django_capture_on_commit_callbacks
):
    from comments.questions.services import question_feature
    from tests.comments.questions.factories import ReaderQuestionFactory

    question = ReaderQuestionFactory(
        article=article, text="Will the UN have a seat at the table?"
    )
    client.get(article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        question_feature(question=question, editor=staff_user)
    assert_refreshed(client, article, "Will the UN have a seat at the table?")


def test_promoting_a_question_into_the_faq_refreshes_the_page(
    client, article, staff_user, django_capture_on_commit_callbacks
):
    from comments.questions.services import question_promote
    from tests.comments.questions.factories import ReaderQuestionFactory

    question = ReaderQuestionFactory(article=article, text="Who pays for it?")
    client.get(article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        question_promote(question=question, editor=staff_user, answer="Taxpayers.")
    assert_refreshed(client, article, "Taxpayers.")


def test_an_faq_edit_in_the_admin_refreshes_the_page(
    client, admin_client, article, django_capture_on_commit_callbacks
):
    client.get(article.get_absolute_url())
    form = {
        "title": article.title,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "section": article.section_id,
        "body": article.body,
        "status": "published",
        "published_at_0": article.published_at.strftime("%Y-%m-%d"),
        "published_at_1": article.published_at.strftime("%H:%M:%S"),
        "discussion_mode": "open",
        "hero_focal_x": "50",
        "hero_focal_y": "40",
        "faq_items-TOTAL_FORMS": "1",
        "faq_items-INITIAL_FORMS": "0",
        "faq_items-0-position": "1",
        "faq_items-0-question": "Is this new?",
        "faq_items-0-answer": "Added in the admin a moment ago.",
        "further_reading-TOTAL_FORMS": "0",
        "further_reading-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:articles_article_change", args=[article.pk]), form
        )
    assert response.status_code == 302
    assert_refreshed(client, article, "Added in the admin a moment ago.")


def test_tracking_parameters_share_the_cached_page_and_leave_no_trace(client, article):
    """A viral link carries a new fbclid per click: it must not split the cache, and
    one reader's tracker must not end up in the page everyone else gets."""
    url = article.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "MISS"
    tracked = client.get(url + "?fbclid=reader-one-secret&utm_source=social")
    assert tracked["X-Page-Cache"] == "HIT"
    assert client.get(url + "?utm_campaign=x&gclid=y")["X-Page-Cache"] == "HIT"
    cache.clear()
    local_pages.clear()
    first = client.get(url + "?fbclid=reader-one-secret")
    assert first["X-Page-Cache"] == "MISS"
    assert "reader-one-secret" not in first.content.decode()


def test_meaningful_parameters_still_get_their_own_page(client, article):
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url + "?csort=newest")["X-Page-Cache"] == "MISS"
    assert client.get(url + "?csort=newest&utm_source=x")["X-Page-Cache"] == "HIT"


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("?utm_source=x&x=1", ""),  # a parameter nobody reads
        ("?cpage=1", ""),  # the default, spelled out
        ("?cpage=abc", ""),
        ("?csort=nonsense", ""),
        ("?cfilter=answers", ""),  # no featured question: nothing to filter
        ("?cpage=1&csort=newest&x=1", "?csort=newest"),
    ],
)
def test_other_spellings_of_a_discussion_view_redirect_to_its_own(
    client, article, query, canonical
):
    """One cache entry per view of the discussion: any other spelling of it is a
    redirect to the one its links use, and stores nothing."""
    url = article.get_absolute_url()
    assert client.get(url + canonical)["X-Page-Cache"] == "MISS"
    stored = len(local_pages)
    response = client.get(url + query)
    assert response.status_code == 302
    assert response["Location"] == url + canonical
    assert len(local_pages) == stored
    assert client.get(response["Location"])["X-Page-Cache"] == "HIT"


def test_a_discussion_page_past_the_last_is_not_found(client, article):
    CommentFactory(article=article)
    url = article.get_absolute_url()
    assert client.get(url + "?cpage=2").status_code == 404
    assert client.get(url + "?cpage=99999999999999999999").status_code == 404


def test_requests_cannot_grow_the_page_cache(client, article):
    """However many query strings a crawler or an attacker invents, the pages
    stored are the ones the site links to."""
    ArticleFactory.create_batch(13, section=article.section)  # two listing pages
    section = article.section.get_absolute_url()
    for url in (article.get_absolute_url(), section, section + "?page=2"):
        assert client.get(url).status_code == 200
    stored = len(local_pages)
    for n in range(40):
        for junk in (f"?x={n}", f"?cpage={n}", f"?csort={n}", f"?page={n}&n={n}"):
            client.get(article.get_absolute_url() + junk)
            client.get(section + junk)
    assert len(local_pages) == stored


@pytest.mark.parametrize(
    ("query", "expected"), [("?page=1", 302), ("?page=abc", 404), ("?page=9", 404)]
)
def test_listing_pages_have_one_spelling(client, article, query, expected):
    response = client.get(article.section.get_absolute_url() + query)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == article.section.get_absolute_url()


def test_a_recommendation_refreshes_the_article_but_not_the_listings(
    client, article, commenter, django_capture_on_commit_callbacks
):
    """Teasers show only the comment count: a busy discussion's recommendations
    must not keep throwing away the front page."""
    from comments.services import comment_create, reaction_toggle
    from tests.accounts.factories import VerifiedUserFactory

    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(article=article, author=commenter, body="Agreed.")
    home = reverse("articles:home")
    client.get(home)
    client.get(article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        reaction_toggle(comment=comment, user=VerifiedUserFactory())
    assert client.get(home)["X-Page-Cache"] == "HIT"
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "MISS"
