"""The live discussion's two public answers (see live.py).

- `live`: the poll. JSON, the same for every reader, cached by the page cache and a
  shared cache under the article's page version, with its tags and ETag: between
  changes it costs the origin a cache hit (or nothing, behind Varnish or a CDN).
- `refresh`: "Refresh discussion" without JavaScript.
- `live_comments`: the cards of the new comments a reader asked to see, by id.
  Anonymous readers share it (cached like a page, under the same version); a
  signed-in reader gets cards with their own buttons (reply, recommend, report).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from articles.cache import article_version_key
from articles.models import Article
from articles.page_cache import declare_query, depends_on, version_read
from core.ids import IdListField, is_row_id

from .live import MOST_SHOWN, live_state, new_comments, published_article
from .threads import decorate_for

BAD_IDS = "Name the comments to show by their ids, separated by commas."


def page_version(request: HttpRequest, article_id: int) -> str:
    """The article's page version this request read (articles.page_cache
    depends_on): the version the page, or the poll's answer, is drawn from."""
    return version_read(request, article_version_key(article_id))


def _known_id(article_id: int) -> None:
    """The path's int converter lets any digits through; the database may not."""
    if not is_row_id(article_id):
        raise Http404("No such article.")


class CommentIdsField(forms.CharField):
    """`ids=12,15,40`: one parameter, so the page cache has one spelling of it."""

    def to_python(self, value) -> list[int]:
        text = super().to_python(value)
        if not text:
            return []
        ids = IdListField().clean(text.split(","))
        if len(ids) > MOST_SHOWN:
            raise ValidationError(BAD_IDS)
        return sorted(set(ids))


class NewCommentsForm(forms.Form):
    ids = CommentIdsField(error_messages={"required": BAD_IDS, "invalid": BAD_IDS})


@require_safe
def live(request: HttpRequest, article_id: int) -> HttpResponse:
    """The discussion's state, polled by open article pages."""
    _known_id(article_id)
    depends_on(request, article_version_key(article_id))
    article = published_article(article_id)
    if article is None:
        raise Http404("No such article.")
    declare_query(request)
    state = live_state(article, version=page_version(request, article_id))
    return JsonResponse(state)


@require_safe
def live_comments(request: HttpRequest, article_id: int) -> HttpResponse:
    """New comments' cards, each in an <ol> that names its parent, for the script
    to put in place (without JavaScript, "Refresh discussion" reloads instead)."""
    _known_id(article_id)
    depends_on(request, article_version_key(article_id))
    article = get_object_or_404(
        Article.objects.published().prefetch_related("authors"), pk=article_id
    )
    form = NewCommentsForm(request.GET)
    if not form.is_valid():
        return HttpResponse(BAD_IDS, status=400, content_type="text/plain")
    ids = form.cleaned_data["ids"]
    declare_query(request, ids=",".join(str(pk) for pk in ids))
    comments = new_comments(article, ids)
    viewer = request.user if request.user.is_authenticated else None
    decorate_for(comments, article=article, viewer=viewer)
    for comment in comments:
        comment.more_replies = 0
    return render(request, "comments/_live_comments.html", {"comments": comments})


@require_safe
def refresh(request: HttpRequest, article_id: int) -> HttpResponse:
    """Back to the same view of the discussion, loaded again.

    A link to the page the reader is on, with only "#discussion" added, would only
    scroll (browsers treat it as a move within the page); this address differs, and
    the browser keeps the link's "#discussion" across the redirect.
    """
    _known_id(article_id)
    article = get_object_or_404(Article.objects.published().only("slug"), pk=article_id)
    query = request.GET.urlencode()
    return redirect(article.get_absolute_url() + (f"?{query}" if query else ""))
