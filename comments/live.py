"""The live discussion: what an open article page polls for, and what it inserts.

An open article page asks, every `conf.live_poll_seconds()`, one small question
whose answer is the same for every reader: "what is the discussion's state?"
(`live_state`): the article's page version, its approved-comment count, and the
most recently published comments (`RECENT` of them: id and parent, nothing else).
The answer depends on exactly what the article page depends on (its version key,
articles.cache), so it is cached, tagged and purged with the page: a new approved
comment bumps the version (records.py, on commit) and the next poll, from our page
cache or from a shared cache in front, sees it at once. Between changes a poll is a
cache hit (or a 304), and the origin's database is asked once per change, never
per reader.

The page itself carries the version it was drawn from (`data-live-version`), so
the script knows which published comments it has already: those of the first answer
with the same version. The rest are new; "show them" asks for their cards by id
(`new_comments`), and the script puts each where the current sort puts it.

"Recently published" is the later of posting and a moderator's decision, so a held
comment approved now counts as new, though it was posted an hour ago.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Coalesce, Greatest

from articles.models import Article

from .models import Comment

# Published comments listed in each answer, newest first: more arriving between two
# polls than this are announced as "50 new comments" and the rest wait for a reload.
RECENT = 50
# Most cards one "show them" asks for.
MOST_SHOWN = RECENT


def published_article(article_id: int) -> Article | None:
    """The published article, with only what the live answer reads."""
    return (
        Article.objects.published()
        .filter(pk=article_id)
        .only("pk", "slug", "comment_count")
        .first()
    )


def recent_comments(article_id: int) -> list[tuple[int, int | None]]:
    """(id, parent id) of the article's most recently published comments."""
    published_at = Greatest("created", Coalesce("decided_at", "created"))
    rows = (
        Comment.objects.approved()
        .filter(article_id=article_id)
        .annotate(published_at=published_at)
        .order_by(F("published_at").desc(), "-pk")
        .values_list("pk", "parent_id")[:RECENT]
    )
    return list(rows)


def live_state(article: Article, *, version: str) -> dict:
    """The poll's answer: the same for everyone, so cached for everyone."""
    return {
        "version": version,
        "count": article.comment_count,
        "recent": [list(row) for row in recent_comments(article.pk)],
    }


def new_comments(article: Article, ids: list[int]) -> list[Comment]:
    """The published comments of `article` among `ids`, oldest first (a parent
    before its replies), ready for decorate_for. Ids of other articles' comments,
    or of comments no longer published, are left out."""
    return list(
        Comment.objects.approved()
        .filter(article=article, pk__in=ids[:MOST_SHOWN])
        .select_related("author", "reply_to__author")
        .order_by("created", "pk")
    )
