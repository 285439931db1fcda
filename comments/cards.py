"""A comment as HTML: its list item, its card, the card's header and actions.

Python rather than template markup on purpose. A page carries dozens to hundreds of
comments, and the signed-in article page draws them for every request: through the
template engine (two includes, a dozen lookups and conditions per comment) they cost
more than the rest of the page (issue 17's budget; bench/comments_render.py and
bench/read_path.py). The templates `comments/_comment.html` and
`comments/_comment_card.html` call these, so every view still includes a template.

Every value interpolated is digits, our own URLs and dates, fixed words, or escaped
(`escape`): a comment's body is the only markup taken as it is, and it was sanitised
when it was saved (comments/markdown.py).

`c` is a comment decorated by `threads.decorate` (`sid`, `url_base`, `name`, `css`,
the viewer's flags). `csrf_input` returns the hidden CSRF field; it is called only
when a form is drawn, so pages without one set no CSRF cookie.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

CsrfInput = Callable[[], str]


@functools.cache
def trusted_badge() -> str:
    """Explained where it is shown (title) and in the community guidelines (link)."""
    url = reverse("comments:guidelines") + "#trusted"
    return (
        f' <a class="badge badge-trusted" href="{url}" title="A trusted commenter: '
        'their record lets their comments appear without waiting for review">'
        'Trusted<span class="visually-hidden"> commenter</span></a>'
    )


def render_item(c, csrf_input: CsrfInput) -> SafeString:
    """The comment's list item: its card, its replies (nested), "Show N more"."""
    return mark_safe(_item(c, csrf_input))


def _item(c, csrf_input: CsrfInput) -> str:
    sid = c.sid
    parts = [f'<li id="comment-{sid}">', _card(c, csrf_input)]
    if c.children or (c.can_reply and c.has_replies_list):
        parts.append(f'<ol class="replies" id="replies-{sid}">')
        parts.extend(_item(child, csrf_input) for child in c.children)
        parts.append("</ol>")
    more = getattr(c, "more_replies", 0)
    if more:
        url = f"{c.url_base}thread/"
        parts.append(
            f'<a class="more-replies" href="{url}" data-hx-get="{url}" '
            f'data-hx-target="#comment-{sid}" data-hx-swap="outerHTML">'
            f"Show {more} more repl{'y' if more == 1 else 'ies'}"
            f'<span class="visually-hidden"> to {escape(c.name)}</span></a>'
        )
    parts.append("</li>\n")
    return "".join(parts)


def render_card(c, csrf_input: CsrfInput) -> SafeString:
    """The comment's card (an <article>): header, state, body, actions."""
    return mark_safe(_card(c, csrf_input))


def _card(c, csrf_input: CsrfInput) -> str:
    mine = f' id="card-{c.sid}"' if c.is_mine else ""
    parts = [f'<article class="{c.css}"{mine}>', header(c), "\n"]
    if c.reply_to_id and c.reply_to:
        parts.append(
            f'<p class="in-reply-to">In reply to <a href="#comment-{c.reply_to_id}">'
            f"{escape(c.reply_to.author_name)}</a></p>"
        )
    if c.status == "deleted":
        parts.append('<p class="comment-placeholder">This comment was deleted.</p>')
    elif c.status == "removed":
        parts.append(
            '<p class="comment-placeholder">This comment was removed by a moderator.'
            "</p>"
        )
    else:
        if c.status == "pending":
            parts.append(
                '<p class="comment-state"><strong>Awaiting review.</strong> '
                f"{escape(c.hold_reason)} Only you can see it for now.</p>"
            )
        elif c.status == "rejected":
            parts.append(_rejected_state(c))
        parts.append(f'<div class="comment-body">{c.body_html}</div>')
        if c.can_interact or c.is_mine:
            parts.append(actions(c, csrf_input))
        elif count := int(c.reaction_count):
            plural = "" if count == 1 else "s"
            parts.append(
                f'<footer class="comment-actions">{count} recommendation{plural}'
                "</footer>"
            )
    parts.append("</article>\n")
    return "".join(parts)


def _rejected_state(c) -> str:
    note = f" {escape(c.moderator_note)}" if c.moderator_note else ""
    mend = ""
    if c.mendable:
        until = date_filter(timezone.localtime(c.mend_until), "j M, H:i")
        mend = f" You may mend it once and send it back for review until {until}."
    return (
        '<p class="comment-state comment-state-rejected"><strong>Not published:'
        f"</strong> {escape(c.get_rejection_reason_display())}.{note}{mend}</p>"
    )


def header(c) -> SafeString:
    """A card's header: the author's name and badges, the time, "edited"."""
    parts = [f"<b>{escape(c.name)}</b>"]  # or an imported guest's name, or [deleted]
    if c.shows_author:
        if c.is_article_author:
            parts.append(' <span class="badge badge-author">Author</span>')
        if c.is_staff_author:
            parts.append(' <span class="badge badge-staff">Staff</span>')
        elif c.is_trusted_author:
            parts.append(trusted_badge())
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


def recommend(c, csrf_input: CsrfInput, error: str | None = None) -> SafeString:
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
    return mark_safe(
        # A <div>: a form may not sit in a <span> (the action row is a flex box).
        f'<div class="recommend" id="recommend-{sid}"><form method="post" '
        f'action="{url}recommend/" data-hx-post="{url}recommend/" '
        f'data-hx-target="#recommend-{sid}" data-hx-swap="outerHTML">{csrf_input()}'
        f'<button type="submit" class="link-button" aria-pressed="{pressed}">{label}'
        f'<span class="visually-hidden"> comment by {escape(c.name)}</span> '
        f"{shown_count}</button></form>"
        f"{alert}</div>"
    )


def actions(c, csrf_input: CsrfInput) -> SafeString:
    """Recommend, reply, report, edit and delete, as the viewer may."""
    u, s, n = c.url_base, c.sid, escape(c.name)
    parts = [recommend(c, csrf_input)]
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
