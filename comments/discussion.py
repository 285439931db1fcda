"""Reading the discussion: a page of threads in a fixed number of queries.

One query for the page's top-level comments (one more row than the page, to know if
there is a next page: no COUNT), one for all their replies (by thread root), one for
the editors' picks, one for the featured reader question; a signed-in reader's
reactions and reports, and whether a comment answers the featured question, are
annotations on the thread queries (no query more). "Answers to the reader question"
filters the top-level threads to those answers, with their replies inline.
The tree is built in Python. Anonymous renders depend on nothing per-visitor, so the
page cache can serve them to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.page_cache import declare_query

from . import conf
from .forms import CommentForm
from .models import Comment, Reaction, Report
from .questions.models import ReaderQuestion
from .rules import discussion_is_open, suspension_message, take_part_refusal

SORTS = {
    "oldest": ("created", "pk"),
    "newest": ("-created", "-pk"),
    "recommended": ("-reaction_count", "created", "pk"),
}
SORT_LABELS = {
    "oldest": "Oldest",
    "newest": "Newest",
    "recommended": "Most recommended",
}
DEFAULT_SORT = "oldest"
SORT_PARAM = "csort"
PAGE_PARAM = "cpage"
FILTER_PARAM = "cfilter"
ANSWERS_FILTER = "answers"
FILTER_LABELS = {
    "": "All comments",
    ANSWERS_FILTER: "Answers to the reader question",
}
MAX_PAGE = 10_000


@dataclass
class Discussion:
    article: Article
    threads: list[Comment]
    picks: list[Comment]
    sort: str
    page: int
    has_next: bool
    is_open: bool
    viewer_id: int | None
    can_take_part: bool
    login_url: str
    signup_url: str
    form: CommentForm | None
    question: ReaderQuestion | None = None
    filter_by: str = ""
    suspended_message: str = ""
    sorts: list[tuple[str, str, str]] = field(default_factory=list)
    filters: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def page_url(
        self, page: int, *, sort: str | None = None, filter_by: str | None = None
    ) -> str:
        """A page of threads; sort and filter default to the current ones."""
        params = query_params(
            sort=self.sort if sort is None else sort,
            page=page,
            filter_by=self.filter_by if filter_by is None else filter_by,
        )
        return "?" + urlencode(params) if params else "?"

    @property
    def next_url(self) -> str:
        return self.page_url(self.page + 1)

    @property
    def previous_url(self) -> str:
        return self.page_url(self.page - 1)

    @property
    def more_url(self) -> str:
        """The htmx fragment with the next page of threads."""
        url = reverse("comments:threads", kwargs={"article_id": self.article.pk})
        return url + self.page_url(self.page + 1)


def query_params(*, sort: str, page: int, filter_by: str) -> dict[str, str | int]:
    """The discussion's view as its links spell it: defaults left out."""
    params: dict[str, str | int] = {}
    if filter_by:
        params[FILTER_PARAM] = filter_by
    if sort != DEFAULT_SORT:
        params[SORT_PARAM] = sort
    if page > 1:
        params[PAGE_PARAM] = page
    return params


class _ViewForm(forms.Form):
    """The reader's sort, page and filter from the query string. A value that is
    not understood falls back to its default; the others still apply."""

    def __init__(self, params):
        super().__init__(params)
        self.fields[SORT_PARAM] = forms.ChoiceField(
            choices=list(SORT_LABELS.items()), required=False
        )
        self.fields[PAGE_PARAM] = forms.IntegerField(min_value=1, required=False)
        self.fields[FILTER_PARAM] = forms.ChoiceField(
            choices=list(FILTER_LABELS.items()), required=False
        )


def _sort_page_and_filter(params) -> tuple[str, int, str]:
    form = _ViewForm(params)
    form.is_valid()  # cleaned_data keeps the fields that were valid
    chosen = form.cleaned_data
    sort = chosen.get(SORT_PARAM) or DEFAULT_SORT
    # Past MAX_PAGE is MAX_PAGE, so that the OFFSET stays a small number whatever
    # the URL says (and past the last page is a 404: see discussion_for).
    page = min(chosen.get(PAGE_PARAM) or 1, MAX_PAGE)
    filter_by = chosen.get(FILTER_PARAM) or ""
    return sort, page, filter_by


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


