"""`{% live_discussion d as live %}`: what the live discussion's script needs from
the page it runs on (see comments/live.py). No query: the version is the one the
page was drawn from, and the poll interval comes from the settings in memory."""

from django import template
from django.urls import reverse

from ..conf import live_poll_seconds
from ..discussion import Discussion
from ..live_views import page_version

register = template.Library()


@register.simple_tag(takes_context=True)
def live_discussion(context, d: Discussion) -> dict[str, str]:
    article = d.article
    here = d.page_url(d.page)
    kwargs = {"article_id": article.pk}
    return {
        "url": reverse("comments:live", kwargs=kwargs),
        "comments_url": reverse("comments:live_comments", kwargs=kwargs),
        "version": page_version(context["request"], article.pk),
        "count": str(article.comment_count),
        "poll_seconds": str(live_poll_seconds()),
        "page": str(d.page),
        # The same view of the discussion, loaded again: the link without
        # JavaScript (see live_views.refresh).
        "refresh_url": reverse("comments:live_refresh", kwargs=kwargs)
        + ("" if here == "?" else here)
        + "#discussion",
    }
