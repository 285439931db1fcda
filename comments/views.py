"""Taking part in the discussion: plain HTML forms that htmx makes smoother.

Every view works as a full page with a redirect back to the comment; when the request
comes from htmx (HX-Request) the same view returns a fragment instead. The rules live
in services.py; these views only translate between HTTP and the services.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.models import User
from accounts.services import display_name_set
from articles.cache import SITE_KEY
from articles.models import Article
from articles.page_cache import depends_on

from . import services
from .discussion import (
    SORT_PARAM,
    comment_page,
    decorate_for,
    decorate_held,
    discussion_context,
    reply_is_collapsed,
    thread_for,
)
from .forms import CommentForm, EditForm, ReportForm
from .guidelines import guidelines_context
from .models import Comment
from .services import CommentError
from .tasks import STOP_REPLIES_SALT

PUBLISHED = "Your comment is published."
HELD = "Your comment is awaiting review. {reason}"
HELD_REPLY = "Your reply is awaiting review. {reason}"
EDITED = "Your comment was updated."
RESUBMITTED = "Your comment was sent back for review. A moderator will read it again."
DELETED = "Your comment was deleted."
REPORTED = "Thank you. A moderator will look at the comment."
REPLIES_STOPPED = "You won't get emails about replies to your comments any more."
BAD_LINK = "This link is not valid. You can turn reply emails off in your profile."


def sign_in_first(view):
    """Like login_required, but POST-only views send the reader back to the
    discussion after signing in (their own URL would answer a GET with 405)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if "pk" in kwargs:
            back = reverse("comments:permalink", kwargs={"pk": kwargs["pk"]})
        else:
            article = get_object_or_404(
                Article.objects.published(), pk=kwargs["article_id"]
            )
            back = article.get_absolute_url() + "#discussion"
        if request.method == "GET":
            back = request.get_full_path()
        return redirect_to_login(back)

    return wrapper


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def take_display_name(request: HttpRequest, form) -> bool:
    """Save the display name a nameless reader chose on a comment or question form.

    Saved before the comment so that it carries the name everywhere (reply emails
    included), and kept even if the comment is then refused: the reader chose it.
    False, with the rule's message on the field, when the name breaks a rule.
    """
    name = form.cleaned_data.get("display_name", "").strip()
    if not name or request.user.display_name:
        return True
    try:
        display_name_set(user=request.user, display_name=name)
    except ValidationError as error:
        form.add_error("display_name", error.messages[0])
        return False
    return True


def comment_location(comment: Comment, viewer=None) -> str:
    """The article page of the comment's thread, scrolled to the comment; a reply
    past the first few of its thread is only on the thread's own page."""
    if reply_is_collapsed(comment, viewer=viewer):
        url = reverse("comments:thread", kwargs={"pk": comment.root_id})
        return f"{url}#comment-{comment.pk}"
    url = comment.article.get_absolute_url()
    page = comment_page(comment, viewer=viewer)
    if page > 1:
        url += f"?cpage={page}"
    return f"{url}#comment-{comment.pk}"


def posted_comment_location(comment: Comment, viewer) -> str:
    """Where a reader lands after posting without JavaScript.

    A new thread is the first of the newest-first discussion: the reader sees it at
    the top, and the redirect needs no count of the threads before it (a count that
    grows with the discussion, paid on every post). A reply lands in its thread,
    on that thread's page of the usual order.
    """
    if comment.parent_id is not None:
        return comment_location(comment, viewer)
    url = comment.article.get_absolute_url()
    return f"{url}?{SORT_PARAM}=newest#comment-{comment.pk}"


def _visible_comment(pk: int) -> Comment:
    """A comment on a published article, or 404 (forged or stale ids)."""
    return get_object_or_404(
        Comment.objects.select_related("article", "author"),
        pk=pk,
        article__in=Article.objects.published(),
    )


def _not_verified(request: HttpRequest, article: Article) -> HttpResponse:
    return render(
        request,
        "comments/not_allowed.html",
        {"article": article, "message": services.NOT_VERIFIED},
        status=403,
    )