def _decorate(
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
        comment.name = author.public_name if comment.shows_author else "[deleted]"
        comment.is_staff_author = comment.shows_author and author.is_staff
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
        if comment.is_mine:
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
    _decorate(
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


def with_viewer_flags(queryset, viewer):
    """Has the viewer recommended / reported each comment? (No extra query.)"""
    if viewer is None:
        return queryset
    return queryset.annotate(
        viewer_recommended=Exists(
            Reaction.objects.filter(user=viewer, comment=OuterRef("pk"))
        ),
        viewer_reported=Exists(
            Report.objects.filter(user=viewer, comment=OuterRef("pk"))
        ),
    )


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
    tops = list(with_viewer_flags(tops_qs, viewer)[(page - 1) * size : page * size + 1])
    has_next = len(tops) > size
    tops = tops[:size]
    replies: list[Comment] = []
    if tops:
        replies_qs = (
            Comment.objects.filter(root_id__in=[c.pk for c in tops])
            .shown_or_own(viewer)
            .select_related("author", "reply_to__author")
            .order_by("depth", "created", "pk")
        )
        if question is not None:
            replies_qs = replies_qs.annotate(is_answer=_answers_to(question.pk))
        replies = list(with_viewer_flags(replies_qs, viewer))
    return tops, has_next, replies


def discussion_context(*, request, article: Article) -> dict:
    """The discussion as a template context (the htmx "more threads" fragment)."""
    return {"discussion": discussion_for(request, article)}


def discussion_for(request, article: Article) -> Discussion:
    """The article page's discussion in the view the query string asks for.

    Built once per request (the discussion and the reader-question slot both show
    it). A page past the last one is a 404; the view it was drawn in is declared
    to the page cache, which redirects any other spelling of it to that one.
    """
    built = request.__dict__.setdefault("_discussions", {})
    if article.pk not in built:
        built[article.pk] = _build_discussion(request, article)
    return built[article.pk]


def _build_discussion(request, article: Article) -> Discussion:
    sort, page, filter_by = _sort_page_and_filter(request.GET)
    viewer = request.user if request.user.is_authenticated else None
    now = timezone.now()
    question = featured_question(article)
    if question is None:
        filter_by = ""  # nothing to filter by: the whole discussion
    tops, has_next, replies = load_page(
        article=article,
        viewer=viewer,
        sort=sort,
        page=page,
        question=question,
        answers_only=filter_by == ANSWERS_FILTER,
    )
    if page > 1 and not tops:
        raise Http404("No such page of comments.")
    declare_query(request, **query_params(sort=sort, page=page, filter_by=filter_by))
    picks = list(
        with_viewer_flags(
            Comment.objects.approved()
            .filter(article=article, is_editors_pick=True)
            .select_related("author")
            .order_by("-picked_at", "-pk"),
            viewer,
        )[: conf.picks_shown()]
    )
    refusal = take_part_refusal(viewer, at=now)
    can_take_part = refusal is None
    # A suspended reader is told so up front, not after writing a comment.
    suspended = refusal is not None and refusal.rule == "suspended"
    shown = [*tops, *replies, *picks]
    recommended = {c.pk for c in shown if getattr(c, "viewer_recommended", False)}
    reported = {c.pk for c in shown if getattr(c, "viewer_reported", False)}
    author_user_ids = {a.user_id for a in article.authors.all() if a.user_id}
    _decorate(
        shown,
        author_user_ids=author_user_ids,
        viewer=viewer,
        recommended=recommended,
        reported=reported,
        now=now,
        can_reply=can_take_part and discussion_is_open(article, at=now),
    )
    threads = build_threads(tops, replies)
    is_open = discussion_is_open(article, at=now)
    discussion = Discussion(
        article=article,
        threads=threads,
        picks=picks,
        sort=sort,
        page=page,
        has_next=has_next,
        is_open=is_open,
        viewer_id=viewer.pk if viewer else None,
        can_take_part=can_take_part,
        login_url="",
        signup_url="",
        form=CommentForm() if (can_take_part and is_open) else None,
        question=question,
        filter_by=filter_by,
    )
    # Signing in brings the reader back to the same page of the same view.
    here = discussion.page_url(page)
    next_url = article.get_absolute_url() + ("" if here == "?" else here)
    next_param = urlencode({"next": f"{next_url}#discussion"})
    discussion.login_url = reverse("account_login") + "?" + next_param
    discussion.signup_url = reverse("account_signup") + "?" + next_param
    if suspended:
        discussion.suspended_message = suspension_message(viewer)
    discussion.sorts = [
        (key, label, discussion.page_url(1, sort=key))
        for key, label in SORT_LABELS.items()
    ]
    if question is not None:
        discussion.filters = [
            (key, label, discussion.page_url(1, filter_by=key))
            for key, label in FILTER_LABELS.items()
        ]
    return discussion


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
