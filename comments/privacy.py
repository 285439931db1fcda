"""The discussion's part of "Download my data" and "Delete my account".

Registered with accounts.privacy in CommentsConfig.ready(). Erasure runs in the
account-deletion transaction and goes through the same count-keeping helpers as the
services, so the article and reply counts stay right.
"""

from django.db import transaction
from django.db.models import F

from articles.cache import teaser_changed
from articles.models import Article

from . import conf
from .models import Comment, ModerationDecision, Reaction, Report, UnclaimedProfile
from .services import change_status, refresh_reply_counts


def export_comments(user) -> list[dict]:
    return [
        {
            "article": c.article.title,
            "url": c.article.get_absolute_url() + f"#comment-{c.pk}",
            "body": c.body,
            "status": c.status,
            "created": c.created.isoformat(),
            "edited_at": c.edited_at.isoformat() if c.edited_at else None,
            "editors_pick": c.is_editors_pick,
        }
        for c in Comment.objects.filter(author=user).select_related("article")
    ]


def export_reactions(user) -> list[dict]:
    return [
        {"comment": r.comment_id, "created": r.created.isoformat()}
        for r in Reaction.objects.filter(user=user)
    ]


def export_reports(user) -> list[dict]:
    return [
        {
            "comment": r.comment_id,
            "reason": r.reason,
            "note": r.note,
            "created": r.created.isoformat(),
        }
        for r in Report.objects.filter(user=user)
    ]


def _reparent_replies(comment: Comment) -> None:
    """Move a comment's replies up one level, keeping their subtrees consistent."""
    for reply in list(Comment.objects.filter(parent=comment)):
        reply.parent_id = comment.parent_id
        reply.depth = comment.depth
        if comment.parent_id is None:
            reply.root_id = None
            new_root = reply.pk
        else:
            new_root = comment.root_id
        reply.save(update_fields=["parent", "depth", "root"])
        # Descendants: one level shallower, and a new root if the reply became one.
        level = [reply.pk]
        while level:
            children = list(Comment.objects.filter(parent_id__in=level))
            for child in children:
                child.depth = max(1, child.depth - 1)
                child.root_id = new_root
                child.save(update_fields=["depth", "root"])
            level = [child.pk for child in children]


def erase_user_discussion(user) -> None:
    """Account deletion: nothing may point at the user afterwards; counts stay right.

    Reactions and reports by the user go (recommendation counts fixed). Comments, by
    settings.ACCOUNT_DELETION_COMMENTS: "placeholder" keeps a "[deleted]" placeholder
    where replies hang and deletes the rest; "remove" deletes all of them and moves
    their replies up one level (a reply to a removed top-level comment becomes a
    top-level comment), so other readers' words are not lost.
    """
    affected_articles: set[int] = set()
    with transaction.atomic():
        # An imported profile they claimed holds their old address and name.
        UnclaimedProfile.objects.filter(claimed_by=user).delete()
        for reaction in Reaction.objects.filter(user=user):
            Comment.objects.filter(pk=reaction.comment_id).update(
                reaction_count=F("reaction_count") - 1
            )
        Reaction.objects.filter(user=user).delete()
        Report.objects.filter(user=user).delete()
        ModerationDecision.objects.filter(author=user).update(author=None)
        mode = conf.account_deletion_comments()
        # Deepest first, so a parent is judged after its replies are dealt with.
        comments = list(Comment.objects.filter(author=user).order_by("-depth", "-pk"))
        for comment in comments:
            affected_articles.add(comment.article_id)
            has_replies = Comment.objects.filter(parent=comment).exists()
            if mode == "placeholder" and has_replies:
                change_status(
                    comment,
                    Comment.Status.DELETED,
                    author=None,
                    body="",
                    is_editors_pick=False,
                )
                continue
            if has_replies:
                _reparent_replies(comment)
            if comment.status == Comment.Status.APPROVED:
                Article.objects.filter(pk=comment.article_id).update(
                    comment_count=F("comment_count") - 1
                )
            parent_id = comment.parent_id
            Comment.objects.filter(reply_to=comment).update(reply_to=None)
            comment.delete()
            refresh_reply_counts(parent_id)
        for article_id in affected_articles:
            transaction.on_commit(lambda pk=article_id: teaser_changed(pk))
