"""Fixtures shared by the moderation tests (the discussion's are one level up)."""

import pytest

from tests.comments.moderation.helpers import moderator


@pytest.fixture
def mod(client):
    """A moderator, signed in."""
    user = moderator()
    client.force_login(user)
    return user
