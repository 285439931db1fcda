"""What every change of a comment keeps in step: the denormalized counts
(Article.comment_count, Comment.reply_count), the article's cached page (refreshed
on commit), the reply notification (queued on commit) and the audit trail
(ModerationDecision). Reader writes and moderators' decisions both call these."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from articles.cache import article_changed, teaser_changed
from articles.models import Article

from .models import Comment, ModerationDecision


def record_decision(
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


def refresh_readers_pages_after_commit(reader_id: int) -> None:
    """Refresh, once committed, every article page that shows this reader's
    comments with their badges (trust changed): cached pages and the shared cache."""

    def refresh() -> None:
        from articles.cache import articles_changed

        articles = (
            Comment.objects.filter(author_id=reader_id)
            .values_list("article_id", flat=True)
            .distinct()
        )
        articles_changed(set(articles))

    transaction.on_commit(refresh)


def refresh_after_commit(article_id: int, *, listings: bool = True) -> None:
    """Refresh the article's cached page once the change is committed.

    `listings=False` when teasers cannot have changed (they show the comment count
    only): a recommendation, an edit or a pick leaves home and section pages cached.
    """
    if listings:  # the comment count on its teaser: the pages that show the teaser
        transaction.on_commit(lambda: teaser_changed(article_id))
    else:
        transaction.on_commit(lambda: article_changed(article_id, listings=False))


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
    update_counts(comment, was_approved=old == Comment.Status.APPROVED)
    return old


def update_counts(comment: Comment, *, was_approved: bool) -> None:
    """Move the counts a status change affects; refresh the page once committed.

    The article's row is shared by everyone posting on it: callers write it as late
    in their transaction as they can, so its lock is held for the least time.
    """
    if was_approved != (comment.status == Comment.Status.APPROVED):
        Article.objects.filter(pk=comment.article_id).update(
            comment_count=F("comment_count") + (-1 if was_approved else 1)
        )
    refresh_reply_counts(comment.parent_id)
    refresh_after_commit(comment.article_id)


def queue_reply_notification(comment: Comment) -> None:
    if comment.status == Comment.Status.APPROVED and comment.parent_id:
        from .tasks import send_reply_notification

        transaction.on_commit(lambda: send_reply_notification.enqueue(comment.pk))
