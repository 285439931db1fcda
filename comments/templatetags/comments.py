"""Template helpers for the discussion outside the article page."""

from django import template
from django.core.paginator import Paginator

from ..models import Comment

register = template.Library()

PROFILE_PAGE_SIZE = 20
PROFILE_PAGE_PARAM = "comments_page"


@register.simple_tag
def profile_comments(profile_user, request):
    """A page of the reader's approved comments, newest first (two queries)."""
    comments = (
        Comment.objects.approved()
        .filter(author=profile_user)
        .select_related("article")
        .only(
            "pk", "body_html", "created", "edited_at", "article__title", "article__slug"
        )
        .order_by("-created", "-pk")
    )
    paginator = Paginator(comments, PROFILE_PAGE_SIZE)
    return paginator.get_page(request.GET.get(PROFILE_PAGE_PARAM))
