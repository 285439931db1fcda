"""Earned trust: a reader whose record passes the bar becomes trusted by itself.

The bar lives on the moderation settings page (comments.conf.trust_bar): at least N
approved comments, the first of them at least D days ago, an approval rate of at
least R% of the comments moderators and rules decided, and nothing against the
reader in the last W days (no upheld report, no suspension or pre-moderation).

Trust is reviewed on every decision about the reader, one way at a time: an
approval (by a moderator, or a comment the rules published) may earn it; a
rejection, spam, removal or sanction may lose it, when it leaves the record below
the bar. So trust a moderator grants by hand stays until something goes wrong, and
a reader who loses it earns it back only by a better record. A moderator's lock
(User.trust_locked) keeps the reader's status as it is: never changed here.

Every change is written to the reader (trust_reason, which they see on their
settings page) and to the audit trail, with its reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.dateformat import format as format_date

from .. import conf
from ..models import Comment, ModerationDecision, Report
from ..records import record_decision, refresh_readers_pages_after_commit

User = get_user_model()

# What a moderator or the rules decided (an author's own deletion is not counted).
DECIDED = [
    Comment.Status.APPROVED,
    Comment.Status.REJECTED,
    Comment.Status.SPAM,
    Comment.Status.REMOVED,
]
TAKEN_DOWN = [Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.REMOVED]
SANCTIONS = [
    ModerationDecision.Outcome.SUSPENDED,
    ModerationDecision.Outcome.PREMODERATED,
]


@dataclass(frozen=True)
class TrustRecord:
    """What the bar asks about a reader, read in two queries."""

    approved: int
    decided: int
    first_approved: datetime | None
    last_mark: datetime | None  # the latest upheld report or sanction
    last_mark_what: str

    @property
    def approval_percent(self) -> int:
        """Rounded down: 94.9% does not pass a 95% bar."""
        return self.approved * 100 // self.decided if self.decided else 0

    def days(self, now: datetime) -> int:
        return (now - self.first_approved).days if self.first_approved else 0


def record_of(reader_id: int, *, now: datetime) -> TrustRecord:
    clean_since = now - timedelta(days=conf.trust_bar()["clean_days"])
    # A comment taken down and then deleted by its author still counts against
    # them: deleting a rejection must not clean a record.
    taken_down_then_deleted = Q(status=Comment.Status.DELETED) & Q(
        Exists(
            ModerationDecision.objects.filter(
                comment_id=OuterRef("pk"), status_after__in=TAKEN_DOWN
            )
        )
    )
    counts = Comment.objects.filter(author_id=reader_id).aggregate(
        approved=Count("pk", filter=Q(status=Comment.Status.APPROVED)),
        decided=Count("pk", filter=Q(status__in=DECIDED) | taken_down_then_deleted),
        first_approved=Min("created", filter=Q(status=Comment.Status.APPROVED)),
    )
    upheld = Exists(Report.objects.filter(comment_id=OuterRef("comment_id")))
    mark = (
        ModerationDecision.objects.filter(author_id=reader_id, created__gte=clean_since)
        .filter(
            Q(outcome__in=SANCTIONS)
            # trust a moderator removed is not earned back within the clean period
            | Q(outcome=ModerationDecision.Outcome.UNTRUSTED, moderator__isnull=False)
            | Q(upheld, status_after__in=TAKEN_DOWN, moderator__isnull=False)
        )
        .order_by("-created")
        .values_list("created", "outcome", "comment_id")
        .first()
    )
    what = ""
    if mark is not None:
        when = format_date(timezone.localtime(mark[0]), "j M Y")
        if mark[1] == ModerationDecision.Outcome.UNTRUSTED:
            what = f"trust removed by a moderator on {when}"
        elif mark[1] in SANCTIONS:
            what = f"{ModerationDecision.Outcome(mark[1]).label.lower()} on {when}"
        else:
            what = f"a report upheld on comment #{mark[2]} ({when})"
    return TrustRecord(
        approved=counts["approved"],
        decided=counts["decided"],
        first_approved=counts["first_approved"],
        last_mark=mark[0] if mark else None,
        last_mark_what=what,
    )


def shortfall(record: TrustRecord, *, now: datetime) -> str | None:
    """The first condition of the bar the record misses, in words; None: it passes."""
    bar = conf.trust_bar()
    if record.approved < bar["min_approved"]:
        return (
            f"{record.approved} approved comment{'s' if record.approved != 1 else ''}"
            f", fewer than {bar['min_approved']}"
        )
    if record.days(now) < bar["min_days"]:
        return f"a record of {record.days(now)} days, shorter than {bar['min_days']}"
    if record.approval_percent < bar["min_approval_percent"]:
        return (
            f"{record.approval_percent}% approved, below {bar['min_approval_percent']}%"
        )
    if record.last_mark is not None:
        return f"{record.last_mark_what}, within {bar['clean_days']} days"
    return None


def still_to_come(record: TrustRecord, *, now: datetime) -> str | None:
    """What the reader's record still needs, in words addressed to them."""
    bar = conf.trust_bar()
    if record.approved < bar["min_approved"]:
        more = bar["min_approved"] - record.approved
        return f"{more} more approved comment{'s' if more != 1 else ''}"
    if record.days(now) < bar["min_days"]:
        more = bar["min_days"] - record.days(now)
        return f"{more} more day{'s' if more != 1 else ''} of taking part"
    if record.approval_percent < bar["min_approval_percent"]:
        return (
            f"{bar['min_approval_percent']}% of your comments approved "
            f"(now {record.approval_percent}%)"
        )
    if record.last_mark is not None:
        return f"{bar['clean_days']} days clear of {record.last_mark_what}"
    return None


