"""Shared fixtures. Factories live beside the tests of their app."""

import pytest
from django.core.cache import cache, caches

from articles.context_processors import forget_sections
from articles.page_cache import local_pages
from core.recent import Recent

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
}


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _test_settings(settings, _media_root):
    """Fast hashing, tasks run at once, mail to the outbox, a clean cache per test,
    uploads and drawn pictures in a temporary folder, not the project's media/."""
    settings.MEDIA_ROOT = _media_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = IMMEDIATE_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SECURE_SSL_REDIRECT = False
    # Page-cache tests check every change at once; the per-process tier is tested
    # on its own with a window.
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    settings.MODERATION_SETTINGS_RECHECK_SECONDS = 0
    local_pages.clear()
    Recent.forget_all()
    forget_sections()
    caches["fragments"].clear()
    cache.clear()
    yield
    cache.clear()
    local_pages.clear()
    Recent.forget_all()
    forget_sections()
    caches["fragments"].clear()


@pytest.fixture
def user(db):
    from tests.accounts.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff_user(db):
    from tests.accounts.factories import StaffUserFactory

    return StaffUserFactory()


@pytest.fixture
def admin_user(db):
    """pytest-django's admin_client signs in as this superuser, who has two-factor
    authentication set up as the admin requires of staff."""
    from tests.accounts.factories import StaffUserFactory

    return StaffUserFactory(email="admin@example.com")
