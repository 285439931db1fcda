"""Writes with side effects for the discussion, and the automatic moderation rules.

Every change of what readers see goes through here so the denormalized counts
(Article.comment_count, Comment.reply_count, Comment.reaction_count) stay right, the
article's cached page is refreshed (articles.cache.article_changed, on commit) and
email goes out in background tasks (on commit).

The rules for a new comment run in a fixed order, documented in docs/moderation.md:
refuse (closed, suspended, rate limit, duplicate, honeypot, word rule), then hold
(word rule, links, first comments, pre-moderated author or article), else publish.
Each decision is recorded as a ModerationDecision with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
)
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.services import (  # user_has_verified_email: views ask it here
    has_verified_email,
    user_has_verified_email,  # noqa: F401
)
from articles.cache import article_changed
from articles.models import Article
from core.rate import count_in_window

from . import conf, word_rules
from .markdown import count_links
from .models import (
    Comment,
    ModerationDecision,
    Reaction,
    Report,
    WordRule,
)

User = get_user_model()

# Messages readers see (tests assert these constants).
NOT_VERIFIED = "Confirm your email address to join the discussion."
EMPTY = "Write something before posting: the comment is empty."
TOO_LONG = "Keep it to {limit:,} characters: this comment has {length:,}."
DISCUSSION_CLOSED = "The discussion on this article is closed."
SUSPENDED_UNTIL = "Your commenting is suspended until {until}."
SUSPENDED_FOREVER = "Your commenting has been suspended."
RATE_MINUTE = "You're commenting very fast: wait a minute, then try again."
RATE_DAY = (
    "You've reached today's limit of {limit} comments. Please come back tomorrow."
)
DUPLICATE = "You've already posted this comment."
HONEYPOT = "Your comment could not be posted. Please try again."
WORD_REJECTED = (
    "Your comment contains language we don't publish. Please rephrase it and try again."
)
REPLY_OTHER_ARTICLE = "That comment belongs to another article."
REPLY_NOT_PUBLISHED = "You can only reply to a published comment."
EDIT_WINDOW_OVER = "The time to edit this comment is over."
NOT_EDITABLE = "This comment can no longer be edited."
ALREADY_DELETED = "This comment has already been deleted."
RECOMMEND_OWN = "You can't recommend your own comment."
RECOMMEND_UNPUBLISHED = "Only published comments can be recommended."
REPORT_OWN = "You can't report your own comment."
REPORT_TWICE = "You've already reported this comment. Thank you."
REPORT_UNPUBLISHED = "Only published comments can be reported."

TOO_MANY_ACTIONS = "You're doing that very often: wait a minute, then try again."

HOLD_WORD = "It contains a word or phrase our moderators check first."
HOLD_LINKS = "It contains more than {limit} links."
HOLD_FIRST = "A new reader's first comments are checked by a moderator."
HOLD_AUTHOR = "Your comments are reviewed by a moderator before they appear."
HOLD_ARTICLE = "Every comment on this article is reviewed before it appears."
HOLD_REPORTED = "Hidden after reports from readers, until a moderator reviews it."

# Messages moderators see.
ALREADY_DECIDED = "Already decided by {moderator} at {time}: nothing was changed."
ALREADY_DECIDED_AUTO = "Already decided at {time}: nothing was changed."
REJECT_NEEDS_REASON = "Choose a reason to reject: the author will see it."
PICK_UNPUBLISHED = "Only published comments can be editor's picks."
SUSPEND_NEEDS_END = (
    "Choose when the suspension ends, or tick “permanent” to suspend for good."
)
SUSPEND_END_PASSED = "The end of a suspension must be in the future."
SUSPEND_NEEDS_REASON = "Give a reason: the reader will see it when they try to post."


class CommentError(Exception):
    """A rule refused the write; `message` is for the reader, `field` for the form."""

    def __init__(self, message: str, *, rule: str = "", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field


class AlreadyDecided(CommentError):
    """Someone else decided first; the comment is as they left it."""


@dataclass(frozen=True)
class Hold:
    rule: str
    reason: str


# --- Who may take part ----------------------------------------------------------


def discussion_is_open(article: Article, *, at=None) -> bool:
    at = at or timezone.now()
    if article.discussion_mode == Article.DiscussionMode.CLOSED:
        return False
    return not (article.discussion_closes_at and article.discussion_closes_at <= at)


def suspension_message(user) -> str:
    if user.commenting_suspended_forever or not user.commenting_suspended_until:
        message = SUSPENDED_FOREVER
    else:
        until = timezone.localtime(user.commenting_suspended_until)
        message = SUSPENDED_UNTIL.format(until=format_date(until, "j F Y, H:i"))
    if user.suspension_reason:
        message += f" Reason: {user.suspension_reason}"
    return message


def edit_refusal(comment: Comment, *, at=None) -> CommentError | None:
    """Why its author may no longer edit `comment` (None: they still may).

    Asked by the edit page before it offers a form (an edit link in an old tab
    outlives the window, and a moderator may have rejected the comment since) and
    again by comment_edit when the edit is saved.
    """
    if comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING):
        return CommentError(NOT_EDITABLE, rule="not-editable")
    if (at or timezone.now()) >= comment.created + conf.edit_window():
        return CommentError(EDIT_WINDOW_OVER, rule="edit-window")
    return None


def can_edit(comment: Comment, user, *, at=None) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and comment.author_id == user.pk
        and edit_refusal(comment, at=at) is None
    )


# Recommendations, reports, edits, deletions: (how many, per seconds) per reader.
# Comments have their own limits, counted in the database (conf.rate_per_*).
ACTION_LIMITS = {
    "recommend": (30, 60),
    "report": (10, 3600),
    "edit": (10, 60),
    "delete": (10, 60),
}


def action_allowed(*, user, action: str) -> bool:
    """A small fixed-window rate limit in the cache; fails open if it is down.

    "post" counts attempts, refused ones included (the per-minute rule counts only
    saved comments): twice the per-minute allowance, so a bot filling the honeypot
    or hitting a word rule is slowed down like everyone else.
    """
    if action == "post":
        limit, seconds = 2 * conf.rate_per_minute(), 60
    else:
        limit, seconds = ACTION_LIMITS[action]
    key = f"comments-rate:{action}:{user.pk}"
    try:
        return count_in_window(key, seconds) <= limit
    except Exception:  # noqa: BLE001 - an outage of the cache must not block readers
        return True


# --- Rules -----------------------------------------------------------------------


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise CommentError(EMPTY, rule="empty", field="body")
    if len(body) > conf.max_length():
        raise CommentError(
            TOO_LONG.format(limit=conf.max_length(), length=len(body)),
            rule="too-long",
            field="body",
        )
    return body


def _recent_posts(*, author, body: str, now) -> dict[str, int]:
    """The author's posts that the rate and duplicate rules count, in one query.

    It reads the dates of the author's latest posts (and whether each has this
    body) and counts in Python: building an aggregate over a sliced subquery cost
    more than running it, on a path every post takes.
    """
    day_ago = now - timezone.timedelta(days=1)
    minute_ago = now - timezone.timedelta(minutes=1)
    window = conf.duplicate_window()
    window_start = now - window
    recent = Comment.objects.filter(
        author=author, created__gt=min(day_ago, window_start)
    ).order_by("-created")
    rows = recent.values_list(
        "created", ExpressionWrapper(Q(body=body), output_field=BooleanField())
    )
    if window <= timezone.timedelta(days=1):
        # Reading stops at the day's allowance: below it, the latest posts are all
        # of the day's; at it, the reader is refused before duplicates are asked.
        rows = rows[: max(conf.rate_per_day(), conf.rate_per_minute())]
    rows = list(rows)
    return {
        "minute": sum(created > minute_ago for created, _ in rows),
        "day": sum(created > day_ago for created, _ in rows),
        "duplicates": sum(same and created > window_start for created, same in rows),
    }


def _refusal(*, article, author, body: str, honeypot: str, now) -> CommentError | None:
    """The refusing rules, in order; the first that applies wins."""
    if not discussion_is_open(article, at=now):
        return CommentError(DISCUSSION_CLOSED, rule="closed")
    if author.is_commenting_suspended(at=now):
        return CommentError(suspension_message(author), rule="suspended")
    recent = _recent_posts(author=author, body=body, now=now)
    if recent["minute"] >= conf.rate_per_minute():
        return CommentError(RATE_MINUTE, rule="rate-minute")
    if recent["day"] >= conf.rate_per_day():
        return CommentError(RATE_DAY.format(limit=conf.rate_per_day()), rule="rate-day")
    if recent["duplicates"]:
        return CommentError(DUPLICATE, rule="duplicate", field="body")
    if honeypot:
        return CommentError(HONEYPOT, rule="honeypot")
    rule = word_rules.matching(body, WordRule.Action.REJECT)
    if rule is not None:
        return CommentError(
            WORD_REJECTED, rule=f"word-rule:{rule.pk}:{rule.phrase}", field="body"
        )
    return None


def _lock_author(author) -> tuple[bool, bool]:
    """Lock the author's row until the transaction ends, and read what rules ask.

    One reader's posts go one at a time (a double-click or a burst cannot slip past
    the duplicate and rate rules). The same query answers whether they have a
    verified address and whether they are past the first-comments hold.
    """
    first = conf.hold_first_approved()
    approved = Comment.objects.approved().filter(author=OuterRef("pk")).order_by()
    return (
        User.objects.select_for_update()
        .filter(pk=author.pk)
        .values_list(
            has_verified_email(),
            Exists(approved[first - 1 : first]) if first > 0 else Value(True),
        )
        .first()
    ) or (False, False)


def _content_hold(body: str) -> Hold | None:
    rule = word_rules.matching(body, WordRule.Action.HOLD)
    if rule is not None:
        return Hold(f"word-rule:{rule.pk}:{rule.phrase}", HOLD_WORD)
    if count_links(body) > conf.hold_links_over():
        return Hold("links", HOLD_LINKS.format(limit=conf.hold_links_over()))
    return None


def _hold(*, article, author, body: str, past_first_comments: bool) -> Hold | None:
    """The holding rules, in order. Trusted readers (and staff) skip them all."""
    if author.trusted or author.is_staff:
        return None
    hold = _content_hold(body)
    if hold:
        return hold
    if not past_first_comments:
        return Hold("first-comments", HOLD_FIRST)
    if author.premoderated:
        return Hold("author-premoderated", HOLD_AUTHOR)
    if article.discussion_mode == Article.DiscussionMode.PREMODERATED:
        return Hold("article-premoderated", HOLD_ARTICLE)
    return None


def _record(
    *,
    outcome: str,
    article_id: int | None,
    author=None,
    comment: Comment | None = None,
    moderator=None,
    rule: str = "",
    reason: str = "",
    status_before: str = "",
    status_after: str = "",
) -> None:
    ModerationDecision.objects.create(
        comment=comment,
        article_id=article_id,
        author=author,
        moderator=moderator,
        outcome=outcome,
        rule=rule[:40],
        reason=reason[:300],
        status_before=status_before,
        status_after=status_after or (comment.status if comment else ""),
    )


# --- Counts ------------------------------------------------------------------------


def refresh_reply_counts(parent_id: int | None) -> None:
    """Recount shown direct replies up the chain (at most the nesting depth)."""
    while parent_id is not None:
        count = Comment.objects.filter(parent_id=parent_id).shown().count()
        Comment.objects.filter(pk=parent_id).update(reply_count=count)
        parent_id = (
            Comment.objects.filter(pk=parent_id)
            .values_list("parent_id", flat=True)
            .first()
        )


def _after_commit(article_id: int, *, listings: bool = True) -> None:
    """Refresh the article's cached page once the change is committed.

    `listings=False` when teasers cannot have changed (they show the comment count
    only): a recommendation, an edit or a pick leaves home and section pages cached.
    """
    transaction.on_commit(lambda: article_changed(article_id, listings=listings))


_FIELDS_WITHOUT_COUNTERS = [
    field.name
    for field in Comment._meta.concrete_fields
    if not field.primary_key and field.name not in {"reply_count", "reaction_count"}
]


def change_status(comment: Comment, status: str, **fields) -> str:
    """Change a comment's status and keep every count right. Call inside atomic."""
    old = comment.status
    comment.status = status
    for name, value in fields.items():
        setattr(comment, name, value)
    if comment.pk is None:
        comment.save()
    else:
        # Never write the counters back from this instance: other rows' changes
        # (a reply deleted a moment ago) keep them current with F() updates.
        comment.save(update_fields=_FIELDS_WITHOUT_COUNTERS)
    _update_counts(comment, was_approved=old == Comment.Status.APPROVED)
    return old


