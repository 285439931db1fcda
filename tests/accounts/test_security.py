"""Session and cookie settings, and signing out."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests.accounts.factories import VerifiedUserFactory


@pytest.mark.django_db
def test_sessions_live_in_the_database(client):
    """A signed-in reader stays signed in even when the cache is emptied: the
    session is stored in the database (the cache only speeds up reading it)."""
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    reader = VerifiedUserFactory(display_name="Stays Signed In")
    client.force_login(reader)
    assert Session.objects.filter(session_key=client.session.session_key).exists()
    cache.clear()
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 200
    assert "Stays Signed In" in response.content.decode()


def test_cookies_are_secure_when_debug_is_off():
    """With DEBUG off, session and CSRF cookies are Secure and HttpOnly (session)."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "news.example.com",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    code = (
        "import config.settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    assert result.stdout.split() == ["True", "True", "True", "True"]


@pytest.mark.django_db
def test_sign_out_from_the_header_menu(client):
    """The menu's Sign out button (a POST) signs the reader out."""
    client.force_login(VerifiedUserFactory())
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_without_remember_me_the_session_ends_with_the_browser(client):
    """Leaving "Remember me" unticked gives a browser-session cookie."""
    from tests.accounts.factories import PASSWORD

    user = VerifiedUserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.session.get_expire_at_browser_close()
    client.logout()
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD, "remember": "on"},
    )
    assert not client.session.get_expire_at_browser_close()


def test_an_unknown_deletion_policy_stops_the_site():
    """ACCOUNT_DELETION_COMMENTS accepts only "placeholder" or "remove"."""
    env = {**os.environ, "ACCOUNT_DELETION_COMMENTS": "keep"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import config.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert (
        "ACCOUNT_DELETION_COMMENTS must be 'placeholder' or 'remove'" in result.stderr
    )
