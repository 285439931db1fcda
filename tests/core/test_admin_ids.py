"""The admin refuses ids it cannot look up instead of answering 500."""

import pytest
from django.urls import reverse

from articles.models import Article, Author, Tag
from core.admin_ids import BAD_SELECTION, is_usable_id
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"  # past a 64-bit integer
UNUSABLE = ["²", "٣", HUGE, "-9223372036854775809", "9" * 5000, "", "\x00", "1 OR 1=1"]


@pytest.mark.parametrize("value", UNUSABLE)
def test_ids_the_database_cannot_be_asked_about(value):
    assert not is_usable_id(Article, None, value)


@pytest.mark.parametrize("value", ["1", 7, "9223372036854775807"])
def test_ids_it_can(value):
    """Ids as our forms send them: ASCII digits (int() would read "٣" as 3, but
    no page of ours sends one, so it is refused like any forged value)."""
    assert is_usable_id(Article, None, value)


def test_a_text_field_takes_any_text():
    assert is_usable_id(Tag, "slug", HUGE)


@pytest.mark.parametrize("bad", ["²", HUGE])
def test_an_action_on_a_garbled_selection_changes_nothing(admin_client, bad):
    article = ArticleFactory(status=Article.Status.DRAFT)
    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {
            "action": "publish_now",
            "_selected_action": [str(article.pk), bad],
            "index": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert BAD_SELECTION in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize("view", ["change", "delete"])
def test_an_empty_to_field_means_the_primary_key(admin_client, view):
    """Django's admin looked for a model field named "" (FieldDoesNotExist)."""
    tag = TagFactory()
    url = reverse(f"admin:articles_tag_{view}", args=[tag.pk])
    assert admin_client.get(url, {"_to_field": ""}).status_code == 200


@pytest.mark.parametrize("bad", ["²", HUGE, "nobody"])
def test_autocomplete_and_many_to_many_fields_refuse_unusable_ids(admin_client, bad):
    """The form says which value is wrong; the page shows again, no 500."""
    author = AuthorFactory()
    response = admin_client.post(
        reverse("admin:articles_author_change", args=[author.pk]),
        {"name": author.name, "slug": author.slug, "role": "Editor", "user": bad},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]
    assert Author.objects.get(pk=author.pk).role == "Correspondent"

    article = ArticleFactory()
    response = admin_client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        {"title": "Changed", "tags": [bad], "authors": [bad]},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["tags"] and errors["authors"]
    assert Article.objects.get(pk=article.pk).title != "Changed"


@pytest.mark.parametrize("year", [HUGE, "9999", "²"])
def test_a_date_hierarchy_year_past_what_a_date_holds_is_refused(admin_client, year):
    """Django answers a year it cannot read with the list and ?e=1; a year too
    large for a date (or 9999, whose next year is) was a 500."""
    url = reverse("admin:articles_article_changelist")
    response = admin_client.get(url, {"published_at__year": year})
    assert response.status_code == 302
    assert response.url.endswith("?e=1")


def test_list_editable_rows_with_ids_past_the_database_integers(admin_client):
    section = ArticleFactory().section
    response = admin_client.post(
        reverse("admin:articles_section_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": HUGE,
            "form-0-position": "5",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    section.refresh_from_db()
    assert section.position != 5
