"""Concurrent posts by one reader: no duplicate slips past the rules."""

import threading

import pytest
from django.db import close_old_connections, connection

from comments import services
from comments.models import Comment
from tests.comments.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent transactions"
)
def test_double_submit_creates_one_comment(article):
    reader = VerifiedUserFactory(trusted=True)
    outcomes: list[str] = []
    barrier = threading.Barrier(5)

    def post() -> None:
        try:
            barrier.wait()
            services.comment_create(article=article, author=reader, body="Once.")
            outcomes.append("posted")
        except services.CommentError as error:
            outcomes.append(error.message)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("posted") == 1
    assert outcomes.count(services.DUPLICATE) == 4
    assert Comment.objects.filter(body="Once.").count() == 1
    article.refresh_from_db()
    assert article.comment_count == 1
