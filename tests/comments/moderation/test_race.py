"""Two moderators decide on the same comment at the same moment."""

import threading

import pytest
from django.db import close_old_connections, connection

from comments import services
from comments.models import Comment, ModerationDecision
from tests.comments.moderation.helpers import held_comments, moderator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent transactions"
)
def test_two_moderators_one_comment_one_decision(article):
    """One wins; the other is told it was already decided; counted once."""
    (held,) = held_comments(article, 1)
    first, second = moderator(), moderator()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, action) -> None:
        try:
            barrier.wait()
            if action == "approve":
                services.comment_approve(
                    comment=held, moderator=user, expected_status="pending"
                )
            else:
                services.comment_reject(
                    comment=held,
                    moderator=user,
                    reason="abuse",
                    expected_status="pending",
                )
            outcomes.append("done")
        except services.AlreadyDecided as error:
            outcomes.append(error.message)
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            outcomes.append(repr(error))
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=act, args=(first, "approve")),
        threading.Thread(target=act, args=(second, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("done") == 1
    assert any(o.startswith("Already decided by Mo Derator at") for o in outcomes), (
        outcomes
    )
    held.refresh_from_db()
    article.refresh_from_db()
    decisions = ModerationDecision.objects.filter(comment=held, moderator__isnull=False)
    assert decisions.count() == 1
    assert article.comment_count == (1 if held.status == Comment.Status.APPROVED else 0)
