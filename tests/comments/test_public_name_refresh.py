"""A commenter's new display name shows at once on cached pages (anonymous readers
get cached article pages; the name change refreshes the ones that show it)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import VerifiedUserFactory
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_a_new_display_name_replaces_the_old_one_on_cached_pages(
    client, django_capture_on_commit_callbacks
):
    """Sam renames themself on the settings page: the article where they commented
    shows the new name to the next anonymous reader, not the cached old one."""
    sam = VerifiedUserFactory(display_name="Sam Reader")
    article = ArticleFactory()
    CommentFactory(article=article, author=sam, body="My considered view.")
    reader = Client()
    assert "Sam Reader" in reader.get(article.get_absolute_url()).content.decode()
    assert reader.get(article.get_absolute_url())["X-Page-Cache"] == "HIT"

    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:settings"),
            {"display_name": "Samira Reader", "bio": "", "notify_on_reply": "on"},
        )
    assert response.status_code == 302

    page = reader.get(article.get_absolute_url()).content.decode()
    assert "Samira Reader" in page
    assert "Sam Reader" not in page
