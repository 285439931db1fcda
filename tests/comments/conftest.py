"""Fixtures shared by the tests of the discussion, of moderation (moderation/)
and of reader questions (questions/); moderation/ adds its own conftest.py."""

import datetime

import pytest
from django.utils import timezone

from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory, VerifiedUserFactory


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def reader(db):
    """A verified reader whose comments skip the first-comment hold."""
    return VerifiedUserFactory(trusted=False)


@pytest.fixture
def veteran(db):
    """A verified reader past the first-comment hold."""
    user = VerifiedUserFactory(display_name="Vera Veteran")
    CommentFactory(author=user, created=timezone.now() - datetime.timedelta(days=3))
    return user


@pytest.fixture
def settings_no_first_hold(settings):
    settings.COMMENTS_HOLD_FIRST_APPROVED = 0
    return settings
