"""Every email allauth can send has an HTML and a plain-text part naming the site."""

from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.template.loader import render_to_string

ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
MESSAGES = sorted(
    str(path.relative_to(ALLAUTH_TEMPLATES))[: -len("_message.txt")]
    for folder in ("account/email", "mfa/email")
    for path in (ALLAUTH_TEMPLATES / folder).glob("*_message.txt")
    if "webauthn" not in path.name
)


def test_the_list_of_emails_is_not_empty():
    assert "account/email/email_confirmation" in MESSAGES
    assert "account/email/login_code" in MESSAGES


@pytest.mark.parametrize("prefix", MESSAGES)
def test_each_email_has_both_parts_with_the_site_name(prefix):
    assert (settings.BASE_DIR / "templates" / f"{prefix}_message.html").exists()
    context = {
        "SITE_NAME": "Broadsheet",
        "SITE_URL": "https://news.example.com",
        "email": "jo@example.com",
        "code": "ABC123",
        "activate_url": "https://news.example.com/confirm/",
        "password_reset_url": "https://news.example.com/reset/",
        "signup_url": "https://news.example.com/signup/",
    }
    text = render_to_string(f"{prefix}_message.txt", context)
    html = render_to_string(f"{prefix}_message.html", context)
    assert "Broadsheet" in text
    assert "Broadsheet" in html and html.lstrip().startswith("<!doctype html>")