def _update_counts(comment: Comment, *, was_approved: bool) -> None:
    """Move the counts a status change affects; refresh the page once committed.

    The article's row is shared by everyone posting on it: callers write it as late
    in their transaction as they can, so its lock is held for the least time.
    """
    if was_approved != (comment.status == Comment.Status.APPROVED):
        Article.objects.filter(pk=comment.article_id).update(
            comment_count=F("comment_count") + (-1 if was_approved else 1)
        )
    refresh_reply_counts(comment.parent_id)
    _after_commit(comment.article_id)


def _queue_reply_notification(comment: Comment) -> None:
    if comment.status == Comment.Status.APPROVED and comment.parent_id:
        from .tasks import send_reply_notification

        transaction.on_commit(lambda: send_reply_notification.enqueue(comment.pk))


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
        verified, past_first_comments = _lock_author(author)
        if not verified:
            raise CommentError(NOT_VERIFIED, rule="not-verified")
        body = _check_body(body)
        if parent is not None:
            if parent.article_id != article.pk:
                raise CommentError(REPLY_OTHER_ARTICLE, rule="other-article")
            if parent.status != Comment.Status.APPROVED:
                raise CommentError(REPLY_NOT_PUBLISHED, rule="parent-unpublished")
        now = timezone.now()
        refusal = _refusal(
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
            )
    if refusal is not None:
        _record(
            outcome=ModerationDecision.Outcome.REFUSED,
            article_id=article.pk,
            author=author,
            rule=refusal.rule,
            reason=refusal.message,
        )
        raise refusal
    return comment


