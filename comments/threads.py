"""A page of threads for a viewer, in a fixed number of queries.

One query for the page's top-level comments (one more row than the page, to know if
there is a next page: no COUNT), one for the first few replies of each (by thread
root, with a window function: the rest wait behind "Show N more replies", and the
same query counts them), one for the editors' picks, one for the featured reader
question; whether a comment answers that question is an annotation (no query more).
The tree is built in Python. These four are the same for every reader who has no
comment of their own waiting in the article, so a process draws them once per
change of the page (`public_view`); a signed-in reader adds one query of their own
(`viewer_marks`: their recommendations, reports and comments awaiting review).
discussion.py turns a request into the page it asks for and calls these.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from core.compiled import CompiledQuery
from core.recent import Recent

from . import conf
from .models import Comment, Reaction, Report
from .questions.models import ReaderQuestion
from .rules import can_mend, take_part_refusal

SORTS = {
    "oldest": ("created", "pk"),
    "newest": ("-created", "-pk"),
    "recommended": ("-reaction_count", "created", "pk"),
}
DEFAULT_SORT = "oldest"


def featured_question(article: Article) -> ReaderQuestion | None:
    """The article's featured reader question (the slot shows it too)."""
    return (
        ReaderQuestion.objects.filter(article=article, is_featured=True)
        .select_related("author")
        .first()
    )


def _answers_to(question_id: int):
    """Subquery: the comment (OuterRef "pk") answers this reader question."""
    return Exists(
        ReaderQuestion.answers.through.objects.filter(
            readerquestion_id=question_id, comment_id=OuterRef("pk")
        )
    )


def decorate(
    comments: list[Comment],
    *,
    author_user_ids: set[int],
    viewer,
    recommended: set[int],
    reported: set[int],
    now,
    can_reply: bool,
) -> None:
    """Everything the template needs, computed once per comment, in Python."""
    # The edit window is a moderation setting (read from the settings row); only a
    # reader's own comments need it, so other pages never ask.
    window = None
    max_depth = conf.max_depth()
    viewer_id = viewer.pk if viewer is not None else None
    prefix = reverse("comments:permalink", kwargs={"pk": 0})[:-2]
    for comment in comments:
        # Dates formatted here, not with |date in the template: on a page of 1,000
        # comments the filter alone costs a third of the render.
        local = timezone.localtime(comment.created)
        comment.iso_created = local.isoformat(timespec="seconds")
        comment.shown_created = f"{local.day} {local:%b %Y, %H:%M}"
        comment.css = "comment"
        if comment.status != Comment.Status.APPROVED:
            comment.css += f" comment-{comment.status}"
        # Strings, not ints: Django localizes every number it prints, which shows
        # up on a page of 1,000 comments.
        comment.sid = str(comment.pk)
        comment.url_base = f"{prefix}{comment.pk}/"
        comment.has_replies_list = comment.depth < max_depth
        author = comment.author if comment.author_id else None
        placeholder = comment.is_placeholder
        comment.children = []
        comment.is_mine = viewer_id is not None and comment.author_id == viewer_id
        if comment.is_mine:
            comment.css += " comment-mine"
        comment.shows_author = author is not None and not placeholder
        if comment.shows_author:
            comment.name = author.public_name
        elif comment.guest_name and not placeholder:
            comment.name = comment.guest_name  # imported: a guest, or not claimed yet
        else:
            comment.name = "[deleted]"
        comment.is_staff_author = comment.shows_author and author.is_staff
        comment.is_trusted_author = comment.shows_author and author.trusted
        comment.is_article_author = (
            comment.shows_author and comment.author_id in author_user_ids
        )
        comment.recommended = comment.pk in recommended
        comment.reported = comment.pk in reported
        live = comment.status == Comment.Status.APPROVED
        comment.can_interact = live and viewer_id is not None and not comment.is_mine
        comment.can_reply = live and can_reply
        comment.edit_deadline = None
        comment.editable = False
        comment.mendable = False
        if comment.is_mine and comment.status == Comment.Status.REJECTED:
            # Rejected for a reason that can be mended: once, within its window.
            comment.mendable = comment.editable = can_mend(comment, at=now)
            comment.edit_deadline = comment.mend_until
        elif comment.is_mine:
            if window is None:
                window = conf.edit_window()
            comment.edit_deadline = comment.created + window
            comment.editable = (
                comment.status in (Comment.Status.APPROVED, Comment.Status.PENDING)
                and now < comment.edit_deadline
            )
        comment.deletable = comment.is_mine and not placeholder
        comment.is_answer = getattr(comment, "is_answer", False) and not placeholder


