"""The newsletter box and page as a reader meets them (issue 17): the page names
each newsletter once, a signed-in verified reader finds their address filled in,
and the box's one click keeps the reader on the article."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils.html import escape

from newsletter.models import Subscriber
from newsletter.views import SUBSCRIBED_MESSAGE
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory
from tests.newsletter.factories import daily, weekly

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def reader(db):
    user = UserFactory(email="reader@example.com")
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    return user


def test_the_newsletter_page_names_each_newsletter_once(client):
    daily(), weekly()
    html = client.get(reverse("newsletter:index")).content.decode()
    for newsletter in (daily(), weekly()):
        assert html.count(newsletter.name) == 1, newsletter.name
        assert escape(newsletter.description) in html  # beside its checkbox


def test_a_signed_in_verified_reader_finds_their_address_filled_in(client, reader):
    client.force_login(reader)
    html = client.get(reverse("newsletter:index")).content.decode()
    assert 'id="nl-email" value="reader@example.com"' in html


def test_an_unverified_address_is_not_filled_in(client):
    client.force_login(UserFactory(email="maybe@example.com"))
    html = client.get(reverse("newsletter:index")).content.decode()
    assert 'id="nl-email" value=""' in html


def test_one_click_without_javascript_returns_to_the_article_box(client, reader):
    article = ArticleFactory()
    client.force_login(reader)
    response = client.post(
        reverse("newsletter:subscribe_me"),
        {"newsletters": [daily().pk], "next": article.get_absolute_url()},
    )
    assert response.url == f"{article.get_absolute_url()}#newsletter"
    html = client.get(response.url).content.decode()
    assert SUBSCRIBED_MESSAGE in html
    assert f"You receive <strong>{daily().name}</strong>" in html


def test_one_click_with_htmx_swaps_the_box_in_place(client, reader):
    article = ArticleFactory()
    client.force_login(reader)
    response = client.post(
        reverse("newsletter:subscribe_me"),
        {"newsletters": [weekly().pk], "next": article.get_absolute_url()},
        **HTMX,
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith('<aside class="newsletter-signup" id="newsletter"')
    assert SUBSCRIBED_MESSAGE in fragment
    assert f"You receive <strong>{weekly().name}</strong>" in fragment
    assert Subscriber.objects.get(user=reader).status == Subscriber.Status.CONFIRMED


def test_the_box_brings_its_own_stylesheet(client):
    """Its rules live in newsletter.css, which the box links wherever it is."""
    html = client.get(ArticleFactory().get_absolute_url()).content.decode()
    box = html.split('<aside class="newsletter-signup"')[1]
    assert '<link rel="stylesheet" href="/static/css/newsletter.css">' in box
