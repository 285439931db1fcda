"""The front page an editor arranges: the lead, the top stories in order, a pinned
strip, then the newest by section; never a draft or a scheduled article; nothing
twice; the change seen by readers at once; a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.front_page import front_page_stories
from articles.models import Article, FrontPage, TopStory
from tests.articles.factories import ArticleFactory
from tests.comments.moderation.helpers import editor, moderator

pytestmark = pytest.mark.django_db


def arrange(lead=None, top=(), strip=None, kind="") -> FrontPage:
    page = FrontPage.current()
    page.lead, page.strip_article, page.strip_kind = lead, strip, kind
    page.save()
    page.top_stories.all().delete()
    for position, article in enumerate(top):
        TopStory.objects.create(front_page=page, article=article, position=position)
    return page


def test_without_an_arrangement_the_newest_leads():
    older = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=2))
    newest = ArticleFactory()
    stories = front_page_stories()
    assert stories.lead == newest and stories.top == [older]


def test_the_editors_lead_top_stories_and_strip_in_their_order():
    articles = [ArticleFactory() for _ in range(8)]
    old_analysis = ArticleFactory(
        published_at=timezone.now() - datetime.timedelta(days=90)
    )
    arrange(
        lead=articles[5],
        top=[articles[2], old_analysis, articles[7]],
        strip=articles[0],
        kind="live",
    )
    stories = front_page_stories()
    assert stories.lead == articles[5]
    assert stories.top[:3] == [articles[2], old_analysis, articles[7]]
    assert len(stories.top) == 4  # the newest fill the fourth place
    assert (stories.strip, stories.strip_kind) == (articles[0], "Live")
    shown = [stories.strip, stories.lead, *stories.top] + [
        a for _, teasers in stories.by_section for a in teasers
    ]
    assert len(shown) == len(set(shown))  # nothing twice


def test_drafts_scheduled_and_unpublished_never_appear():
    published = ArticleFactory()
    draft = ArticleFactory(status=Article.Status.DRAFT)
    scheduled = ArticleFactory(
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + datetime.timedelta(hours=3),
    )
    arrange(lead=draft, top=[scheduled], strip=scheduled, kind="analysis")
    stories = front_page_stories()
    assert stories.lead == published  # the newest stands in
    assert stories.top == [] and stories.strip is None


def test_an_editor_rearranges_and_readers_see_it_at_once(
    client, django_capture_on_commit_callbacks
):
    first, second = (
        ArticleFactory(title="First story"),
        ArticleFactory(title="Second story"),
    )
    page = client.get("/").content.decode()
    assert page.index("Second story") < page.index("First story")  # newest leads
    staff = client.__class__()
    staff.force_login(editor())
    front = FrontPage.current()
    with django_capture_on_commit_callbacks(execute=True):  # as a real commit
        response = staff.post(
            reverse("admin:articles_frontpage_change", args=[front.pk]),
            {
                "lead": first.pk,
                "strip_kind": "",
                "strip_article": "",
                "top_stories-TOTAL_FORMS": "1",
                "top_stories-INITIAL_FORMS": "0",
                "top_stories-0-position": "1",
                "top_stories-0-article": second.pk,
            },
            follow=True,
        )
    assert "The front page is arranged: readers see it now." in (
        response.content.decode()
    )
    page = client.get("/").content.decode()  # the cached copy was refreshed
    lead = page[page.index('class="lead-story"') : page.index('class="top-stories"')]
    assert "First story" in lead and "Second story" not in lead


def test_a_moderator_cannot_arrange_the_front_page(client):
    client.force_login(moderator())
    front = FrontPage.current()
    url = reverse("admin:articles_frontpage_change", args=[front.pk])
    assert client.get(url).status_code == 403


def test_the_front_page_costs_the_same_queries_however_it_is_arranged(
    client, django_assert_max_num_queries
):
    articles = [ArticleFactory() for _ in range(30)]
    with django_assert_max_num_queries(12) as few:
        client.get("/", HTTP_CACHE_CONTROL="no-cache")
    arrange(
        lead=articles[3],
        top=articles[10:14],
        strip=articles[20],
        kind="live",
    )
    FrontPage.objects.filter(pk=1).update(updated_at=timezone.now())
    from articles.cache import listings_changed

    listings_changed()
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        client.get("/")


def test_top_stories_past_what_the_page_shows_are_not_lost():
    articles = [ArticleFactory() for _ in range(10)]
    arrange(lead=articles[0], top=articles[1:7])
    stories = front_page_stories()
    assert stories.top == articles[1:5]
    listed = {a for _, teasers in stories.by_section for a in teasers}
    assert {articles[5], articles[6]} <= listed  # in their sections, not dropped
