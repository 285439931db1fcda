"""Newsletter emails to one reader (confirmation, welcome) are retried when the
mail server fails; a confirmation that never went does not hold the address back."""

import pytest
from django.core import mail
from django.urls import reverse

from core import mail as email_retry
from newsletter.models import Subscriber
from tests.mail_backends import (
    FlakyMail,
    flaky_mail,  # noqa: F401 - fixture
)
from tests.newsletter.factories import daily
from tests.newsletter.helpers import link_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("flaky_mail")]


@pytest.fixture
def signup(client, django_capture_on_commit_callbacks):
    def signup(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("newsletter:subscribe"),
                {"email": email, "newsletters": [daily().pk], "source": "/"},
            )

    return signup


def test_a_confirmation_that_fails_once_arrives_on_the_retry(signup):
    """The mail server drops the first try: the reader still gets one link."""
    FlakyMail.failures = 1
    signup("ada@example.com")
    assert FlakyMail.attempts == 2
    assert len(mail.outbox) == 1
    link_in(mail.outbox[0], "confirm")


def test_a_confirmation_that_never_went_does_not_block_asking_again(signup):
    """Every attempt failed: the hour's hold is lifted, so the reader who tries the
    form again gets their link at once."""
    FlakyMail.failures = email_retry.MAX_ATTEMPTS
    signup("ada@example.com")
    assert mail.outbox == []
    assert Subscriber.objects.get(email="ada@example.com").confirmation_sent_at is None
    signup("ada@example.com")
    assert len(mail.outbox) == 1
    link_in(mail.outbox[0], "confirm")
