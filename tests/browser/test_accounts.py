"""Accounts in a real browser: the whole reader journey, sign-in by code, staff MFA,
focus on errors, and axe on the account pages."""

import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD, StaffUserFactory, VerifiedUserFactory
from tests.articles.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mail_to(address: str):
    messages = [m for m in mail.outbox if address in m.to]
    assert messages, f"no email to {address}"
    return messages[-1]


def sign_in(page, live_server, email: str, password: str = PASSWORD) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("form.account-form button[type=submit]").click()


def test_reader_journey_from_sign_up_to_deletion(
    page, live_server, axe_check, csp_errors
):
    """Create account → verify by email → signed in → comment on an article →
    rename → download data (with the comment) → delete the account."""
    article = ArticleFactory(title="A story to discuss")
    page.goto(live_server.url + reverse("account_signup"))
    axe_check(page, "on the sign-up page")
    page.get_by_label("Email").fill("journey@example.com")
    page.get_by_label("Display name").fill("Jo Journey")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    link = re.search(r"http\S+/confirm-email/\S+/", mail_to("journey@example.com").body)
    page.goto(link.group(0).replace("http://testserver", live_server.url))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-menu summary").inner_text().endswith("Jo Journey")

    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_label("Your comment").fill("My very first comment here.")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment", has_text="My very first comment here.").wait_for()

    page.goto(live_server.url + reverse("accounts:settings"))
    axe_check(page, "on the settings page")
    page.get_by_label("Display name").fill("Jo Renamed")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Your profile has been saved.").is_visible()
    assert User.objects.get(email="journey@example.com").display_name == "Jo Renamed"

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    data = json.loads(open(download_info.value.path(), encoding="utf-8").read())
    assert data["profile"]["display_name"] == "Jo Renamed"
    assert data["email_addresses"][0]["verified"] is True
    assert [c["body"] for c in data["comments"]] == ["My very first comment here."]
    assert data["comments"][0]["article"] == "A story to discuss"

    page.get_by_role("link", name="Delete my account…").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    assert page.get_by_role(
        "heading", name="Your account has been deleted"
    ).is_visible()
    assert not User.objects.filter(email="journey@example.com").exists()
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert not csp_errors


def test_sign_in_with_an_emailed_code(page, live_server):
    """A reader asks for a code, reads it from their email and is signed in."""
    VerifiedUserFactory(email="coder@example.com", display_name="Cody")
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_role("link", name="Send me a sign-in code").click()
    page.get_by_label("Email").fill("coder@example.com")
    page.locator("form.account-form button[type=submit]").click()
    body = mail_to("coder@example.com").body
    code = body.split("Your sign-in code:")[1].split()[0]
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-menu summary").inner_text().endswith("Cody")


def test_wrong_password_puts_focus_on_the_error(page, live_server, axe_check):
    """After a failed sign-in the error is announced and focused, the email kept."""
    VerifiedUserFactory(email="me@example.com")
    page.goto(live_server.url + reverse("account_login"))
    axe_check(page, "on the sign-in page")
    sign_in(page, live_server, "me@example.com", "wrong password")
    error = page.locator("[data-error-summary]")
    assert "don't match" in error.inner_text()
    # Locators, not wait_for_function: the strict CSP forbids Playwright's eval.
    page.locator("[data-error-summary]:focus").wait_for(timeout=5000)
    assert page.get_by_label("Email").input_value() == "me@example.com"
    axe_check(page, "on the sign-in page with an error")


def test_field_error_gets_focus_on_the_settings_page(page, live_server):
    user = VerifiedUserFactory(email="s@example.com")
    sign_in(page, live_server, user.email)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse("accounts:settings"))
    page.get_by_label("Display name").fill("The Admin")
    page.get_by_role("button", name="Save profile").click()
    # Wait for the new page: right after the click there may be no document yet.
    page.locator("#id_display_name:focus").wait_for(timeout=5000)
    assert page.get_by_label("Display name").input_value() == "The Admin"


def test_staff_are_sent_to_set_up_mfa_before_the_admin(page, live_server, axe_check):
    """A staff member without two-factor authentication is stopped with an
    explanation, sets up an authenticator app, then reaches the admin."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    staff = StaffUserFactory(mfa=False, email="editor@example.com")
    page.goto(live_server.url + reverse("admin:index"))
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_url(live_server.url + reverse("accounts:staff_mfa_required"))
    assert page.get_by_role(
        "heading", name="Set up two-factor authentication first"
    ).is_visible()
    axe_check(page, "on the staff MFA page")

    page.get_by_role("link", name="Set up two-factor authentication").click()
    # allauth asks for the password again before changing security settings.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    counter = list(yield_hotp_counters_from_time())[
        len(list(yield_hotp_counters_from_time())) // 2
    ]
    page.get_by_label("Authenticator code").fill(
        format_hotp_value(hotp_value(secret, counter))
    )
    page.locator("form.account-form button[type=submit]").click()
    page.goto(live_server.url + reverse("admin:index"))
    assert page.get_by_role("heading", name="Newsroom administration").is_visible()


def test_profile_page_has_no_axe_violations(page, live_server, axe_check):
    user = VerifiedUserFactory(display_name="Sam Reader", bio="Reads on Sundays.")
    page.goto(live_server.url + reverse("accounts:profile", args=[user.pk]))
    assert page.get_by_role("heading", name="Sam Reader").is_visible()
    axe_check(page, "on the profile page")


def test_account_menu_works_with_the_keyboard_on_a_phone(page, live_server):
    """On a narrow screen the signed-in menu opens with Enter and shows its links."""
    user = VerifiedUserFactory(display_name="Pat Phone")
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server, user.email)
    page.wait_for_url(live_server.url + "/")
    summary = page.locator(".account-menu summary")
    summary.focus()
    page.keyboard.press("Enter")
    settings_link = page.get_by_role("link", name="Settings and privacy")
    assert settings_link.is_visible()
    box = settings_link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    page.keyboard.press("Escape")
    assert not settings_link.is_visible()


@pytest.fixture(autouse=True)
def _short_timeouts(page):
    page.set_default_timeout(10_000)


@pytest.mark.parametrize(
    "url_name",
    ["account_email", "account_change_password", "mfa_index", "accounts:delete"],
)
def test_account_management_pages_have_no_axe_violations(
    page, live_server, axe_check, url_name
):
    user = VerifiedUserFactory()
    sign_in(page, live_server, user.email)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse(url_name))
    assert page.locator("nav.settings-nav").is_visible()
    axe_check(page, f"on {url_name}")


def test_reader_adds_a_security_key_and_signs_in_with_it(page, live_server, axe_check):
    """WebAuthn works under the strict CSP: a reader adds a security key (a virtual
    authenticator in Chromium) and the next sign-in asks for it."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    user = VerifiedUserFactory(display_name="Kim Key")
    sign_in(page, live_server, user.email)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse("mfa_add_webauthn"))
    page.get_by_label("Password").fill(PASSWORD)  # allauth asks again first
    page.get_by_role("button", name="Confirm").click()
    axe_check(page, "on the add-security-key page")
    page.get_by_label("Name").fill("My key")
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    assert page.get_by_text("Security key added.").is_visible()

    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, user.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    axe_check(page, "on the two-factor sign-in page")
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-menu summary").inner_text().endswith("Kim Key")
