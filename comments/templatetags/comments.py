"""Template helpers for the discussion.

`comment_header`, `comment_actions` and `recommend_button` render parts of every
comment's card. They are Python rather than template markup on purpose: a page can
carry 1,000 comments, and a dozen variable lookups and conditions per comment in the
template engine cost more than the rest of the page (see bench/comments_render.py).
Only digits, our own URLs and dates, fixed words and escaped names are interpolated.
"""

import functools

from django import template
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

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


def _csrf_input(context) -> SafeString:
    """The hidden CSRF field, built once per request and reused for every form."""
    request = context["request"]
    cached = getattr(request, "_comments_csrf_input", None)
    if cached is None:
        cached = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
            get_token(request),
        )
        request._comments_csrf_input = cached
    return cached


@functools.cache
def trusted_badge() -> str:
    """Explained where it is shown (title) and in the community guidelines (link)."""
    url = reverse("comments:guidelines") + "#trusted"
    return (
        f' <a class="badge badge-trusted" href="{url}" title="A trusted commenter: '
        'their record lets their comments appear without waiting for review">'
        'Trusted<span class="visually-hidden"> commenter</span></a>'
    )


@register.simple_tag
def comment_header(c) -> SafeString:
    """A card's header: the author's name and badges, the time, "edited"."""
    if c.shows_author:
        parts = [f"<b>{escape(c.name)}</b>"]
        if c.is_article_author:
            parts.append(' <span class="badge badge-author">Author</span>')
        if c.is_staff_author:
            parts.append(' <span class="badge badge-staff">Staff</span>')
        elif c.is_trusted_author:
            parts.append(trusted_badge())
    else:
        parts = [f"<b>{escape(c.name)}</b>"]  # an imported guest's name, or [deleted]
    if c.is_editors_pick:
        parts.append(' <span class="badge badge-pick">Editors\' pick</span>')
    if c.is_answer:
        parts.append(
            ' <span class="badge badge-answer">Answer to the reader question</span>'
        )
    parts.append(
        f' <a href="#comment-{c.sid}"><time datetime="{c.iso_created}">'
        f"{c.shown_created}</time></a>"
    )
    if c.edited_at:
        parts.append(' <span class="comment-edited">edited</span>')
    return mark_safe(f"<header>{''.join(parts)}</header>")


def render_recommend(c, csrf_input: str, error: str | None = None) -> SafeString:
    """The recommend button (or the count, for those who cannot recommend)."""
    sid = c.sid
    count = int(c.reaction_count)
    if not c.can_interact:
        if not count:  # nothing, not an empty slot the action row would space out
            return mark_safe("")
        text = f"{count} recommendation{'' if count == 1 else 's'}"
        return mark_safe(f'<span class="recommend" id="recommend-{sid}">{text}</span>')
    url = c.url_base
    pressed = "true" if c.recommended else "false"
    label = "Recommended" if c.recommended else "Recommend"
    alert = (
        format_html(' <span class="error" role="alert">{}</span>', error)
        if error
        else ""
    )
    # "Recommend", not "Recommend 0".
    shown_count = f'<span class="reaction-count">{count}</span>' if count else ""
    # Every interpolated value is digits, our own URL, a fixed word, or escaped.
    return mark_safe(
        # A <div>: a form may not sit in a <span> (the action row is a flex box).
        f'<div class="recommend" id="recommend-{sid}"><form method="post" '
        f'action="{url}recommend/" data-hx-post="{url}recommend/" '
        f'data-hx-target="#recommend-{sid}" data-hx-swap="outerHTML">{csrf_input}'
        f'<button type="submit" class="link-button" aria-pressed="{pressed}">{label}'
        f'<span class="visually-hidden"> comment by {escape(c.name)}</span> '
        f"{shown_count}</button></form>"
        f"{alert}</div>"
    )


@register.simple_tag(takes_context=True)
def recommend_button(context, c, error=None) -> SafeString:
    return render_recommend(c, _csrf_input(context), error)


@register.simple_tag(takes_context=True)
def comment_actions(context, c) -> SafeString:
    """Recommend, reply, report, edit and delete, as the viewer may."""
    u, s, n = c.url_base, c.sid, escape(c.name)
    # As above: only digits, our own URLs, fixed words and escaped names go in.
    parts = [render_recommend(c, _csrf_input(context))]
    if c.can_reply:
        parts.append(
            f'<a class="action" href="{u}reply/" data-hx-get="{u}reply/" '
            f'data-hx-target="#slot-{s}">Reply<span class="visually-hidden"> to {n}'
            "</span></a>"
        )
    if c.reported:
        parts.append(f'<span class="action-done" id="report-{s}">Reported</span>')
    elif c.can_interact:
        parts.append(
            f'<a class="action" id="report-{s}" href="{u}report/" '
            f'data-hx-get="{u}report/" data-hx-target="#slot-{s}">Report'
            f'<span class="visually-hidden"> comment by {n}</span></a>'
        )
    if c.editable:
        label = "Mend and resubmit" if c.mendable else "Edit"
        parts.append(
            f'<a class="action" href="{u}edit/" data-hx-get="{u}edit/" '
            f'data-hx-target="#card-{s}" data-hx-swap="outerHTML" '
            f'data-edit-until="{c.edit_deadline.isoformat()}">{label}</a>'
        )
    if c.deletable:
        parts.append(f'<a class="action" href="{u}delete/">Delete</a>')
    return mark_safe(
        f'<footer class="comment-actions">{"".join(parts)}</footer>'
        f'<div class="comment-slot" id="slot-{s}"></div>'
    )


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
