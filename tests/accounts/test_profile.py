"""Public profile pages."""

import pytest
from django.urls import reverse

from tests.accounts.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db


def test_profile_shows_name_bio_and_join_date_but_never_the_email(client):
    """Anyone can see a commenter's public profile; the email stays private."""
    user = VerifiedUserFactory(display_name="Sam Reader", bio="Reads on <b>Sundays</b>")
    response = client.get(reverse("accounts:profile", args=[user.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sam Reader</h1>" in html
    assert "Reads on &lt;b&gt;Sundays&lt;/b&gt;" in html
    assert user.date_joined.strftime("%B %Y") in html
    assert user.email not in html
    assert 'id="profile-comments-heading"' in html  # the discussion app's part


def test_profile_sets_no_cookie_for_anonymous_visitors(client):
    """Profiles are reading pages: no session or CSRF cookie for strangers."""
    user = VerifiedUserFactory()
    response = client.get(reverse("accounts:profile", args=[user.pk]))
    assert not response.cookies


def test_inactive_or_missing_profiles_are_not_found(client):
    user = VerifiedUserFactory(is_active=False)
    assert client.get(reverse("accounts:profile", args=[user.pk])).status_code == 404
    assert client.get(reverse("accounts:profile", args=[99999])).status_code == 404


def test_header_menu_for_anonymous_and_signed_in_readers(client):
    """Anonymous readers see Sign in / Create account that come back to the page;
    signed-in readers see their name with a menu and a sign-out button."""
    user = VerifiedUserFactory(display_name="Sam Reader")
    url = reverse("accounts:profile", args=[user.pk])
    html = client.get(url).content.decode()
    assert f'href="{reverse("account_login")}?next={url}"' in html
    assert "Create account" in html
    client.force_login(user)
    html = client.get(url).content.decode()
    assert "Sam Reader</summary>" in html
    assert f'action="{reverse("account_logout")}"' in html
    assert f'href="{reverse("accounts:settings")}"' in html


def test_reading_pages_set_no_cookie_for_anonymous_readers(client):
    """The header's account links add no cookie to any reading page."""
    from tests.articles.factories import ArticleFactory

    article = ArticleFactory()
    reader = VerifiedUserFactory()
    urls = [
        reverse("articles:home"),
        article.get_absolute_url(),
        article.section.get_absolute_url(),
        reverse("articles:search") + "?q=story",
        reverse("accounts:profile", args=[reader.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        assert "Sign in" in response.content.decode(), url


def test_profile_query_count_is_small_and_constant(
    client, django_assert_max_num_queries
):
    user = VerifiedUserFactory()
    with django_assert_max_num_queries(4):
        client.get(reverse("accounts:profile", args=[user.pk]))
