"""Signing up: double opt-in, identical answers, bad input, abuse."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from newsletter import services
from newsletter.models import Subscriber
from tests.articles.factories import ArticleFactory
from tests.newsletter.factories import SubscriberFactory, daily, weekly
from tests.newsletter.helpers import link_in, outbox_to, press_confirm

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("newsletter:subscribe")


def signup(client, email, newsletters=None, headers=None, **fields):
    data = {
        "email": email,
        "newsletters": [n.pk for n in (newsletters or [daily()])],
        "source": "/articles/x/",
        **fields,
    }
    return client.post(SUBSCRIBE, data, **(headers or {}))


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def post(email, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return signup(client, email, **kwargs)

    return post


def test_a_new_address_becomes_pending_and_gets_one_confirmation_email(post):
    """A signup stores a pending subscriber with its consent line and source page,
    and sends a confirmation link; nothing is confirmed yet."""
    response = post("new@example.com", newsletters=[daily(), weekly()])
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:check_inbox")
    subscriber = Subscriber.objects.get(email="new@example.com")
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.source == "/articles/x/"
    assert "unsubscribe at any time" in subscriber.consent_text
    assert set(subscriber.newsletters.all()) == {daily(), weekly()}
    assert len(mail.outbox) == 1
    assert "Confirm your subscription" in mail.outbox[0].subject
    link_in(mail.outbox[0], "confirm")


@pytest.mark.parametrize(
    "status",
    [
        None,
        Subscriber.Status.PENDING,
        Subscriber.Status.CONFIRMED,
        Subscriber.Status.UNSUBSCRIBED,
        Subscriber.Status.BOUNCED,
    ],
)
def test_the_answer_is_identical_whatever_the_address_state(post, client, status):
    """No enumeration: the same redirect and the same page for new, pending,
    confirmed, unsubscribed and bounced addresses."""
    if status is not None:
        SubscriberFactory(email="someone@example.com", status=status)
    response = post("someone@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:check_inbox")
    page = client.get(response["Location"])
    assert services.CHECK_INBOX in page.content.decode()


def test_confirmed_address_gets_a_note_not_a_confirmation(post):
    """An already confirmed reader is told so by email (with their preferences
    link); their subscription does not change."""
    subscriber = SubscriberFactory(email="old@example.com", newsletters=[daily()])
    post("old@example.com", newsletters=[weekly()])
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert list(subscriber.newsletters.all()) == [daily()]
    assert len(mail.outbox) == 1
    assert "already subscribed" in mail.outbox[0].subject
    link_in(mail.outbox[0], "manage")


def test_unsubscribed_address_stays_unsubscribed_until_it_confirms(post, client):
    """A form post for an unsubscribed address cannot resubscribe it: only the
    confirmation link sent to that inbox does."""
    subscriber = SubscriberFactory(
        email="gone@example.com", status=Subscriber.Status.UNSUBSCRIBED
    )
    post("gone@example.com")
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    press_confirm(client, link_in(mail.outbox[0], "confirm"))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_subscription_bombing_sends_one_email(post):
    """The same address submitted many times, from many connections, gets one
    confirmation email."""
    for i in range(20):
        response = post("victim@example.com", headers={"REMOTE_ADDR": f"10.0.0.{i}"})
        assert response.status_code == 302
    assert len(outbox_to("victim@example.com")) == 1
    assert Subscriber.objects.filter(email="victim@example.com").count() == 1


def test_a_second_confirmation_is_sent_after_an_hour(post):
    """At most one confirmation an hour: a later request gets a fresh link."""
    post("later@example.com")
    Subscriber.objects.filter(email="later@example.com").update(
        confirmation_sent_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    post("later@example.com")
    assert len(outbox_to("later@example.com")) == 2


def test_uppercase_and_spaces_are_stored_once_lowercased(post):
    """'  Mixed@Example.COM ' and 'mixed@example.com' are the same subscriber."""
    post("  Mixed@Example.COM ")
    post("mixed@example.com")
    post("MIXED@EXAMPLE.COM")
    assert list(Subscriber.objects.values_list("email", flat=True)) == [
        "mixed@example.com"
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mixed@example.com"]


def test_malformed_address_gets_a_message_next_to_the_field_and_keeps_input(post):
    """A bad address: 400, the message tied to the field, what was typed kept."""
    response = post("not-an-address@")
    assert response.status_code == 400
    html = response.content.decode()
    assert services.INVALID_EMAIL in html
    assert 'value="not-an-address@"' in html
    assert 'aria-invalid="true" aria-describedby="nl-email-error"' in html
    assert not Subscriber.objects.exists()
    assert not mail.outbox


def test_no_newsletter_chosen_is_refused_with_a_message(client):
    response = client.post(SUBSCRIBE, {"email": "a@example.com"})
    assert response.status_code == 400
    assert services.NO_NEWSLETTER in response.content.decode()
    assert 'value="a@example.com"' in response.content.decode()


def test_honeypot_gets_the_same_answer_and_nothing_happens(post):
    """A bot that fills the hidden field is told to check its inbox; no row, no
    email."""
    response = post("bot@example.com", website="http://spam.example")
    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    assert not mail.outbox


def test_signups_are_rate_limited_per_ip(post, settings):
    """Past the limit per connection, a clear 429 page and no more emails."""
    settings.NEWSLETTER_SIGNUP_LIMIT_PER_IP = (3, 3600)
    for i in range(3):
        assert post(f"p{i}@example.com").status_code == 302
    response = post("p9@example.com")
    assert response.status_code == 429
    assert services.TOO_MANY_SIGNUPS in response.content.decode()
    assert not Subscriber.objects.filter(email="p9@example.com").exists()


def test_behind_a_proxy_each_reader_has_their_own_limit(post, settings):
    """Behind the load balancer every request comes from its address: the limit
    counts the reader's address from X-Forwarded-For instead (TRUSTED_PROXY_COUNT)."""
    settings.NEWSLETTER_SIGNUP_LIMIT_PER_IP = (2, 3600)
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    def from_reader(email, ip):
        return post(
            email, headers={"HTTP_X_FORWARDED_FOR": ip, "REMOTE_ADDR": "10.0.0.1"}
        )

    assert from_reader("a1@example.com", "203.0.113.1").status_code == 302
    assert from_reader("a2@example.com", "203.0.113.1").status_code == 302
    assert from_reader("a3@example.com", "203.0.113.1").status_code == 429
    assert from_reader("b1@example.com", "203.0.113.2").status_code == 302


