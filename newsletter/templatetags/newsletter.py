"""{% newsletter_signup %}: the signup block on article pages and the home page.

Anonymous readers get the token-free form (the page is cached and sets no cookie);
signed-in readers get a one-click form with the usual CSRF token (an inclusion tag
passes the page's `csrf_token` on to its template by itself).
"""

from dataclasses import dataclass

from django import template
from django.db.models import OuterRef, Subquery

from core.compiled import CompiledQuery

from ..models import Newsletter, Subscriber
from ..services import consent_text

register = template.Library()


def signup_context(*, form=None, newsletters=None, source: str = "") -> dict:
    """What _signup_form.html needs, from a bound form or the defaults."""
    newsletters = list(Newsletter.objects.all()) if newsletters is None else newsletters
    if form is not None and form.is_bound:
        # What was sent, compared as text with our own ids: the raw values are
        # never turned into numbers here (the form's field judges them).
        sent = {str(value) for value in form["newsletters"].value() or []}
        selected = {n.pk for n in newsletters if str(n.pk) in sent}
        email = form.data.get("email", "")
        source = getattr(form, "cleaned_data", {}).get("source") or source
    else:
        selected = {n.pk for n in newsletters if n.is_default}
        email = ""
    return {
        "form": form,
        "newsletters": newsletters,
        "selected": selected,
        "email_value": email,
        "source": source,
        "consent_text": consent_text(),
    }


@register.inclusion_tag("newsletter/_signup_block.html", takes_context=True)
def newsletter_signup(context) -> dict:
    return signup_block_context(context.get("request"))


@dataclass(frozen=True)
class Receiving:
    """What a signed-in reader already receives, and at which address."""

    email: str
    newsletters: list[Newsletter]


def _newsletters_query(user: int):
    receiving_at = (
        Subscriber.objects.filter(
            user_id=user, status=Subscriber.Status.CONFIRMED, newsletters=OuterRef("pk")
        )
        .order_by("-created", "-pk")
        .values("email")[:1]
    )
    return Newsletter.objects.annotate(receiving_at=Subquery(receiving_at)).values_list(
        *SHOWN_FIELDS, "receiving_at"
    )


# What the signed-in box shows of each newsletter. Every signed-in article page
# asks, so the query is compiled once (core/compiled.py).
# In the model's field order, as Model.from_db reads them.
SHOWN_FIELDS = tuple(
    field.attname
    for field in Newsletter._meta.concrete_fields
    if field.attname in {"id", "name", "is_default"}
)
newsletters_query = CompiledQuery(_newsletters_query, "user")


def _newsletters_for(user) -> tuple[list[Newsletter], Receiving | None]:
    """Every newsletter, and those the reader receives, in one query. Linked
    subscriptions only: an unverified account address may be someone else's, and
    must not reveal their subscription."""
    newsletters, received, address = [], [], ""
    for *shown, receiving_at in newsletters_query.rows(user=user.pk):
        newsletter = Newsletter.from_db("default", SHOWN_FIELDS, shown)
        newsletter.is_default = bool(newsletter.is_default)  # SQLite says 0 or 1
        newsletters.append(newsletter)
        if receiving_at:
            received.append(newsletter)
            address = address or receiving_at
    if not received:
        return newsletters, None
    return newsletters, Receiving(address, received)


def signup_block_context(request, *, notice: str = "") -> dict:
    """The box's context; `notice` says what a one-click signup just did (the
    box comes back in place with htmx)."""
    user = getattr(request, "user", None)
    source = request.path if request is not None else ""
    newsletters, subscription = None, None
    if user is not None and user.is_authenticated:
        newsletters, subscription = _newsletters_for(user)
    return {
        **signup_context(newsletters=newsletters, source=source),
        # Where the one-click form brings the reader back to (context processors'
        # values do not reach an inclusion tag's template).
        "return_path": source,
        "subscription": subscription,
        "user": user,
        "request": request,
        "notice": notice,
    }
