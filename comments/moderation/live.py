"""The moderation queue, live: new items to review are announced and, on request,
put in the list, as new comments are on an article page (comments/live.py).

The queue page asks itself (`?live=state`) every `conf.live_poll_seconds()` while
its tab is visible: the size of every tab, and the items of this tab that came in
since the page was drawn (`live_since`). The queue is staff-only and personal, so
nothing here is cached: a poll is three small queries per moderator. "Show them"
asks for those items' HTML (`?live=items&ids=…`), the same items the page shows.

"Came in" is any of: posted, edited, resubmitted after a rejection, reported,
or decided, after the page was drawn; whichever puts it in this tab.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from ..live_views import CommentIdsField
from ..models import Report

# Most new items listed in one answer.
MOST_NEW = 50


class LiveQueueForm(forms.Form):
    """What the queue's script asks: the state since a time, or items by id."""

    live = forms.ChoiceField(choices=[("state", "state"), ("items", "items")])
    since = forms.DateTimeField(required=False)
    ids = CommentIdsField(required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)


def came_in_since(comments: QuerySet, since: datetime) -> QuerySet:
    """The comments of a tab that entered it after `since`."""
    reported = Report.objects.filter(comment=OuterRef("pk"), created__gt=since)
    return comments.filter(
        Q(created__gt=since)
        | Q(edited_at__gt=since)
        | Q(decided_at__gt=since)
        | Exists(reported)
    )


def new_item_ids(comments: QuerySet, since: datetime) -> list[int]:
    """Ids of the tab's newest items that came in since `since`, in the tab's
    order (the newest: the page already holds the earlier arrivals it showed)."""
    arrived = came_in_since(comments, since)
    newest = arrived.order_by("-pk").values("pk")[:MOST_NEW]
    return list(arrived.filter(pk__in=newest).values_list("pk", flat=True))