def decorate_for(
    comments: list[Comment], *, article: Article, viewer, just_posted: bool = False
) -> None:
    """Decorate a few comments for one viewer (htmx fragments after a write).

    `just_posted`: the viewer has just posted these. Nothing can point at them yet
    (no recommendation, report or answer link) and their author has just passed
    every check to take part, so none of that is asked of the database.
    """
    viewer = viewer if viewer is not None and viewer.is_authenticated else None
    ids = [c.pk for c in comments]
    answers: set[int] = set()
    recommended: set[int] = set()
    reported: set[int] = set()
    if not just_posted:
        answers = set(
            ReaderQuestion.answers.through.objects.filter(
                comment_id__in=ids,
                readerquestion__is_featured=True,
                readerquestion__article_id=article.pk,
            ).values_list("comment_id", flat=True)
        )
    if viewer is not None and not just_posted:
        recommended = set(
            Reaction.objects.filter(user=viewer, comment_id__in=ids).values_list(
                "comment_id", flat=True
            )
        )
        reported = set(
            Report.objects.filter(user=viewer, comment_id__in=ids).values_list(
                "comment_id", flat=True
            )
        )
    for comment in comments:
        comment.is_answer = comment.pk in answers
    decorate(
        comments,
        author_user_ids={a.user_id for a in article.authors.all() if a.user_id},
        viewer=viewer,
        recommended=recommended,
        reported=reported,
        now=timezone.now(),
        can_reply=viewer is not None
        and (just_posted or take_part_refusal(viewer, article=article) is None),
    )


def build_threads(tops: list[Comment], replies: list[Comment]) -> list[Comment]:
    """Attach replies to their parents; drop those whose parent is not shown."""
    by_id = {comment.pk: comment for comment in tops}
    for reply in replies:  # ordered by depth, then time: parents come first
        parent = by_id.get(reply.parent_id)
        if parent is not None:
            parent.children.append(reply)
            by_id[reply.pk] = reply
    return tops


def load_page(
    *,
    article: Article,
    viewer,
    sort: str,
    page: int,
    question: ReaderQuestion | None = None,
    answers_only: bool = False,
) -> tuple[list[Comment], bool, list[Comment]]:
    """The page's threads with their replies, and whether more pages follow.

    With a featured `question`, each comment carries `is_answer`; `answers_only`
    keeps the threads that start with an answer (answers are top-level comments).
    """
    size = conf.page_size()
    shown = conf.replies_shown()
    tops_qs = (
        Comment.objects.filter(article=article, parent__isnull=True)
        .shown_or_own(viewer)
        .select_related("author")
        .order_by(*SORTS[sort])
    )
    if question is not None:
        tops_qs = tops_qs.annotate(is_answer=_answers_to(question.pk))
        if answers_only:
            tops_qs = tops_qs.filter(is_answer=True)
    tops = list(tops_qs[(page - 1) * size : page * size + 1])
    has_next = len(tops) > size
    tops = tops[:size]
    replies: list[Comment] = []
    if tops:
        replies = _replies(
            [c.pk for c in tops], viewer=viewer, question=question, first=shown
        )
    _count_hidden(tops, replies, shown)
    return tops, has_next, replies


# Replies in the order a thread reads: by level, then by time. The first few in this
# order always hang together (a reply's parent is at a lower level, so it comes first).
REPLY_ORDER = ("depth", "created", "pk")


def _replies(
    root_ids: list[int],
    *,
    viewer,
    question: ReaderQuestion | None,
    first: int | None = None,
) -> list[Comment]:
    """The replies of these threads as `viewer` sees them: all, or the `first` few
    of each thread, each row then carrying `thread_replies` (the thread's total)."""
    replies_qs = (
        Comment.objects.filter(root_id__in=root_ids)
        .shown_or_own(viewer)
        .select_related("author", "reply_to__author")
        .order_by(*REPLY_ORDER)
    )
    if first is not None:
        replies_qs = replies_qs.annotate(
            thread_rank=Window(
                RowNumber(),
                partition_by=[F("root_id")],
                order_by=[F(name).asc() for name in REPLY_ORDER],
            ),
            thread_replies=Window(Count("pk"), partition_by=[F("root_id")]),
        ).filter(thread_rank__lte=first)
    if question is not None:
        replies_qs = replies_qs.annotate(is_answer=_answers_to(question.pk))
    return list(replies_qs)