@require_GET
def permalink(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(pk)
    viewer = request.user if request.user.is_authenticated else None
    return redirect(comment_location(comment, viewer))


@require_GET
def threads(request: HttpRequest, article_id: int) -> HttpResponse:
    """More threads (htmx "load more"); without htmx, the article page's next page."""
    article = get_object_or_404(
        Article.objects.published().prefetch_related("authors"), pk=article_id
    )
    if not is_htmx(request):
        return redirect(article.get_absolute_url() + "?" + request.GET.urlencode())
    context = discussion_context(request=request, article=article)
    return render(request, "comments/_threads_more.html", context)


@require_GET
@vary_on_headers("HX-Request")
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    """A whole thread: its own page ("Show N more replies" without JavaScript),
    or with htmx the thread's list item, every reply shown, to swap in place."""
    comment = _visible_comment(pk)
    c = thread_for(request, comment)
    if is_htmx(request):
        return render(request, "comments/_comment.html", {"c": c})
    context = {"article": comment.article, "c": c, "linked": comment}
    return render(request, "comments/thread.html", context)


@sign_in_first
@require_POST
def post(request: HttpRequest, article_id: int) -> HttpResponse:
    # The body is the longest thing in the row and a post never shows it.
    article = get_object_or_404(
        Article.objects.published().defer("body", "body_html"), pk=article_id
    )
    form = CommentForm(request.POST)
    if not form.is_valid():  # only a forged, non-numeric parent id gets here
        raise Http404
    parent = None
    if form.cleaned_data["parent"]:
        parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"])
    comment = None
    if take_display_name(request, form):
        try:
            if not services.action_allowed(user=request.user, action="post"):
                raise CommentError(services.TOO_MANY_ACTIONS, rule="attempts")
            comment = services.comment_create(
                article=article,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                honeypot=form.cleaned_data["website"],
            )
        except CommentError as error:
            form.add_error(error.field, error.message)
    if comment is None:
        context = {"article": article, "form": form, "parent": parent}
        if is_htmx(request):
            return render(request, "comments/_form.html", context)
        return render(request, "comments/form_page.html", context, status=400)
    held = comment.status != Comment.Status.APPROVED
    if not held:
        notice = PUBLISHED
    else:
        notice = (HELD_REPLY if parent else HELD).format(reason=comment.hold_reason)
    if is_htmx(request):
        article.refresh_from_db(fields=["comment_count"])
        decorate_for([comment], article=article, viewer=request.user, just_posted=True)
        decorate_held(comment)
        return render(
            request,
            "comments/_posted.html",
            {
                "article": article,
                "comment": comment,
                "parent": parent,
                "notice": notice,
                "held": held,
                "form": CommentForm(),
            },
        )
    # A held comment is news, not success: the informational style.
    (messages.info if held else messages.success)(request, notice)
    return redirect(posted_comment_location(comment, request.user))


@sign_in_first
@require_GET
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _visible_comment(pk)
    if parent.status != Comment.Status.APPROVED:
        raise Http404
    if not services.user_has_verified_email(request.user):
        return _not_verified(request, parent.article)
    context = {
        "article": parent.article,
        "parent": parent,
        "form": CommentForm(initial={"parent": parent.pk}),
    }
    template = "comments/_form.html" if is_htmx(request) else "comments/reply.html"
    return render(request, template, context)


@require_GET
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """One comment's card (htmx: "cancel" on the edit form)."""
    comment = _visible_comment(pk)
    viewer = request.user if request.user.is_authenticated else None
    if comment.status != Comment.Status.APPROVED and (
        viewer is None or comment.author_id != viewer.pk
    ):
        raise Http404
    decorate_for([comment], article=comment.article, viewer=viewer)
    return render(request, "comments/_comment_card.html", {"c": comment})


def _cannot_edit(request: HttpRequest, comment: Comment, reason: str) -> HttpResponse:
    """The edit page of a comment its author can no longer edit: the reason in
    place of a form that could not be saved. htmx swaps 2xx answers only, so the
    fragment that replaces the card comes with a 200."""
    context = {"comment": comment, "article": comment.article, "refusal": reason}
    if is_htmx(request):
        return render(request, "comments/_edit_form.html", context)
    return render(request, "comments/edit.html", context, status=403)


@sign_in_first
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(pk)
    if comment.author_id != request.user.pk:
        return HttpResponse("You can only edit your own comments.", status=403)
    refusal = services.edit_refusal(comment)
    if request.method == "GET" and refusal is not None:
        return _cannot_edit(request, comment, refusal.message)
    # A POST past the window keeps the reader's draft beside the reason (the
    # service refuses it): they may want to copy it into a new comment.
    data = request.POST if request.method == "POST" else None  # bound even if empty
    form = EditForm(data, initial={"body": comment.body})
    if request.method == "POST" and not services.action_allowed(
        user=request.user, action="edit"
    ):
        form.add_error(None, services.TOO_MANY_ACTIONS)
    elif request.method == "POST" and form.is_valid():
        try:
            comment = services.comment_edit(
                comment=comment, user=request.user, body=form.cleaned_data["body"]
            )
        except CommentError as error:
            form.add_error(error.field, error.message)
        else:
            if is_htmx(request):
                comment = _visible_comment(comment.pk)
                decorate_for([comment], article=comment.article, viewer=request.user)
                return render(request, "comments/_comment_card.html", {"c": comment})
            mended = comment.hold_rule == "resubmitted" and comment.status == "pending"
            messages.success(request, RESUBMITTED if mended else EDITED)
            return redirect(comment_location(comment, request.user))
    context = {"comment": comment, "article": comment.article, "form": form}
    template = "comments/_edit_form.html" if is_htmx(request) else "comments/edit.html"
    status = 400 if form.errors and not is_htmx(request) else 200
    return render(request, template, context, status=status)


@sign_in_first
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(pk)
    if comment.author_id != request.user.pk:
        return HttpResponse("You can only delete your own comments.", status=403)
    if request.method == "POST":
        if not services.action_allowed(user=request.user, action="delete"):
            messages.error(request, services.TOO_MANY_ACTIONS)
            return redirect(comment_location(comment, request.user))
        try:
            services.comment_delete(comment=comment, user=request.user)
        except CommentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, DELETED)
        return redirect(comment.article.get_absolute_url() + "#discussion")
    return render(
        request,
        "comments/delete.html",
        {"comment": comment, "article": comment.article},
    )


