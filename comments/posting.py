"""Readers' writes: post, edit, delete, recommend, report.

Each runs the rules (rules.py) and keeps the counts, page and audit trail in step
(records.py); emails go out in background tasks, on commit.
"""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import (
    F,
)
from django.utils import timezone

from articles.models import Article

from . import conf, word_rules
from .models import Comment, ModerationDecision, Reaction, Report, WordRule
from .moderation.trust import review_trust
from .records import (
    change_status,
    queue_reply_notification,
    record_decision,
    refresh_after_commit,
    update_counts,
)
from .rules import (
    ALREADY_DELETED,
    HOLD_REPORTED,
    HOLD_RESUBMITTED,
    MEND_UNCHANGED,
    NOT_EDITABLE,
    NOT_VERIFIED,
    RECOMMEND_OWN,
    RECOMMEND_UNPUBLISHED,
    REPLY_NOT_PUBLISHED,
    REPLY_OTHER_ARTICLE,
    REPORT_OWN,
    REPORT_TWICE,
    REPORT_UNPUBLISHED,
    WORD_REJECTED,
    CommentError,
    can_mend,
    check_body,
    content_hold,
    edit_refusal,
    hold_for,
    lock_author,
    post_refusal,
    skips_hold,
    take_part_refusal,
)

# --- Readers' writes -------------------------------------------------------------


def comment_create(
    *,
    article: Article,
    author,
    body: str,
    parent: Comment | None = None,
    honeypot: str = "",
) -> Comment:
    """Post a comment or a reply through the moderation rules.

    Raises CommentError with the reader's message when a rule refuses it. Replies to
    a comment at the deepest level become its siblings, marked "in reply to".
    """
    refusal: CommentError | None = None
    with transaction.atomic():
        verified, past_first_comments, near_trust = lock_author(author)
        if not verified:
            raise CommentError(NOT_VERIFIED, rule="not-verified")
        body = check_body(body)
        if parent is not None:
            if parent.article_id != article.pk:
                raise CommentError(REPLY_OTHER_ARTICLE, rule="other-article")
            if parent.status != Comment.Status.APPROVED:
                raise CommentError(REPLY_NOT_PUBLISHED, rule="parent-unpublished")
        now = timezone.now()
        refusal = post_refusal(
            article=article, author=author, body=body, honeypot=honeypot, now=now
        )
        if refusal is None:
            comment = _save_new_comment(
                article=article,
                author=author,
                body=body,
                parent=parent,
                now=now,
                past_first_comments=past_first_comments,
                near_trust=near_trust,
            )
    if refusal is not None:
        record_decision(
            outcome=ModerationDecision.Outcome.REFUSED,
            article_id=article.pk,
            author=author,
            rule=refusal.rule,
            reason=refusal.message,
        )
        raise refusal
    return comment


def _save_new_comment(
    *,
    article,
    author,
    body: str,
    parent,
    now,
    past_first_comments: bool,
    near_trust: bool,
) -> Comment:
    """Apply the holds and save. Runs inside comment_create's transaction."""
    hold = hold_for(
        article=article,
        author=author,
        body=body,
        past_first_comments=past_first_comments,
        at=now,
    )
    skipped = None
    if skips_hold(author, hold):
        hold, skipped = None, hold
    comment = Comment(article=article, author=author, body=body, created=now)
    if parent is not None:
        place = reply_place(
            parent_pk=parent.pk,
            parent_depth=parent.depth,
            parent_parent_id=parent.parent_id,
            parent_root_id=parent.root_id,
            max_depth=conf.max_depth(),
        )
        comment.depth, comment.root_id = place.depth, place.root_id
        comment.parent_id = place.parent_id
        # Set as the row, not its id: the notification and the new card use it.
        if place.reply_to_id is not None:
            comment.reply_to = parent
        else:
            comment.parent = parent
    if hold:
        comment.status = Comment.Status.PENDING
        comment.hold_reason = hold.reason
        comment.hold_rule = hold.rule[:40]
    else:
        comment.status = Comment.Status.APPROVED
    comment.save()
    record_decision(
        outcome=ModerationDecision.Outcome.HELD
        if hold
        else ModerationDecision.Outcome.PUBLISHED,
        article_id=article.pk,
        author=author,
        comment=comment,
        rule=hold.rule if hold else _skipped_rule(author, skipped),
        reason=hold.reason if hold else "Passed the automatic rules.",
    )
    if not hold:
        if near_trust and not author.trusted:
            review_trust(author.pk, gained=True)  # this comment may earn it
        update_counts(comment, was_approved=False)  # last: the shared rows
    queue_reply_notification(comment)
    return comment


class ReplyPlace(NamedTuple):
    depth: int
    parent_id: int | None
    reply_to_id: int | None
    root_id: int


def reply_place(
    *,
    parent_pk: int,
    parent_depth: int,
    parent_parent_id: int | None,
    parent_root_id: int | None,
    max_depth: int,
) -> ReplyPlace:
    """Where a reply to a comment goes: under it, one level deeper; or, when the
    comment is as deep as threads nest, beside it, "in reply to" it. Readers'
    replies and imported ones (imports/comments.py) both follow it."""
    root_id = parent_root_id or parent_pk
    if parent_depth >= max_depth:
        return ReplyPlace(parent_depth, parent_parent_id, parent_pk, root_id)
    return ReplyPlace(parent_depth + 1, parent_pk, None, root_id)


def _skipped_rule(author, skipped) -> str:
    """A published comment's record of the hold its author's trust skipped
    ("trusted:links"): the dashboard counts the reviews trust saved."""
    if skipped is None or author.is_staff:
        return ""
    return f"trusted:{skipped.rule}"[:40]