def _count_hidden(tops: list[Comment], replies: list[Comment], shown: int) -> None:
    """Each thread's `more_replies`: how many of its replies wait behind the link."""
    totals = {reply.root_id: reply.thread_replies for reply in replies}
    for top in tops:
        top.more_replies = max(0, totals.get(top.pk, 0) - shown)
    for reply in replies:
        reply.more_replies = 0


def load_thread(
    *, root_id: int, viewer, question: ReaderQuestion | None = None
) -> tuple[Comment, list[Comment]]:
    """One whole thread (the thread's own page): its root with every reply.
    Comment.DoesNotExist when the viewer may not see the root."""
    roots = (
        Comment.objects.filter(pk=root_id).shown_or_own(viewer).select_related("author")
    )
    if question is not None:
        roots = roots.annotate(is_answer=_answers_to(question.pk))
    top = roots.get()
    top.more_replies = 0
    replies = _replies([top.pk], viewer=viewer, question=question)
    for reply in replies:
        reply.more_replies = 0
    return top, replies


def reply_is_collapsed(comment: Comment, *, viewer=None) -> bool:
    """Is this reply past the first few of its thread (so not on the article page,
    only on the thread's own page)? One query, for permalinks and plain posts."""
    if comment.root_id is None:
        return False
    ahead = (
        Comment.objects.filter(root_id=comment.root_id)
        .shown_or_own(viewer)
        .filter(
            Q(depth__lt=comment.depth)
            | Q(depth=comment.depth, created__lt=comment.created)
            | Q(depth=comment.depth, created=comment.created, pk__lt=comment.pk)
        )
    )
    return ahead.count() >= conf.replies_shown()


def load_picks_and_held(
    *, article: Article, viewer, held_shown: int
) -> tuple[list[Comment], list[Comment]]:
    """The editors' picks, and the viewer's own comments awaiting review here
    (newest first), in one query: a window numbers each kind, so neither crowds
    the other out."""
    picked = Q(status=Comment.Status.APPROVED, is_editors_pick=True)
    wanted = picked
    if viewer is not None:
        wanted |= Q(author=viewer, status=Comment.Status.PENDING)
    kind = Case(When(picked, then=Value(0)), default=Value(1))
    rows = (
        Comment.objects.filter(article=article)
        .filter(wanted)
        .select_related("author")
        .annotate(
            kind=kind,
            kind_rank=Window(
                RowNumber(),
                partition_by=[kind],
                order_by=[
                    F("picked_at").desc(nulls_last=True),
                    F("pk").desc(),
                ],
            ),
        )
        .filter(kind_rank__lte=max(conf.picks_shown(), held_shown))
        .order_by("kind", "kind_rank")
    )
    rows = list(rows)
    picks = [c for c in rows if c.kind == 0][: conf.picks_shown()]
    held = [c for c in rows if c.kind == 1][:held_shown]
    return picks, held


@dataclass(frozen=True)
class PublicView:
    """A page of the discussion as every reader sees it who has nothing of their
    own waiting in it: the featured question, the page's threads, the picks."""

    question: ReaderQuestion | None
    tops: list[Comment]
    has_next: bool
    replies: list[Comment]
    picks: list[Comment]

    def copy(self) -> PublicView:
        """Fresh instances for one request (decorate() writes on each comment)."""

        def fresh(comments: list[Comment]) -> list[Comment]:
            return [copy.copy(comment) for comment in comments]

        return PublicView(
            self.question,
            fresh(self.tops),
            self.has_next,
            fresh(self.replies),
            fresh(self.picks),
        )


# This process's public views, by (article, version, sort, page, filter). A page's
# version (articles.cache) changes with anything its discussion shows, and is read
# before the page is drawn: an entry is never newer than its key says.
recent_views: Recent[PublicView] = Recent(size=256)


