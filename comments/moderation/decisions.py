"""Moderators' decisions on comments: approve, reject, spam, remove, pick.

A decision locks the comment and checks it is still as the moderator saw it (else
AlreadyDecided, naming who decided first); each is recorded in the audit trail.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date

from ..models import Comment, ModerationDecision, Report
from ..records import (
    change_status,
    queue_reply_notification,
    record_decision,
    refresh_after_commit,
)
from ..rules import AlreadyDecided, CommentError, mend_until
from .trust import review_trust

# Messages moderators see.
ALREADY_DECIDED = "Already decided by {moderator} at {time}: nothing was changed."
ALREADY_DECIDED_AUTO = "Already decided at {time}: nothing was changed."
REJECT_NEEDS_REASON = "Choose a reason to reject: the author will see it."
PICK_UNPUBLISHED = "Only published comments can be editor's picks."


# --- Moderators' decisions ---------------------------------------------------------
#
# Each takes `expected_status`: the status the moderator saw. Under the row lock, a
# comment whose status has moved on since (another moderator was faster) is left
# alone and AlreadyDecided says who decided and when. Without it (bulk actions in
# the changelist) a decision already in place is a no-op.


def _lock(comment: Comment, expected_status: str | None) -> Comment:
    """Lock the row (inside atomic) and refuse if its status moved on."""
    # No join here: under the lock PostgreSQL re-reads the row itself, not the
    # joined rows, so decided_by is loaded afterwards (already_decided).
    locked = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if locked is None:
        raise Comment.DoesNotExist
    if expected_status is not None and locked.status != expected_status:
        raise already_decided(locked)
    return locked


def already_decided(comment: Comment) -> AlreadyDecided:
    when = comment.decided_at or comment.edited_at or comment.created
    time = format_date(timezone.localtime(when), "j M Y, H:i")
    if comment.decided_by_id:
        message = ALREADY_DECIDED.format(
            moderator=comment.decided_by.public_name, time=time
        )
    else:
        message = ALREADY_DECIDED_AUTO.format(time=time)
    return AlreadyDecided(message, rule="already-decided")


def _decide(
    comment: Comment,
    status: str,
    *,
    moderator,
    outcome: str,
    reason: str,
    rule: str = "",
    **fields,
) -> Comment:
    """Change status as a moderator: counts, reports resolved, decision recorded."""
    old = change_status(
        comment,
        status,
        decided_by=moderator,
        decided_at=timezone.now(),
        **fields,
    )
    Report.objects.filter(comment=comment, resolved=False).update(resolved=True)
    record_decision(
        outcome=outcome,
        article_id=comment.article_id,
        author=comment.author,
        comment=comment,
        moderator=moderator,
        rule=rule,
        reason=reason,
        status_before=old,
        status_after=status,
    )
    if status == Comment.Status.APPROVED:
        review_trust(comment.author_id, gained=True)
    else:
        what = {
            Comment.Status.REJECTED: "rejected comment #{pk}",
            Comment.Status.SPAM: "comment #{pk} marked as spam",
            Comment.Status.REMOVED: "comment #{pk} removed by a moderator",
        }.get(status, "a decision on comment #{pk}")
        review_trust(comment.author_id, gained=False, event=what.format(pk=comment.pk))
    return comment


def comment_approve(
    *, comment: Comment, moderator=None, expected_status: str | None = None
) -> Comment:
    """Publish a held or reported comment; a reply notifies the parent's author."""
    with transaction.atomic():
        comment = _lock(comment, expected_status)
        if comment.status == Comment.Status.APPROVED:
            # Reported but fine: the reports are closed, the comment stays.
            if Report.objects.filter(comment=comment, resolved=False).update(
                resolved=True
            ):
                Comment.objects.filter(pk=comment.pk).update(
                    decided_by=moderator, decided_at=timezone.now()
                )
                record_decision(
                    outcome=ModerationDecision.Outcome.APPROVED,
                    article_id=comment.article_id,
                    author=comment.author,
                    comment=comment,
                    moderator=moderator,
                    reason="Reports reviewed: kept.",
                    status_before=comment.status,
                )
            return comment
        _decide(
            comment,
            Comment.Status.APPROVED,
            moderator=moderator,
            outcome=ModerationDecision.Outcome.APPROVED,
            reason="Approved by a moderator.",
            hold_reason="",
            hold_rule="",
            rejection_reason="",
            moderator_note="",
        )
        queue_reply_notification(comment)
    return comment


