"""Reader questions: ask, follow your questions, answer the featured one, browse.

Plain HTML forms with redirects; the rules live in questions/services.py and, for
answers (which are discussion comments), in services.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from articles.models import Article, Section

from ..models import Comment
from ..rules import take_part_refusal
from ..services import CommentError
from ..views import (
    HELD,
    PUBLISHED,
    is_htmx,
    posted_comment_location,
    take_display_name,
)
from . import services
from .forms import AnswerForm, ArticleRefForm, AskForm
from .models import ReaderQuestion

QUESTION_RECEIVED = (
    "Your question was received. An editor reads every question: follow its status "
    "here."
)
QUESTION_RECEIVED_INLINE = (
    "Your question was received. An editor reads every question before it appears."
)
PAGE_SIZE = 20
ANSWERS_PAGE_SIZE = 50


def _asked_from(request: HttpRequest) -> Article | None:
    """The published article the reader is asking from, if any; 404 if forged."""
    ref = ArticleRefForm(request.POST if request.method == "POST" else request.GET)
    if not ref.is_valid():
        raise Http404
    article_id = ref.cleaned_data["article"]
    if article_id is None:
        return None
    return get_object_or_404(Article.objects.published(), pk=article_id)


@login_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """The "Ask the newsroom" page; from an article it offers to tie the question."""
    article = _asked_from(request)
    form = AskForm(request.POST or None)
    # Who may take part, up front: a suspended reader is told so, not given a
    # form to be refused on (the question's own rules run again on submit).
    refusal = take_part_refusal(request.user)
    can_ask = refusal is None
    if (
        request.method == "POST"
        and can_ask
        and form.is_valid()
        and take_display_name(request, form)
    ):
        data = form.cleaned_data
        try:
            services.question_create(
                author=request.user,
                text=data["text"],
                article=article if data["about_article"] else None,
                anonymous=data["anonymous"],
                honeypot=data["website"],
            )
        except CommentError as error:
            form.add_error(error.field, error.message)
        else:
            if is_htmx(request):
                notice = {"notice": QUESTION_RECEIVED_INLINE}
                return render(request, "comments/questions/_asked.html", notice)
            messages.success(request, QUESTION_RECEIVED)
            return redirect("comments:questions_mine")
    context = {
        "form": form,
        "article": article,
        "can_ask": can_ask,
        "refusal": refusal,
    }
    if is_htmx(request) and can_ask:
        return render(request, "comments/questions/_ask_form.html", context)
    status = 400 if form.errors else (200 if can_ask else 403)
    return render(request, "comments/questions/ask.html", context, status=status)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The reader's own questions with their status (two queries a page)."""
    questions = (
        ReaderQuestion.objects.filter(author=request.user)
        .select_related("article")
        .order_by("-created", "-pk")
    )
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "comments/questions/mine.html", {"page": page})


@require_GET
def answered(request: HttpRequest) -> HttpResponse:
    """Answered questions across the site, newest first, optionally by section."""
    sections = list(Section.objects.all())
    current = None
    questions = ReaderQuestion.objects.answered()
    slug = request.GET.get("section")
    if slug:
        current = next((s for s in sections if s.slug == slug), None)
        if current is None:
            raise Http404
        questions = questions.filter(article__section=current)
    questions = questions.select_related("article__section", "author").order_by(
        "-answered_at", "-pk"
    )
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "sections": sections, "current": current}
    return render(request, "comments/questions/answered.html", context)


def _featured_question(article: Article) -> ReaderQuestion | None:
    return (
        ReaderQuestion.objects.filter(article=article, is_featured=True)
        .select_related("author")
        .first()
    )


@require_GET
def answers(request: HttpRequest, article_id: int) -> HttpResponse:
    """The discussion filtered to answers to the article's reader question.

    A fixed number of queries: the article, the question, a count and one page.
    """
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    question = _featured_question(article)
    page = None
    if question is not None:
        comments = (
            Comment.objects.approved()
            .filter(answered_questions=question)
            .select_related("author")
            .order_by("created", "pk")
        )
        page = Paginator(comments, ANSWERS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"article": article, "question": question, "page": page}
    return render(request, "comments/questions/answers.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the featured question: a comment in the discussion, linked to it."""
    question = get_object_or_404(
        ReaderQuestion.objects.select_related("article", "author"),
        pk=pk,
        is_featured=True,
        article__in=Article.objects.published(),
    )
    article = question.article
    form = AnswerForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and take_display_name(request, form)
    ):
        try:
            comment = services.answer_create(
                question=question,
                author=request.user,
                body=form.cleaned_data["body"],
                honeypot=form.cleaned_data["website"],
            )
        except CommentError as error:
            form.add_error(error.field, error.message)
        else:
            if comment.status == Comment.Status.APPROVED:
                messages.success(request, PUBLISHED)
            else:
                messages.success(request, HELD.format(reason=comment.hold_reason))
            return redirect(posted_comment_location(comment, request.user))
    context = {
        "form": form,
        "question": question,
        "article": article,
        "can_answer": take_part_refusal(request.user, article=article) is None,
    }
    status = 400 if form.errors else 200
    return render(request, "comments/questions/answer.html", context, status=status)
