import pytest

from tests.articles.factories import ArticleFactory
from tests.comments.factories import VerifiedUserFactory


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def reader(db):
    """A verified reader whose comments skip the first-comment hold."""
    return VerifiedUserFactory(trusted=False)


@pytest.fixture
def settings_no_first_hold(settings):
    settings.COMMENTS_HOLD_FIRST_APPROVED = 0
    return settings