@sign_in_first
@require_POST
def recommend(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(pk)
    if comment.status != Comment.Status.APPROVED:
        raise Http404("No published comment here.")
    error = None
    if not services.user_has_verified_email(request.user):
        error = services.NOT_VERIFIED
    elif not services.action_allowed(user=request.user, action="recommend"):
        error = services.TOO_MANY_ACTIONS
    else:
        try:
            services.reaction_toggle(comment=comment, user=request.user)
        except CommentError as err:
            error = err.message
    if is_htmx(request):
        comment.refresh_from_db()
        decorate_for([comment], article=comment.article, viewer=request.user)
        return render(
            request, "comments/_recommend.html", {"c": comment, "error": error}
        )
    if error:
        messages.error(request, error)
    return redirect(comment_location(comment, request.user))


@sign_in_first
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(pk)
    if comment.status != Comment.Status.APPROVED:
        # The report page quotes the comment: held, rejected and removed text is
        # for its author and the moderators only.
        raise Http404("No published comment here.")
    if not services.user_has_verified_email(request.user):
        return _not_verified(request, comment.article)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not services.action_allowed(user=request.user, action="report"):
            form.add_error(None, services.TOO_MANY_ACTIONS)
        else:
            try:
                services.report_create(
                    comment=comment,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except CommentError as error:
                form.add_error(None, error.message)
            else:
                if is_htmx(request):
                    return render(request, "comments/_reported.html", {"c": comment})
                messages.success(request, REPORTED)
                return redirect(comment_location(comment, request.user))
    context = {"comment": comment, "article": comment.article, "form": form}
    template = (
        "comments/_report_form.html" if is_htmx(request) else "comments/report.html"
    )
    status = 400 if form.errors and not is_htmx(request) else 200
    return render(request, template, context, status=status)


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def stop_replies(request: HttpRequest, token: str) -> HttpResponse:
    """Turn reply emails off: a POST (the button, or a mail client's one-click
    List-Unsubscribe-Post). A GET only asks, because mail scanners follow links."""
    try:
        user_id = signing.loads(token, salt=STOP_REPLIES_SALT)
    except signing.BadSignature:
        return render(
            request, "comments/stop_replies.html", {"message": BAD_LINK}, status=400
        )
    if request.method == "GET":
        return render(request, "comments/stop_replies.html", {"confirm": True})
    User.objects.filter(pk=user_id).update(notify_on_reply=False)
    return render(request, "comments/stop_replies.html", {"message": REPLIES_STOPPED})


@require_GET
def guidelines(request: HttpRequest) -> HttpResponse:
    """The community guidelines, with the policies as the newsroom has set them
    (cached; saving the moderation settings refreshes every page)."""
    depends_on(request, SITE_KEY)
    return render(request, "comments/guidelines.html", guidelines_context())
