"""Reading the discussion: the page of threads a request asks for.

The query string (sort, page, "Answers to the reader question" filter) is read
through a form and declared to the page cache in its canonical spelling; the
threads themselves come from threads.py in a fixed number of queries. Anonymous
renders depend on nothing per-visitor, so the page cache can serve them to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from articles.cache import article_version_key
from articles.models import Article
from articles.page_cache import declare_query, version_read

from .forms import CommentForm
from .models import Comment
from .questions.models import ReaderQuestion
from .rules import (
    discussion_is_open,
    discussion_state,
    suspension_message,
    take_part_refusal,
)
from .threads import (  # noqa: F401 (the names views and tags read from here)
    DEFAULT_SORT,
    SORTS,
    build_threads,
    comment_page,
    decorate,
    decorate_for,
    featured_question,
    load_page,
    load_picks_and_held,
    load_thread,
    public_view,
    reply_is_collapsed,
    viewer_marks,
)

SORT_LABELS = {
    "oldest": "Oldest",
    "newest": "Newest",
    "recommended": "Most recommended",
}
SORT_PARAM = "csort"
PAGE_PARAM = "cpage"
FILTER_PARAM = "cfilter"
ANSWERS_FILTER = "answers"
FILTER_LABELS = {
    "": "All comments",
    ANSWERS_FILTER: "Answers to the reader question",
}
MAX_PAGE = 10_000
HELD_SHOWN = 5


def decorate_held(comment: Comment) -> None:
    """What the "awaiting review" notice says of one of the viewer's comments."""
    local = timezone.localtime(comment.created)
    comment.held_what = "reply" if comment.parent_id else "comment"
    comment.held_when = f"{local.day} {local:%b, %H:%M}"
    comment.held_url = reverse("comments:permalink", kwargs={"pk": comment.pk})


# A trusted reader outside the rota: their comments do not wait (rules.hold_for).
TRUSTED_OFF_DUTY = (
    "No moderator is on duty just now. As a trusted commenter, your comments "
    "appear at once."
)


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
    # Why it is closed, or when comments reopen (the rota): for every reader.
    state_message: str = ""
    # The viewer's own comments awaiting review here, newest first: named at the
    # top of the discussion, whatever the sort and page, so none seems lost.
    held: list[Comment] = field(default_factory=list)
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
    marks = viewer_marks(viewer, article=article) if viewer is not None else None
    held: list[Comment] = []
    if marks is not None and marks.owns_hidden:
        # Their own comments awaiting review (or rejected, to mend) have their place
        # in the threads: this page is drawn for them alone.
        question = featured_question(article)
        if question is None:
            filter_by = ""
        tops, has_next, replies = load_page(
            article=article,
            viewer=viewer,
            sort=sort,
            page=page,
            question=question,
            answers_only=filter_by == ANSWERS_FILTER,
        )
        picks, held = load_picks_and_held(
            article=article, viewer=viewer, held_shown=HELD_SHOWN
        )
    else:
        # What everyone else sees, drawn once per change of the page (threads.py).
        public = public_view(
            article,
            sort=sort,
            page=page,
            answers_only=filter_by == ANSWERS_FILTER,
            version=version_read(request, article_version_key(article.pk)),
        )
        question, picks = public.question, public.picks
        tops, has_next, replies = public.tops, public.has_next, public.replies
        if question is None:
            filter_by = ""  # nothing to filter by: the whole discussion
    if page > 1 and not tops:
        raise Http404("No such page of comments.")
    declare_query(request, **query_params(sort=sort, page=page, filter_by=filter_by))
    refusal = take_part_refusal(viewer, at=now)
    can_take_part = refusal is None
    # A suspended reader is told so up front, not after writing a comment.
    suspended = refusal is not None and refusal.rule == "suspended"
    shown = [*tops, *replies, *picks]
    recommended = marks.recommended if marks is not None else set()
    reported = marks.reported if marks is not None else set()
    author_user_ids = {a.user_id for a in article.authors.all() if a.user_id}
    state = discussion_state(article, at=now)
    is_open = state.is_open
    decorate(
        shown,
        author_user_ids=author_user_ids,
        viewer=viewer,
        recommended=recommended,
        reported=reported,
        now=now,
        can_reply=can_take_part and is_open,
    )
    threads = build_threads(tops, replies)
    for comment in held:
        decorate_held(comment)
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
        held=held,
        state_message=TRUSTED_OFF_DUTY
        if state.rule == "rota-held" and viewer is not None and viewer.trusted
        else state.message,
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


def thread_for(request, comment: Comment) -> Comment:
    """The whole thread `comment` belongs to, decorated for the viewer: its root,
    every reply in `children` (the thread's own page, and "Show N more replies").
    A root the viewer may not see is a 404."""
    article = comment.article
    viewer = request.user if request.user.is_authenticated else None
    now = timezone.now()
    try:
        top, replies = load_thread(
            root_id=comment.root_id or comment.pk,
            viewer=viewer,
            question=featured_question(article),
        )
    except Comment.DoesNotExist:
        raise Http404("No such thread.") from None
    shown = [top, *replies]
    can_take_part = take_part_refusal(viewer, at=now) is None
    marks = viewer_marks(viewer, article=article) if viewer is not None else None
    decorate(
        shown,
        author_user_ids={a.user_id for a in article.authors.all() if a.user_id},
        viewer=viewer,
        recommended=marks.recommended if marks is not None else set(),
        reported=marks.reported if marks is not None else set(),
        now=now,
        can_reply=can_take_part and discussion_is_open(article, at=now),
    )
    return build_threads([top], replies)[0]