def _save_new_comment(
    *, article, author, body: str, parent, now, past_first_comments: bool
) -> Comment:
    """Apply the holds and save. Runs inside comment_create's transaction."""
    hold = _hold(
        article=article,
        author=author,
        body=body,
        past_first_comments=past_first_comments,
    )
    comment = Comment(article=article, author=author, body=body, created=now)
    if parent is not None:
        if parent.depth >= conf.max_depth():
            comment.parent_id = parent.parent_id
            comment.reply_to = parent
            comment.depth = parent.depth
        else:
            comment.parent = parent
            comment.depth = parent.depth + 1
        comment.root_id = parent.root_id or parent.pk
    if hold:
        comment.status = Comment.Status.PENDING
        comment.hold_reason = hold.reason
        comment.hold_rule = hold.rule[:40]
    else:
        comment.status = Comment.Status.APPROVED
    comment.save()
    _record(
        outcome=ModerationDecision.Outcome.HELD
        if hold
        else ModerationDecision.Outcome.PUBLISHED,
        article_id=article.pk,
        author=author,
        comment=comment,
        rule=hold.rule if hold else "",
        reason=hold.reason if hold else "Passed the automatic rules.",
    )
    if not hold:
        _update_counts(comment, was_approved=False)  # last: the shared rows
    _queue_reply_notification(comment)
    return comment


