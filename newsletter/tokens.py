"""Signed links in newsletter emails.

Two kinds, each with its own salt so one can never stand in for the other:

- confirmation links carry the subscriber, their address and the newsletters they
  asked for, and expire after NEWSLETTER_CONFIRMATION_MAX_AGE (7 days);
- manage links (preferences and unsubscribe) carry the subscriber and address and do
  not expire: an unsubscribe link in an old email must keep working.

Both name the address as well as the row, so a token can only ever open the
subscription it was made for, even if a row were deleted and its id reused.
"""

from django.conf import settings
from django.core import signing

from .models import Subscriber

CONFIRM_SALT = "newsletter.confirm"
MANAGE_SALT = "newsletter.manage"


class TokenError(Exception):
    """The link was tampered with, has expired, or names no subscription."""

    def __init__(self, *, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def make_confirm_token(subscriber: Subscriber, newsletter_ids: list[int]) -> str:
    payload = {"s": subscriber.pk, "e": subscriber.email, "n": sorted(newsletter_ids)}
    return signing.dumps(payload, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> tuple[Subscriber, list[int]]:
    try:
        payload = signing.loads(
            token,
            salt=CONFIRM_SALT,
            max_age=settings.NEWSLETTER_CONFIRMATION_MAX_AGE,
        )
    except signing.SignatureExpired:
        raise TokenError(expired=True) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise TokenError() from None
    subscriber = _lookup(payload)
    ids = payload.get("n") if isinstance(payload, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise TokenError()
    return subscriber, ids


def make_manage_token(subscriber: Subscriber) -> str:
    return signing.dumps(
        {"s": subscriber.pk or 0, "e": subscriber.email}, salt=MANAGE_SALT
    )


def read_manage_token(token: str) -> Subscriber:
    try:
        payload = signing.loads(token, salt=MANAGE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise TokenError() from None
    return _lookup(payload)


def _lookup(payload) -> Subscriber:
    if not isinstance(payload, dict):
        raise TokenError()
    pk, email = payload.get("s"), payload.get("e")
    if not isinstance(pk, int) or not isinstance(email, str):
        raise TokenError()
    subscriber = Subscriber.objects.filter(pk=pk, email=email).first()
    if subscriber is None:
        raise TokenError()
    return subscriber
