"""The database backend: bulk writes past PostgreSQL's parameter limit."""

import pytest

from newsletter.models import Newsletter, Subscriber

pytestmark = pytest.mark.django_db

BEYOND_ONE_STATEMENT = 70_000  # PostgreSQL binds at most 65,535 parameters


def test_a_purge_too_big_for_one_statement_still_goes_through():
    """Deleting 70,000 subscribers (a purge from the admin) deletes them and their
    subscriptions: the backend splits what one statement could not carry with the
    server binding the parameters."""
    newsletter = Newsletter.objects.create(name="Bulk", slug="bulk")
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader-{n}@example.com") for n in range(BEYOND_ONE_STATEMENT)
    )
    newsletter.subscribers.add(*subscribers[:1000])
    _, by_model = Subscriber.objects.filter(email__startswith="reader-").delete()
    assert by_model["newsletter.Subscriber"] == BEYOND_ONE_STATEMENT
    assert not Subscriber.objects.exists()
    assert not newsletter.subscribers.exists()
