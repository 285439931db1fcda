"""Confirmation, preferences and unsubscribe links: signing, expiry, RFC 8058."""

import re
import time

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from newsletter import views
from newsletter.models import Subscriber
from newsletter.tokens import (
    MANAGE_SALT,
    TokenError,
    make_confirm_token,
    make_manage_token,
    read_confirm_token,
    read_manage_token,
)
from tests.newsletter.factories import SubscriberFactory, daily, weekly
from tests.newsletter.helpers import link_in, press_confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    return SubscriberFactory(
        email="pending@example.com", status=Subscriber.Status.PENDING
    )


def test_the_confirmation_link_opens_a_page_that_asks_and_changes_nothing(
    client, pending, django_capture_on_commit_callbacks
):
    """Mail scanners and link previews fetch the link: a GET (or HEAD), however
    often, shows the address and the newsletters with one button, and leaves the
    subscriber pending, with no consent recorded and no welcome email."""
    token = make_confirm_token(pending, [weekly().pk])
    url = reverse("newsletter:confirm", args=[token])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
        client.get(url)
        client.head(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="confirm-heading">Confirm your subscription</h1>' in html
    assert "pending@example.com" in html and "Weekly analysis" in html
    form = html.split(f'<form method="post" action="{url}"')[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<button type="submit">Confirm my subscription</button>' in form
    assert "<main" in html
    assert "no-store" in response["Cache-Control"]
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING
    assert pending.consent_at is None and not pending.consent_text
    assert not mail.outbox


def test_the_button_on_the_page_confirms_and_welcomes(
    client, pending, django_capture_on_commit_callbacks
):
    """The reader's one click: confirmed with the newsletters asked for, consent
    recorded, their preferences shown, and a welcome email follows."""
    token = make_confirm_token(pending, [weekly().pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = press_confirm(client, reverse("newsletter:confirm", args=[token]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert views.SUBSCRIBED_MESSAGE in html
    assert "pending@example.com" in html
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.CONFIRMED
    assert pending.confirmed_at and pending.consent_at
    assert list(pending.newsletters.all()) == [weekly()]
    assert [m.subject for m in mail.outbox] == ["Welcome to Broadsheet"]


def test_the_confirm_button_is_csrf_protected_with_the_pages_own_token(pending):
    """The page is rendered for each visitor (never cached), so its form carries
    a CSRF token: a post without it is refused, the page's own one works."""
    url = reverse("newsletter:confirm", args=[make_confirm_token(pending, [1])])
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url).status_code == 403
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING
    html = strict.get(url).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    assert strict.post(url, {"csrfmiddlewaretoken": csrf}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.CONFIRMED


def test_confirming_twice_is_harmless(
    client, pending, django_capture_on_commit_callbacks
):
    token = make_confirm_token(pending, [daily().pk])
    url = reverse("newsletter:confirm", args=[token])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        response = client.post(url)
    assert response.status_code == 302
    assert len(mail.outbox) == 1  # one welcome


def test_confirmation_link_expires_after_seven_days(client, pending, monkeypatch):
    """A stale link gets a clear page (410), never a confirmation."""
    token = make_confirm_token(pending, [daily().pk])
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 7 * 24 * 3600 + 60)
    with pytest.raises(TokenError) as caught:
        read_confirm_token(token)
    assert caught.value.expired
    url = reverse("newsletter:confirm", args=[token])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        assert views.LINK_EXPIRED in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_a_six_day_old_link_still_works(client, pending, monkeypatch):
    token = make_confirm_token(pending, [daily().pk])
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 6 * 24 * 3600)
    read_confirm_token(token)


@pytest.mark.parametrize("name", ["confirm", "manage", "unsubscribe"])
def test_tampered_links_get_a_clear_page_not_an_error(client, pending, name):
    """A changed character, garbage, or a token of the wrong kind: 400 with the
    message, nothing about any subscriber."""
    good = (
        make_confirm_token(pending, [daily().pk])
        if name == "confirm"
        else make_manage_token(pending)
    )
    for token in [good[:-2] + "xx", "garbage", "a:b:c", "." * 5]:
        for method in (client.get, client.post):
            response = method(reverse(f"newsletter:{name}", args=[token]))
            assert response.status_code == 400, token
            html = response.content.decode()
            assert views.LINK_INVALID in html
            assert "pending@example.com" not in html
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_a_manage_token_is_not_a_confirmation_token(client, pending):
    """Each kind of link has its own salt: one cannot stand in for the other."""
    response = client.get(
        reverse("newsletter:confirm", args=[make_manage_token(pending)])
    )
    assert response.status_code == 400
    with pytest.raises(TokenError):
        read_manage_token(make_confirm_token(pending, [1]))


def test_a_token_never_opens_another_subscribers_data(client):
    """A token names the row and the address: if they no longer match (row
    deleted, id reused), the link is invalid."""
    first = SubscriberFactory(email="first@example.com")
    token = make_manage_token(first)
    first.delete()
    second = SubscriberFactory(email="second@example.com")
    forged = signing.dumps({"s": second.pk, "e": "first@example.com"}, salt=MANAGE_SALT)
    for value in (token, forged):
        response = client.get(reverse("newsletter:manage", args=[value]))
        assert response.status_code == 400
        assert "second@example.com" not in response.content.decode()


def test_one_click_post_unsubscribes_at_once_without_csrf():
    """RFC 8058: a mail client POSTs List-Unsubscribe=One-Click to the URL, with
    no cookie and no token, and the address is unsubscribed."""
    subscriber = SubscriberFactory(email="oneclick@example.com")
    url = reverse("newsletter:unsubscribe", args=[make_manage_token(subscriber)])
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


def test_get_on_the_unsubscribe_link_only_asks(client):
    """Link scanners fetch URLs: a GET shows a confirm page and changes nothing."""
    subscriber = SubscriberFactory(email="ask@example.com")
    url = reverse("newsletter:unsubscribe", args=[make_manage_token(subscriber)])
    response = client.get(url)
    assert response.status_code == 200
    assert "ask@example.com" in response.content.decode()
    assert f'action="{url}"' in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_resubscribe_undoes_an_unsubscribe_with_the_same_newsletters(client):
    subscriber = SubscriberFactory(newsletters=[daily(), weekly()])
    token = make_manage_token(subscriber)
    page = client.post(reverse("newsletter:unsubscribe", args=[token]))
    assert reverse("newsletter:resubscribe", args=[token]) in page.content.decode()
    client.post(reverse("newsletter:resubscribe", args=[token]))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert set(subscriber.newsletters.all()) == {daily(), weekly()}


def test_preferences_from_the_emailed_link(client):
    """No sign-in: the signed link shows and changes the subscriber's choices;
    unticking everything unsubscribes."""
    subscriber = SubscriberFactory(newsletters=[daily()])
    url = reverse("newsletter:manage", args=[make_manage_token(subscriber)])
    page = client.get(url).content.decode()
    assert subscriber.email in page
    response = client.post(url, {"newsletters": [weekly().pk]}, follow=True)
    assert views.PREFERENCES_SAVED in response.content.decode()
    assert list(subscriber.newsletters.all()) == [weekly()]
    client.post(url, {})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_signed_in_preferences_need_a_verified_address(client, user):
    """An unverified address could be someone else's: its subscription is not
    shown; the reader is asked to verify first."""
    SubscriberFactory(email=user.email, newsletters=[weekly()])
    client.force_login(user)
    response = client.get(reverse("newsletter:preferences"))
    assert "verify your email address" in response.content.decode()
    client.post(reverse("newsletter:preferences"), {"newsletters": []})
    assert Subscriber.objects.get(email=user.email).status == "confirmed"


def test_signed_in_verified_reader_manages_newsletters(
    client, user, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True)
    client.force_login(user)
    assert client.get(reverse("newsletter:preferences")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:preferences"), {"newsletters": [daily().pk]})
    subscriber = Subscriber.objects.get(email=user.email)
    assert subscriber.status == "confirmed" and subscriber.user == user
    client.post(
        reverse("newsletter:preferences"),
        {"newsletters": [daily().pk, weekly().pk]},
    )
    assert set(subscriber.newsletters.all()) == {daily(), weekly()}


def test_preferences_page_needs_sign_in(client):
    response = client.get(reverse("newsletter:preferences"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_full_flow_from_form_to_confirmation(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("newsletter:subscribe"),
            {"email": "flow@example.com", "newsletters": [daily().pk]},
        )
    with django_capture_on_commit_callbacks(execute=True):
        press_confirm(client, link_in(mail.outbox[0], "confirm"))
    assert Subscriber.objects.get(email="flow@example.com").status == "confirmed"
    assert mail.outbox[1].subject == "Welcome to Broadsheet"