def comment_reject(
    *,
    comment: Comment,
    moderator=None,
    reason: str = "",
    note: str = "",
    expected_status: str | None = None,
) -> Comment:
    """Reject with a reason the author sees on the page and, if they want, by email.

    The reason is required (one of Comment.RejectionReason): authors are always
    told why.
    """
    if reason not in Comment.RejectionReason.values:
        raise CommentError(REJECT_NEEDS_REASON, rule="no-reason", field="reason")
    note = note.strip()[:500]
    with transaction.atomic():
        comment = _lock(comment, expected_status)
        if comment.status == Comment.Status.REJECTED:
            return comment
        _decide(
            comment,
            Comment.Status.REJECTED,
            moderator=moderator,
            outcome=ModerationDecision.Outcome.REJECTED,
            rule=reason,
            reason=Comment.RejectionReason(reason).label
            + (f": {note}" if note else ""),
            rejection_reason=reason,
            moderator_note=note,
            is_editors_pick=False,
            mend_until=mend_until(reason, comment=comment),
        )
        if comment.author_id:
            from ..tasks import send_rejection_notification

            pk = comment.pk
            transaction.on_commit(lambda: send_rejection_notification.enqueue(pk))
    return comment


def comment_mark_spam(
    *,
    comment: Comment,
    moderator=None,
    expected_status: str | None = None,
    include_pending: bool = False,
) -> list[Comment]:
    """Mark a comment as spam; with include_pending, every pending comment of the
    same author too. Returns the comments marked (the first is `comment`)."""
    marked = []
    with transaction.atomic():
        comment = _lock(comment, expected_status)
        if comment.status != Comment.Status.SPAM:
            marked.append(
                _decide(
                    comment,
                    Comment.Status.SPAM,
                    moderator=moderator,
                    outcome=ModerationDecision.Outcome.SPAM,
                    reason="Marked as spam.",
                    is_editors_pick=False,
                )
            )
        if include_pending and comment.author_id:
            others = Comment.objects.select_for_update().filter(
                author_id=comment.author_id, status=Comment.Status.PENDING
            )
            for other in others.exclude(pk=comment.pk):
                marked.append(
                    _decide(
                        other,
                        Comment.Status.SPAM,
                        moderator=moderator,
                        outcome=ModerationDecision.Outcome.SPAM,
                        reason=f"Marked as spam with comment {comment.pk}.",
                    )
                )
    return marked


def comment_remove(
    *,
    comment: Comment,
    moderator=None,
    note: str = "",
    expected_status: str | None = None,
) -> Comment:
    """A moderator takes a comment down. Its text is kept for the record; readers
    see "removed by a moderator" only where replies hang on it."""
    with transaction.atomic():
        comment = _lock(comment, expected_status)
        if comment.status == Comment.Status.REMOVED:
            return comment
        _decide(
            comment,
            Comment.Status.REMOVED,
            moderator=moderator,
            outcome=ModerationDecision.Outcome.REMOVED,
            reason=note or "Removed by a moderator.",
            is_editors_pick=False,
            moderator_note=note,
        )
    return comment


def comment_pick(
    *,
    comment: Comment,
    moderator=None,
    picked: bool = True,
    expected_status: str | None = None,
) -> Comment:
    """Make (or unmake) an editor's pick; the author hears about a new pick.

    Picking a held comment publishes it first (one decision: it is good enough to
    feature)."""
    with transaction.atomic():
        comment = _lock(comment, expected_status)
        if comment.is_editors_pick == picked:
            return comment
        if picked and comment.status == Comment.Status.PENDING:
            _decide(
                comment,
                Comment.Status.APPROVED,
                moderator=moderator,
                outcome=ModerationDecision.Outcome.APPROVED,
                reason="Approved as an editor's pick.",
                hold_reason="",
                hold_rule="",
            )
            queue_reply_notification(comment)
        if picked and comment.status != Comment.Status.APPROVED:
            raise CommentError(PICK_UNPUBLISHED, rule="unpublished")
        comment.is_editors_pick = picked
        comment.picked_at = timezone.now() if picked else None
        # decided_at stays the moment it was published: the live discussion
        # announces comments by it, and a pick is not a new comment.
        comment.save(update_fields=["is_editors_pick", "picked_at"])
        record_decision(
            outcome=ModerationDecision.Outcome.PICKED
            if picked
            else ModerationDecision.Outcome.UNPICKED,
            article_id=comment.article_id,
            author=comment.author,
            comment=comment,
            moderator=moderator,
            status_before=comment.status,
        )
        refresh_after_commit(comment.article_id, listings=False)
        if picked and comment.author_id:
            from ..tasks import send_pick_notification

            pk = comment.pk
            transaction.on_commit(lambda: send_pick_notification.enqueue(pk))
    return comment
