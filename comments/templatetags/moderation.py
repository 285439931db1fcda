"""The queue counts on the admin index, for staff who may moderate."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_counts(context) -> list[tuple[str, str, int]] | None:
    from comments.moderation.queue import PERMISSION, TABS, counts

    request = context.get("request")
    if request is None or not request.user.has_perm(PERMISSION):
        return None
    totals = counts()
    return [(key, name, totals[key]) for key, name in TABS]