def comment_edit(*, comment: Comment, user, body: str) -> Comment:
    """The author edits within the window. Content rules run again on the new text."""
    if comment.author_id != getattr(user, "pk", None):
        raise PermissionDenied
    refusal = edit_refusal(comment)
    if refusal is not None:
        raise refusal
    # The same gates as a new comment: a suspension or a closed discussion also
    # stops a rewrite of what is already there.
    if user.is_commenting_suspended():
        raise CommentError(suspension_message(user), rule="suspended")
    if not discussion_is_open(comment.article):
        raise CommentError(DISCUSSION_CLOSED, rule="closed")
    body = _check_body(body)
    if body == comment.body:
        return comment
    rule = word_rules.matching(body, WordRule.Action.REJECT)
    if rule is not None:
        raise CommentError(WORD_REJECTED, rule=f"word-rule:{rule.pk}", field="body")
    hold = None if (user.trusted or user.is_staff) else _content_hold(body)
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
            _record(
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
                _after_commit(comment.article_id, listings=False)
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
        _after_commit(comment.article_id, listings=False)
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
                _record(
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
    _record(
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
                _record(
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
        _queue_reply_notification(comment)
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
        )
        if comment.author_id:
            from .tasks import send_rejection_notification

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
            _queue_reply_notification(comment)
        if picked and comment.status != Comment.Status.APPROVED:
            raise CommentError(PICK_UNPUBLISHED, rule="unpublished")
        comment.is_editors_pick = picked
        comment.picked_at = timezone.now() if picked else None
        comment.decided_by = moderator
        comment.decided_at = timezone.now()
        comment.save(
            update_fields=["is_editors_pick", "picked_at", "decided_by", "decided_at"]
        )
        _record(
            outcome=ModerationDecision.Outcome.PICKED
            if picked
            else ModerationDecision.Outcome.UNPICKED,
            article_id=comment.article_id,
            author=comment.author,
            comment=comment,
            moderator=moderator,
            status_before=comment.status,
        )
        _after_commit(comment.article_id, listings=False)
        if picked and comment.author_id:
            from .tasks import send_pick_notification

            pk = comment.pk
            transaction.on_commit(lambda: send_pick_notification.enqueue(pk))
    return comment


# --- Decisions about readers ---------------------------------------------------


def _record_reader(*, reader, moderator, outcome: str, reason: str = "") -> None:
    _record(
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
    *, reader, moderator, field: str, cleared: str, on: bool, outcomes, reason: str
) -> None:
    """Turn `field` on or off; turning it on clears `cleared` (trust and
    pre-moderation exclude each other). Logged on the reader's record."""
    with transaction.atomic():
        fields = {field: on}
        if on:
            fields[cleared] = False
        User.objects.filter(pk=reader.pk).update(**fields)
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
    )
