"""Template helpers for the discussion.

`comment_item`, `comment_card` and `recommend_button` draw a comment with
comments/cards.py, which says why that is Python rather than template markup.
"""

from collections.abc import Callable

from django import template
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

from .. import cards
from ..discussion import Discussion, discussion_for
from ..models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def article_discussion(context, article: Article) -> Discussion:
    """The discussion under an article: `{% article_discussion article as d %}`.

    A tag, so that the article page (articles/) needs nothing from this app.
    """
    return discussion_for(context["request"], article)


PROFILE_PAGE_SIZE = 20
PROFILE_PAGE_PARAM = "comments_page"


@register.simple_tag
def profile_comments(profile_user, request):
    """A page of the reader's approved comments, newest first (two queries)."""
    comments = (
        Comment.objects.approved()
        .filter(author=profile_user, article__in=Article.objects.published())
        .select_related("article")
        .only(
            "pk", "body_html", "created", "edited_at", "article__title", "article__slug"
        )
        .order_by("-created", "-pk")
    )
    paginator = Paginator(comments, PROFILE_PAGE_SIZE)
    return paginator.get_page(request.GET.get(PROFILE_PAGE_PARAM))


def _csrf_input(context) -> Callable[[], SafeString]:
    """The hidden CSRF field, built once per request (on first use) and reused for
    every form on the page."""
    request = context["request"]

    def field() -> SafeString:
        cached = getattr(request, "_comments_csrf_input", None)
        if cached is None:
            cached = format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
                get_token(request),
            )
            request._comments_csrf_input = cached
        return cached

    return field


@register.simple_tag(takes_context=True)
def comment_item(context, c) -> SafeString:
    """The comment's list item with its replies (comments/cards.py says why in
    Python)."""
    return cards.render_item(c, _csrf_input(context))


@register.simple_tag(takes_context=True)
def comment_items(context, comments) -> SafeString:
    """`comment_item` for each of a page's threads, without an include apiece."""
    csrf_input = _csrf_input(context)
    return mark_safe("".join(cards.render_item(c, csrf_input) for c in comments))


@register.simple_tag(takes_context=True)
def comment_card(context, c) -> SafeString:
    return cards.render_card(c, _csrf_input(context))


@register.simple_tag(takes_context=True)
def recommend_button(context, c, error=None) -> SafeString:
    return cards.recommend(c, _csrf_input(context), error)


@register.inclusion_tag("comments/_standing.html")
def reader_standing(user) -> dict:
    """The reader's standing in the discussion, for their settings page: trust,
    pre-moderation, suspension, each in words."""
    from ..moderation.trust import trust_status
    from ..rules import suspension_message

    now = timezone.now()
    return {
        "standing": trust_status(user, now=now),
        "premoderated": user.premoderated,
        "suspended": suspension_message(user)
        if user.is_commenting_suspended(at=now)
        else "",
    }
