"""The rules of taking part: who may, when a discussion is open, what a post
must pass (refused) and what holds it for a moderator.

One place for each: `take_part_refusal` (signed in, verified, not suspended, the
discussion open) is asked by the write services, the read side (which forms to
show) and reader questions alike. The order of a new comment's rules is documented
in docs/moderation.md: refuse (closed, suspended, rate limit, duplicate, honeypot,
word rule), then hold (word rule, links, first comments, pre-moderated author or
article), else publish.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Value,
)
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.services import has_verified_email, user_has_verified_email
from articles.models import Article
from core.rate import count_in_window

from . import conf, word_rules
from .markdown import count_links
from .models import Comment, WordRule
from .moderation import rota

User = get_user_model()

# Messages readers see.
NOT_VERIFIED = "Confirm your email address to join the discussion."
EMPTY = "Write something before posting: the comment is empty."
TOO_LONG = "Keep it to {limit:,} characters: this comment has {length:,}."
DISCUSSION_CLOSED = "The discussion on this article is closed."
LEGAL_CLOSED = "Comments are closed on this article for legal reasons."
OFF_DUTY_CLOSED = "Comments are closed while no moderator is on duty."
OFF_DUTY_HELD = (
    "No moderator is on duty: new comments appear once one has reviewed them."
)
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
MEND_WINDOW_OVER = "The time to mend and resubmit this comment is over."
MEND_UNCHANGED = (
    "Change the comment before sending it back: a moderator did not publish this "
    "version."
)
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
HOLD_ROTA = "No moderator is on duty just now: it appears once one has reviewed it."
HOLD_REPORTED = "Hidden after reports from readers, until a moderator reviews it."
HOLD_RESUBMITTED = "You mended it: a moderator will review it again."


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


@dataclass(frozen=True)
class DiscussionState:
    """Whether readers may post on an article now, whether posts wait for review,
    and what readers are told (why it is closed, when comments reopen)."""

    is_open: bool
    held: bool = False
    message: str = ""
    rule: str = ""


def discussion_state(article: Article, *, at=None) -> DiscussionState:
    """In order: the legal hold, the article's mode and close date, the moderation
    rota (outside it: held or closed, conf.outside_rota), pre-moderation."""
    at = at or timezone.now()
    if article.legal_hold:
        return DiscussionState(
            False, message=article.legal_hold_reason or LEGAL_CLOSED, rule="legal"
        )
    if article.discussion_mode == Article.DiscussionMode.CLOSED or (
        article.discussion_closes_at and article.discussion_closes_at <= at
    ):
        return DiscussionState(False, message=DISCUSSION_CLOSED, rule="closed")
    if not rota.on_duty(at):
        reopens = rota.reopens_message(rota.next_opening(at), at=at)
        if conf.outside_rota() == "closed":
            return DiscussionState(
                False, message=f"{OFF_DUTY_CLOSED} {reopens}", rule="rota-closed"
            )
        return DiscussionState(
            True, held=True, message=f"{OFF_DUTY_HELD} {reopens}", rule="rota-held"
        )
    if article.discussion_mode == Article.DiscussionMode.PREMODERATED:
        return DiscussionState(True, held=True, rule="article-premoderated")
    return DiscussionState(True)


def discussion_is_open(article: Article, *, at=None) -> bool:
    return discussion_state(article, at=at).is_open


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
    at = at or timezone.now()
    if comment.status == Comment.Status.REJECTED and comment.mend_until:
        if can_mend(comment, at=at):
            return None
        return CommentError(MEND_WINDOW_OVER, rule="mend-window")
    if comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING):
        return CommentError(NOT_EDITABLE, rule="not-editable")
    if at >= comment.created + conf.edit_window():
        return CommentError(EDIT_WINDOW_OVER, rule="edit-window")
    return None


def can_mend(comment: Comment, *, at=None) -> bool:
    """May its author still mend this rejected comment and send it back? Once,
    within the window a mendable rejection opened (Comment.MENDABLE)."""
    return (
        comment.status == Comment.Status.REJECTED
        and comment.mend_until is not None
        and comment.resubmitted_at is None
        and (at or timezone.now()) < comment.mend_until
    )


def mend_until(reason: str, *, comment: Comment, at=None):
    """Until when the author may mend a comment rejected for `reason` (None: a
    reason that cannot be mended, a comment already resubmitted once, or the
    window set to 0)."""
    window = conf.mend_window()
    if reason not in Comment.MENDABLE or not window or comment.resubmitted_at:
        return None
    return (at or timezone.now()) + window


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


def take_part_refusal(
    user, *, article: Article | None = None, at=None, verified: bool | None = None
) -> CommentError | None:
    """Why `user` may not take part now (post, reply, edit, ask, answer), or None.

    In order: the article's discussion is closed, the reader is suspended, their
    address is not verified. `verified` when the caller has read it already (a
    post reads it under the author's row lock).
    """
    at = at or timezone.now()
    if article is not None:
        state = discussion_state(article, at=at)
        if not state.is_open:
            return CommentError(state.message, rule=state.rule)
    if user is None or not user.is_authenticated:
        return CommentError(NOT_VERIFIED, rule="not-verified")
    if user.is_commenting_suspended(at=at):
        return CommentError(suspension_message(user), rule="suspended")
    if verified is None:
        verified = user_has_verified_email(user)
    if not verified:
        return CommentError(NOT_VERIFIED, rule="not-verified")
    return None


# --- Rules -----------------------------------------------------------------------


def check_body(body: str) -> str:
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


def recent_posts(*, author, body: str, now) -> dict[str, int]:
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


def post_refusal(
    *, article, author, body: str, honeypot: str, now
) -> CommentError | None:
    """The refusing rules, in order; the first that applies wins. The author's
    verified address was read under their row lock (lock_author)."""
    refusal = take_part_refusal(author, article=article, at=now, verified=True)
    if refusal is not None:
        return refusal
    recent = recent_posts(author=author, body=body, now=now)
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


def lock_author(author) -> tuple[bool, bool, bool]:
    """Lock the author's row until the transaction ends, and read what rules ask.

    One reader's posts go one at a time (a double-click or a burst cannot slip past
    the duplicate and rate rules). The same query answers whether they have a
    verified address, whether they are past the first-comments hold, and whether
    one more published comment could earn them trust (only then is their record
    read: comments.moderation.trust).
    """
    first = conf.hold_first_approved()
    toward_trust = conf.trust_bar()["min_approved"] - 1
    approved = Comment.objects.approved().filter(author=OuterRef("pk")).order_by()

    def at_least(count: int):
        return Exists(approved[count - 1 : count]) if count > 0 else Value(True)

    return (
        User.objects.select_for_update()
        .filter(pk=author.pk)
        .values_list(has_verified_email(), at_least(first), at_least(toward_trust))
        .first()
    ) or (False, False, False)


def content_hold(body: str) -> Hold | None:
    """Holds for what a comment says: a word rule, too many links."""
    rule = word_rules.matching(body, WordRule.Action.HOLD)
    if rule is not None:
        return Hold(f"word-rule:{rule.pk}:{rule.phrase}", HOLD_WORD)
    if count_links(body) > conf.hold_links_over():
        return Hold("links", HOLD_LINKS.format(limit=conf.hold_links_over()))
    return None


def skips_hold(author, hold: Hold | None) -> bool:
    """Does `author` skip this hold? Staff skip them all; trusted readers all but
    the word rules (the newsroom's call on content)."""
    if hold is None or author.is_staff:
        return True
    return author.trusted and not hold.rule.startswith("word-rule:")


def hold_for(
    *, article, author, body: str, past_first_comments: bool, at=None
) -> Hold | None:
    """The hold that applies to a new comment, in order, ignoring who the author
    is: callers ask skips_hold (and record what trust saved)."""
    hold = content_hold(body)
    if hold:
        return hold
    if not past_first_comments:
        return Hold("first-comments", HOLD_FIRST)
    if author.premoderated:
        return Hold("author-premoderated", HOLD_AUTHOR)
    state = discussion_state(article, at=at)
    if state.rule == "rota-held":
        return Hold("rota", HOLD_ROTA)
    if state.held:
        return Hold("article-premoderated", HOLD_ARTICLE)
    return None