def earned_reason(record: TrustRecord, *, now: datetime) -> str:
    return (
        f"earned: {record.approved} approved over {record.days(now)} days, "
        f"{record.approval_percent}%"
    )


def review_trust(reader_id: int | None, *, gained: bool, event: str = "") -> None:
    """Review a reader's trust after a decision about them. Call inside the
    decision's transaction.

    `gained`: the decision was in their favour (an approval), which may earn trust;
    otherwise (a rejection, spam, removal, sanction; `event` says which, e.g.
    "rejected comment #123") it may lose it. Locked trust is never changed, and
    earned trust is off when the bar asks for 0 approved comments.
    """
    if reader_id is None:
        return
    if gained and conf.trust_bar()["min_approved"] == 0:
        return  # earned trust is off (what goes wrong still loses trust)
    with transaction.atomic():
        reader = User.objects.select_for_update().filter(pk=reader_id).first()
        if reader is None or reader.trust_locked or reader.is_staff:
            return
        if gained == reader.trusted:
            return  # an approval cannot add to trust, nor a rejection to its absence
        if gained and (reader.premoderated or reader.is_commenting_suspended()):
            return  # a moderator's sanction stands until a moderator lifts it
        now = timezone.now()
        record = record_of(reader.pk, now=now)
        if conf.trust_bar()["min_approved"] == 0:  # earned trust off: only a mark
            missing = record.last_mark_what if record.last_mark else None
        else:
            missing = shortfall(record, now=now)
        if gained and missing is None:
            _set_trust(reader, on=True, reason=earned_reason(record, now=now))
        elif not gained and missing is not None:
            _set_trust(reader, on=False, reason=f"lost: {event} ({missing})")


def _set_trust(reader, *, on: bool, reason: str, moderator=None) -> None:
    User.objects.filter(pk=reader.pk).update(trusted=on, trust_reason=reason[:200])
    reader.trusted, reader.trust_reason = on, reason[:200]
    refresh_readers_pages_after_commit(reader.pk)  # the badge, on every page
    record_decision(
        outcome=ModerationDecision.Outcome.TRUSTED
        if on
        else ModerationDecision.Outcome.UNTRUSTED,
        article_id=None,
        author=reader,
        moderator=moderator,
        rule="earned-trust" if moderator is None else "",
        reason=reason[:1].upper() + reason[1:],
    )


def trust_status(reader, *, now: datetime | None = None) -> dict:
    """What the reader's settings page says about their standing, in words."""
    now = now or timezone.now()
    bar = conf.trust_bar()
    status = {
        "trusted": reader.trusted,
        "locked": reader.trust_locked,
        "reason": reader.trust_reason,
        "bar": bar,
        "earning_on": bar["min_approved"] > 0,
    }
    if not reader.trusted and status["earning_on"] and not reader.trust_locked:
        record = record_of(reader.pk, now=now)
        status["record"] = record
        status["missing"] = still_to_come(record, now=now)
    return status