def test_htmx_signup_swaps_in_the_answer(post):
    """With htmx the block is replaced by the answer (or the form with errors)."""
    ok = post("h@example.com", headers={"HTTP_HX_REQUEST": "true"})
    assert ok.status_code == 200
    assert services.CHECK_INBOX in ok.content.decode()
    bad = post("nope", headers={"HTTP_HX_REQUEST": "true"})
    assert bad.status_code == 200
    assert services.INVALID_EMAIL in bad.content.decode()
    assert "<html" not in bad.content.decode()


def test_article_page_has_the_form_without_token_or_cookie(client):
    """The cached anonymous article page carries the signup form, no CSRF token,
    and sets no cookie."""
    article = ArticleFactory()
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert f'action="{SUBSCRIBE}"' in html
    assert "csrfmiddlewaretoken" not in html
    assert not response.cookies
    home = client.get(reverse("articles:home"))
    assert f'action="{SUBSCRIBE}"' in home.content.decode()
    assert not home.cookies


def test_subscribe_works_without_a_csrf_token(db):
    """The signup endpoint is csrf_exempt by design (see docs/newsletter.md)."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = signup(strict, "strict@example.com")
    assert response.status_code == 302


def test_newsletter_page_lists_the_newsletters(client):
    response = client.get(reverse("newsletter:index"))
    html = response.content.decode()
    assert "Daily briefing" in html and "Weekly analysis" in html
    assert "Most popular" in html
    assert not response.cookies


def verify(user):
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )


def test_signed_in_verified_reader_subscribes_in_one_click(
    client, user, django_capture_on_commit_callbacks
):
    """No confirmation email for the reader's own verified address: confirmed at
    once, linked to the account, welcomed."""
    verify(user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("newsletter:subscribe_me"),
            {"newsletters": [weekly().pk], "next": "/articles/x/"},
        )
    assert response.status_code == 302
    assert response["Location"] == "/articles/x/#newsletter"  # back at the box
    subscriber = Subscriber.objects.get(email=user.email)
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.user == user
    assert list(subscriber.newsletters.all()) == [weekly()]
    assert [m.subject for m in mail.outbox] == ["Welcome to Broadsheet"]


def test_signed_in_unverified_reader_goes_through_double_opt_in(
    client, user, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("newsletter:subscribe_me"), {"next": "https://evil.example/"}
        )
    subscriber = Subscriber.objects.get(email=user.email)
    assert subscriber.status == Subscriber.Status.PENDING
    assert "Confirm" in mail.outbox[0].subject


def test_one_click_form_needs_sign_in_and_csrf(client, user):
    response = client.post(reverse("newsletter:subscribe_me"))
    assert response.status_code == 302 and "login" in response["Location"]
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(reverse("newsletter:subscribe_me")).status_code == 403


def test_signed_in_reader_sees_the_one_click_form_on_articles(client, user):
    client.force_login(user)
    html = client.get(ArticleFactory().get_absolute_url()).content.decode()
    assert reverse("newsletter:subscribe_me") in html
    action = f'action="{reverse("newsletter:subscribe_me")}"'
    one_click = html.split(action)[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken"' in one_click
    assert reverse("newsletter:preferences") in html


def test_the_signup_block_costs_the_same_however_many_newsletters(client):
    """The block on the article page adds a constant query count."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.page_cache import local_pages
    from newsletter.models import Newsletter

    article = ArticleFactory()

    def count() -> int:
        cache.clear()  # measure renders, not page-cache hits
        local_pages.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(article.get_absolute_url())
        return len(queries)

    before = count()
    for i in range(5):
        Newsletter.objects.create(name=f"Extra {i}", slug=f"extra-{i}")
    assert count() == before
    cache.clear()
    local_pages.clear()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Extra 4" in html


def test_a_subscribed_reader_sees_their_newsletters_instead_of_the_form(client, user):
    SubscriberFactory(email=user.email, user=user, newsletters=[weekly()])
    client.force_login(user)
    html = client.get(ArticleFactory().get_absolute_url()).content.decode()
    assert "You receive <strong>Weekly analysis</strong>" in html
    assert reverse("newsletter:subscribe_me") not in html


def test_the_one_click_form_brings_the_reader_back_to_the_article(client, user):
    """Its hidden `next` is the article's path: it was empty (context processors
    do not reach an inclusion tag), so readers landed on their preferences."""
    client.force_login(user)
    article = ArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'name="next" value="{article.get_absolute_url()}"' in html


def test_a_signup_from_an_article_with_a_long_address_goes_through(post):
    """An article's path can be longer than the 200 characters kept as the
    source: the source is cut short. It used to refuse the signup with a 400 and
    no visible message (the error was on a hidden field)."""
    path = "/articles/" + "a" * 200 + "/"
    response = post("long@example.com", source=path)
    assert response.status_code == 302
    assert Subscriber.objects.get().source == path[:200]
