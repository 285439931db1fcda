"""Sign-up, verification, sign-in and reset through allauth, as a visitor sees them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse

from accounts.adapter import EMAIL_PASSWORD_MISMATCH, TOO_MANY_LOGIN_ATTEMPTS
from accounts.forms import EMAIL_TOO_LONG
from accounts.models import User
from accounts.names import DISPLAY_NAME_RESERVED, DISPLAY_NAME_TOO_LONG
from accounts.services import user_has_verified_email
from tests.accounts.conftest import SIGNUP, last_mail_to, link_in
from tests.accounts.factories import PASSWORD, UserFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db

LINK_USED_OR_EXPIRED = "This link has already been used or has expired."


def signup(client, committed, **changes):
    with committed():
        return client.post(reverse("account_signup"), {**SIGNUP, **changes})


def test_signup_creates_an_unverified_account_and_emails_a_link(client, committed):
    """A new reader gets an account with their display name and a verification
    email with a plain-text and an HTML part, both naming the site."""
    response = signup(client, committed)
    assert response.status_code == 302
    user = User.objects.get(email="new.reader@example.com")
    assert user.display_name == "New Reader"
    assert not user_has_verified_email(user)
    message = last_mail_to("new.reader@example.com")
    assert message.subject.startswith("Broadsheet: ")
    assert "Broadsheet" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Broadsheet" in html and 'lang="en-GB"' in html
    assert "/accounts/confirm-email/" in message.body


def test_following_the_link_verifies_and_signs_the_reader_in(client, committed):
    """Confirming the emailed link verifies the address and signs the reader in."""
    signup(client, committed)
    url = link_in(last_mail_to("new.reader@example.com"), "confirm-email")
    assert client.get(url).status_code == 200  # a page with a confirm button
    with committed():
        response = client.post(url)
    assert response.status_code == 302
    user = User.objects.get(email="new.reader@example.com")
    assert user_has_verified_email(user)
    page = client.get(reverse("accounts:settings"))
    assert page.status_code == 200
    assert "New Reader" in page.content.decode()


def test_an_unverified_reader_cannot_sign_in_until_verified(client, committed):
    """Signing in before verifying sends a fresh link instead of signing in."""
    UserFactory(email="late@example.com")
    with committed():
        response = client.post(
            reverse("account_login"),
            {"login": "late@example.com", "password": PASSWORD},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert "/accounts/confirm-email/" in last_mail_to("late@example.com").body


def test_an_invalid_verification_link_says_so(client):
    """A mangled or expired link gets a clear page, not an error."""
    response = client.get(reverse("account_confirm_email", args=["not-a-real-key"]))
    assert response.status_code == 200
    assert LINK_USED_OR_EXPIRED in response.content.decode()


def main_of(response, typed: str = "") -> str:
    """The <main> of a page, without the per-visitor CSRF token and with the address
    the visitor typed (echoed back to them) blanked out."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    if typed:
        main = main.replace(typed.lower(), "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def test_signup_with_a_taken_email_in_another_case_looks_the_same(committed):
    """A duplicate address in any letter case creates no account, shows exactly the
    page a fresh sign-up shows, and tells the owner by email instead."""
    VerifiedUserFactory(email="taken@example.com")
    with committed():
        fresh = Client().post(
            reverse("account_signup"),
            {**SIGNUP, "email": "new@example.com"},
            follow=True,
        )
        duplicate = Client().post(
            reverse("account_signup"),
            {**SIGNUP, "email": "TAKEN@Example.com"},
            follow=True,
        )
    assert fresh.redirect_chain == duplicate.redirect_chain
    assert main_of(fresh, "new@example.com") == main_of(duplicate, "taken@example.com")
    assert "Check your email" in main_of(duplicate)
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert "already have an account" in last_mail_to("taken@example.com").body


class CountingHasher(MD5PasswordHasher):
    """The test suite's fast hasher, counting the passwords it hashes."""

    algorithm = "counting_md5"
    hashed: list[str] = []

    def encode(self, password, salt):
        CountingHasher.hashed.append(password)
        return super().encode(password, salt)


def test_signup_with_a_taken_email_hashes_the_password_like_a_new_one(
    settings, committed
):
    """Hashing a password is a sign-up's slowest step (hundreds of ms with the
    production hasher): a taken address must pay for it too, or the time of the
    answer tells that the address has an account (bench/enumeration_timing.py)."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    VerifiedUserFactory(email="taken@example.com")
    hashed_per_signup = []
    for email in ["new@example.com", "taken@example.com"]:
        CountingHasher.hashed.clear()
        with committed():
            Client().post(reverse("account_signup"), {**SIGNUP, "email": email})
        hashed_per_signup.append(CountingHasher.hashed.count(SIGNUP["password1"]))
    assert hashed_per_signup[0] >= 1
    assert hashed_per_signup == [hashed_per_signup[0]] * 2


def test_password_reset_for_an_unknown_email_looks_the_same(committed):
    """Reset for an unknown address shows exactly the page a known one shows."""
    VerifiedUserFactory(email="known@example.com")
    url = reverse("account_reset_password")
    with committed():
        known = Client().post(url, {"email": "known@example.com"}, follow=True)
        unknown = Client().post(url, {"email": "nobody@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert main_of(known, "known@example.com") == main_of(unknown, "nobody@example.com")
    assert "/accounts/password/reset/key/" in last_mail_to("known@example.com").body
    assert "no account" in last_mail_to("nobody@example.com").body


def test_password_reset_link_lets_the_reader_choose_a_new_password(client, committed):
    """The emailed reset link leads to a form that sets a new password."""
    user = VerifiedUserFactory(email="forgetful@example.com")
    with committed():
        client.post(reverse("account_reset_password"), {"email": user.email})
    url = link_in(last_mail_to(user.email), "password/reset/key")
    form_url = client.get(url, follow=True).redirect_chain[-1][0]
    new = "a brand new long passphrase"
    with committed():
        response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_an_expired_reset_link_says_so(client):
    """A reset link with a bad token shows a clear message."""
    user = VerifiedUserFactory()
    url = reverse("account_reset_password_from_key", args=[f"{user.pk}", "bad-key"])
    response = client.get(url, follow=True)
    assert "invalid" in response.content.decode().lower()


def test_signup_rejects_a_reserved_display_name_and_keeps_what_was_typed(client):
    """A bad display name gets its own message next to the field; the email the
    visitor typed stays in the form and no account is created."""
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "display_name": "Site Moderator"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert DISPLAY_NAME_RESERVED.replace("'", "&#x27;") in html
    assert 'value="new.reader@example.com"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_display_name_helptext id_display_name_error"' in html
    assert not User.objects.filter(email="new.reader@example.com").exists()


def test_signup_rejects_over_long_fields(client):
    """Over-long display name and email each get a specific message."""
    response = client.post(
        reverse("account_signup"),
        {**SIGNUP, "display_name": "x" * 51, "email": "a" * 250 + "@example.com"},
    )
    form = response.context["form"]
    assert DISPLAY_NAME_TOO_LONG in form.errors["display_name"]
    assert EMAIL_TOO_LONG in form.errors["email"]
    assert not User.objects.exists()


def test_signup_rejects_a_weak_password(client):
    """Django's password validators speak on the sign-up page."""
    response = client.post(
        reverse("account_signup"),
        {**SIGNUP, "password1": "password", "password2": "password"},
    )
    assert "This password is too common." in response.content.decode()
    assert not User.objects.exists()


def test_signup_without_display_name_is_fine(client, committed):
    """The display name is optional at sign-up: the reader shows as "A reader"."""
    signup(client, committed, display_name="")
    assert User.objects.get(email=SIGNUP["email"]).public_name == "A reader"


def test_wrong_password_gets_a_clear_message(client):
    """A wrong password says so on the page, keeping the typed email."""
    VerifiedUserFactory(email="me@example.com")
    response = client.post(
        reverse("account_login"), {"login": "me@example.com", "password": "wrong"}
    )
    html = response.content.decode()
    assert EMAIL_PASSWORD_MISMATCH.replace("'", "&#x27;") in html
    assert 'value="me@example.com"' in html
    assert "data-error-summary" in html


def test_repeated_wrong_passwords_are_rate_limited(client):
    """After five wrong passwords for one address, even the right one is refused
    for a while with a rate-limit message."""
    VerifiedUserFactory(email="target@example.com")
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": "target@example.com", "password": "guess"})
    response = client.post(url, {"login": "target@example.com", "password": PASSWORD})
    assert TOO_MANY_LOGIN_ATTEMPTS in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_by_emailed_code(client, committed):
    """A reader who forgot their password signs in with a code sent by email."""
    user = VerifiedUserFactory(email="coder@example.com")
    with committed():
        response = client.post(
            reverse("account_request_login_code"), {"email": user.email}
        )
    assert response.status_code == 302
    message = last_mail_to(user.email)
    assert "sign-in code" in message.body
    code = message.body.split("Your sign-in code:")[1].split()[0]
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_sign_in_page_offers_remember_me_and_code(client):
    """The sign-in page has a labelled "Remember me" box and the code option."""
    html = client.get(reverse("account_login")).content.decode()
    assert 'name="remember"' in html
    assert '<label for="id_remember">' in html
    assert reverse("account_request_login_code") in html


def test_change_of_email_is_verified_before_it_replaces_the_old_one(client, committed):
    """A new address only replaces the old one once its link is followed."""
    user = VerifiedUserFactory(email="old@example.com")
    client.force_login(user)
    with committed():
        client.post(
            reverse("account_email"), {"action_add": "", "email": "new@example.com"}
        )
    user.refresh_from_db()
    assert user.email == "old@example.com"
    url = link_in(last_mail_to("new@example.com"), "confirm-email")
    with committed():
        client.post(url)
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert list(
        EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    ) == ["new@example.com"]


def test_a_used_verification_link_says_so(client, committed):
    """Following the link again after verifying explains that it was used or has
    expired, and the account stays verified."""
    signup(client, committed)
    url = link_in(last_mail_to("new.reader@example.com"), "confirm-email")
    with committed():
        client.post(url)
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert LINK_USED_OR_EXPIRED in response.content.decode()
    user = User.objects.get(email="new.reader@example.com")
    assert user_has_verified_email(user)