def public_view(
    article: Article, *, sort: str, page: int, answers_only: bool, version: str
) -> PublicView:
    """The page as anyone without comments of their own in it sees it, in four
    queries, or none when this process drew it at the same `version` (the page's
    version read by the page cache: "" when unknown, and then never kept).

    Signed-in readers' pages are not cached whole (each is somebody's own), but
    most of a page is the same for all of them: drawing that part once per change
    instead of once per reader is what keeps the signed-in page cheap (issue 17).
    """
    key = (article.pk, version, sort, page, answers_only)
    keep = bool(version) and settings.PAGE_CACHE_SECONDS > 0
    found = recent_views.get(key) if keep else None
    if found is None:
        question = featured_question(article)
        tops, has_next, replies = load_page(
            article=article,
            viewer=None,
            sort=sort,
            page=page,
            question=question,
            answers_only=answers_only and question is not None,
        )
        picks, _ = load_picks_and_held(article=article, viewer=None, held_shown=0)
        found = PublicView(question, tops, has_next, replies, picks)
        if keep:
            recent_views.put(key, found)
    return found.copy()


@dataclass(frozen=True)
class ViewerMarks:
    """What one reader has done to the comments of a page, and whether they have
    comments of their own in the article that only they see."""

    recommended: set[int]
    reported: set[int]
    owns_hidden: bool


def _marks_query(article: int, viewer: int):
    kind = "kind"
    in_article = {"comment__article_id": article, "user_id": viewer}
    return (
        Reaction.objects.filter(**in_article)
        .order_by()
        .annotate(**{kind: Value(0)})
        .values_list("comment_id", kind)
        .union(
            Report.objects.filter(**in_article)
            .order_by()
            .annotate(**{kind: Value(1)})
            .values_list("comment_id", kind),
            Comment.objects.filter(
                article_id=article,
                author_id=viewer,
                status__in=[Comment.Status.PENDING, Comment.Status.REJECTED],
            )
            .order_by()
            .annotate(**{kind: Value(2)})
            .values_list("pk", kind),
            all=True,
        )
    )


# Every signed-in article page asks it: compiled once (core/compiled.py).
marks_query = CompiledQuery(_marks_query, "article", "viewer")


def viewer_marks(viewer, *, article: Article) -> ViewerMarks:
    """One query: the viewer's recommendations and reports in this article, and
    whether they have comments of their own in it awaiting review or rejected (with
    any, the page is drawn for them alone: those comments have their place in it).
    A reader's marks in one article are a handful, and bounded by its comments."""
    recommended: set[int] = set()
    reported: set[int] = set()
    owns_hidden = False
    for comment_id, what in marks_query.rows(article=article.pk, viewer=viewer.pk):
        if what == 0:
            recommended.add(comment_id)
        elif what == 1:
            reported.add(comment_id)
        else:
            owns_hidden = True
    return ViewerMarks(recommended, reported, owns_hidden)


def comment_page(comment: Comment, *, viewer=None, sort: str = DEFAULT_SORT) -> int:
    """Which page of threads (in `sort` order) holds this comment's thread.

    It counts the threads shown before it in one query of three parts, so that the
    published ones (nearly all of them) are counted in the (article, parent, status,
    created) index alone; one OR over the statuses would read every row instead.
    Permalinks and replies posted without JavaScript ask it (a new thread does not:
    it lands at the top of the newest-first discussion).
    """
    if sort not in ("oldest", "newest"):
        return 1
    root = comment.root if comment.root_id else comment
    way = "gt" if sort == "newest" else "lt"
    ahead = {f"created__{way}": root.created}
    tied = {"created": root.created, f"pk__{way}": root.pk}
    tops = Comment.objects.filter(article_id=comment.article_id, parent__isnull=True)
    approved = Comment.Status.APPROVED
    others = [status for status in Comment.Status.values if status != approved]
    parts = [
        tops.filter(status=approved, **ahead),
        tops.filter(status=approved, **tied),
        tops.filter(status__in=others, **{f"created__{way}e": root.created})
        .filter(Q(**ahead) | Q(**tied))
        .shown_or_own(viewer),
    ]
    first, *rest = (part.order_by().values("created") for part in parts)
    return first.union(*rest, all=True).count() // conf.page_size() + 1