def comment_edit(*, comment: Comment, user, body: str) -> Comment:
    """The author edits within the window, or mends a rejected comment and sends
    it back for review. Content rules run again on the new text."""
    if comment.author_id != getattr(user, "pk", None):
        raise PermissionDenied
    refusal = edit_refusal(comment)
    if refusal is not None:
        raise refusal
    # The same gates as a new comment: a suspension or a closed discussion also
    # stops a rewrite of what is already there.
    # (Its author was verified to post it; the edit path never asked again.)
    refusal = take_part_refusal(user, article=comment.article, verified=True)
    if refusal is not None:
        raise refusal
    body = check_body(body)
    mending = comment.status == Comment.Status.REJECTED
    if body == comment.body:
        if mending:
            raise CommentError(MEND_UNCHANGED, rule="mend-unchanged", field="body")
        return comment
    rule = word_rules.matching(body, WordRule.Action.REJECT)
    if rule is not None:
        raise CommentError(WORD_REJECTED, rule=f"word-rule:{rule.pk}", field="body")
    if mending:
        return _resubmit(comment, user=user, body=body)
    hold = content_hold(body)
    if skips_hold(user, hold):
        hold = None
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.body = body
        comment.edited_at = timezone.now()
        if hold and comment.status == Comment.Status.APPROVED:
            change_status(
                comment,
                Comment.Status.PENDING,
                hold_reason=hold.reason,
                hold_rule=hold.rule[:40],
            )
            record_decision(
                outcome=ModerationDecision.Outcome.HELD,
                article_id=comment.article_id,
                author=user,
                comment=comment,
                rule=hold.rule,
                reason=f"After an edit: {hold.reason}",
            )
        else:
            comment.save()
            if comment.status == Comment.Status.APPROVED:
                refresh_after_commit(comment.article_id, listings=False)
    return comment


def _resubmit(comment: Comment, *, user, body: str) -> Comment:
    """A mended comment goes back to the queue, marked resubmitted, with the
    version the moderator rejected kept beside it. Once only."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if not can_mend(comment):  # a second tab, or the window closed meanwhile
            raise edit_refusal(comment) or CommentError(NOT_EDITABLE)
        now = timezone.now()
        reason = comment.get_rejection_reason_display()
        comment.rejected_body = comment.body
        comment.body = body
        comment.edited_at = now
        comment.resubmitted_at = now
        comment.mend_until = None
        change_status(
            comment,
            Comment.Status.PENDING,
            hold_reason=HOLD_RESUBMITTED,
            hold_rule="resubmitted",
        )
        record_decision(
            outcome=ModerationDecision.Outcome.RESUBMITTED,
            article_id=comment.article_id,
            author=user,
            comment=comment,
            rule="resubmitted",
            reason=f"Mended after a rejection ({reason}) and sent back for review.",
            status_before=Comment.Status.REJECTED,
        )
    return comment


def comment_delete(*, comment: Comment, user) -> Comment:
    """The author deletes their comment; a placeholder stays if replies hang on it."""
    if comment.author_id != getattr(user, "pk", None):
        raise PermissionDenied
    if comment.status == Comment.Status.DELETED:
        raise CommentError(ALREADY_DELETED, rule="deleted")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        change_status(
            comment,
            Comment.Status.DELETED,
            body="",
            is_editors_pick=False,
            hold_reason="",
        )
    return comment


def reaction_toggle(*, comment: Comment, user) -> bool:
    """Recommend, or take the recommendation back. Returns whether it now stands."""
    if comment.author_id == user.pk:
        raise CommentError(RECOMMEND_OWN, rule="own")
    if comment.status != Comment.Status.APPROVED:
        raise CommentError(RECOMMEND_UNPUBLISHED, rule="unpublished")
    with transaction.atomic():
        Comment.objects.select_for_update().filter(pk=comment.pk).first()
        deleted, _ = Reaction.objects.filter(user=user, comment=comment).delete()
        if deleted:
            delta, recommended = -1, False
        else:
            Reaction.objects.create(user=user, comment=comment)
            delta, recommended = 1, True
        Comment.objects.filter(pk=comment.pk).update(
            reaction_count=F("reaction_count") + delta
        )
        refresh_after_commit(comment.article_id, listings=False)
    comment.refresh_from_db(fields=["reaction_count"])
    return recommended


def report_create(*, comment: Comment, user, reason: str, note: str = "") -> Report:
    """Report a comment once. Enough distinct reporters hide it until reviewed."""
    if comment.author_id == user.pk:
        raise CommentError(REPORT_OWN, rule="own")
    if comment.status != Comment.Status.APPROVED:
        raise CommentError(REPORT_UNPUBLISHED, rule="unpublished")
    try:
        with transaction.atomic():
            comment = Comment.objects.select_for_update().get(pk=comment.pk)
            report = Report.objects.create(
                user=user, comment=comment, reason=reason, note=note.strip()[:500]
            )
            reporters = (
                Report.objects.filter(comment=comment, resolved=False)
                .values("user")
                .distinct()
                .count()
            )
            if (
                reporters >= conf.report_threshold()
                and comment.status == Comment.Status.APPROVED
            ):
                change_status(
                    comment,
                    Comment.Status.PENDING,
                    hold_reason=HOLD_REPORTED,
                    hold_rule="reports",
                )
                record_decision(
                    outcome=ModerationDecision.Outcome.HIDDEN,
                    article_id=comment.article_id,
                    author=comment.author,
                    comment=comment,
                    rule="reports",
                    reason=f"{HOLD_REPORTED} ({reporters} readers)",
                )
    except IntegrityError:
        raise CommentError(REPORT_TWICE, rule="twice") from None
    return report
