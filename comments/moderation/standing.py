"""Moderators' decisions about readers: suspend, pre-moderate, trust."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date

from ..models import ModerationDecision
from ..records import record_decision, refresh_readers_pages_after_commit
from ..rules import CommentError
from .trust import review_trust

User = get_user_model()

SUSPEND_NEEDS_END = (
    "Choose when the suspension ends, or tick “permanent” to suspend for good."
)
SUSPEND_END_PASSED = "The end of a suspension must be in the future."
SUSPEND_NEEDS_REASON = "Give a reason: the reader will see it when they try to post."


# --- Decisions about readers ---------------------------------------------------


def _record_reader(*, reader, moderator, outcome: str, reason: str = "") -> None:
    record_decision(
        outcome=outcome,
        article_id=None,
        author=reader,
        moderator=moderator,
        reason=reason,
    )


def reader_suspend(
    *,
    reader,
    moderator,
    reason: str,
    until=None,
    forever: bool = False,
) -> None:
    """Suspend a reader's commenting until a time, or for good ("permanent").

    A suspension without an end is refused unless `forever` is chosen, so nobody is
    suspended for good by forgetting a date. Their comments stay as they are.
    """
    reason = reason.strip()
    if not reason:
        raise CommentError(SUSPEND_NEEDS_REASON, field="suspension_reason")
    if not forever and until is None:
        raise CommentError(SUSPEND_NEEDS_END, field="commenting_suspended_until")
    if not forever and until <= timezone.now():
        raise CommentError(SUSPEND_END_PASSED, field="commenting_suspended_until")
    with transaction.atomic():
        User.objects.filter(pk=reader.pk).update(
            commenting_suspended_until=None if forever else until,
            commenting_suspended_forever=forever,
            suspension_reason=reason[:300],
        )
        reader.refresh_from_db()
        when = (
            "for good"
            if forever
            else "until " + format_date(timezone.localtime(until), "j M Y, H:i")
        )
        _record_reader(
            reader=reader,
            moderator=moderator,
            outcome=ModerationDecision.Outcome.SUSPENDED,
            reason=f"Suspended {when}: {reason}",
        )
        review_trust(reader.pk, gained=False, event=f"suspended {when}")


def reader_unsuspend(*, reader, moderator) -> None:
    with transaction.atomic():
        User.objects.filter(pk=reader.pk).update(
            commenting_suspended_until=None,
            commenting_suspended_forever=False,
            suspension_reason="",
        )
        reader.refresh_from_db()
        _record_reader(
            reader=reader,
            moderator=moderator,
            outcome=ModerationDecision.Outcome.UNSUSPENDED,
            reason="Suspension lifted.",
        )


def _reader_set_flag(
    *,
    reader,
    moderator,
    field: str,
    cleared: str,
    on: bool,
    outcomes,
    reason: str,
    trust_reason: str,
) -> None:
    """Turn `field` on or off; turning it on clears `cleared` (trust and
    pre-moderation exclude each other). Logged on the reader's record, and the
    reader's trust_reason says what happened to their trust."""
    with transaction.atomic():
        fields = {field: on}
        if on:
            fields[cleared] = False
        if field == "trusted" or (on and reader.trusted):
            fields["trust_reason"] = trust_reason[:200]
        User.objects.filter(pk=reader.pk).update(**fields)
        if field == "trusted" or (on and reader.trusted):
            refresh_readers_pages_after_commit(reader.pk)  # the badge changes
        reader.refresh_from_db()
        _record_reader(
            reader=reader,
            moderator=moderator,
            outcome=outcomes[0] if on else outcomes[1],
            reason=reason,
        )


def reader_set_premoderated(*, reader, moderator, on: bool, reason: str = "") -> None:
    """Every comment of a pre-moderated reader waits for review (trust is lifted)."""
    _reader_set_flag(
        reader=reader,
        moderator=moderator,
        field="premoderated",
        cleared="trusted",
        on=on,
        outcomes=(
            ModerationDecision.Outcome.PREMODERATED,
            ModerationDecision.Outcome.UNPREMODERATED,
        ),
        reason=reason,
        trust_reason="lost: your comments are reviewed by a moderator for now",
    )


def reader_set_trusted(*, reader, moderator, on: bool, reason: str = "") -> None:
    """A trusted reader skips the holds (not the refusals); ends pre-moderation."""
    _reader_set_flag(
        reader=reader,
        moderator=moderator,
        field="trusted",
        cleared="premoderated",
        on=on,
        outcomes=(
            ModerationDecision.Outcome.TRUSTED,
            ModerationDecision.Outcome.UNTRUSTED,
        ),
        reason=reason,
        trust_reason=("granted by a moderator" if on else "removed by a moderator")
        + (f": {reason}" if reason else ""),
    )


def reader_set_trust_locked(*, reader, moderator, on: bool, reason: str = "") -> None:
    """Lock (or unlock) a reader's trust as it is: earned trust never changes a
    locked reader's status (comments.moderation.trust)."""
    with transaction.atomic():
        User.objects.filter(pk=reader.pk).update(trust_locked=on)
        reader.refresh_from_db()
        state = "trusted" if reader.trusted else "not trusted"
        _record_reader(
            reader=reader,
            moderator=moderator,
            outcome=ModerationDecision.Outcome.TRUST_LOCKED
            if on
            else ModerationDecision.Outcome.TRUST_UNLOCKED,
            reason=(f"Locked as {state}" if on else "Unlocked: earned trust applies")
            + (f": {reason}" if reason else "."),
        )
