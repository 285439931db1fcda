"""Newsletter services: subscribing, confirming, preferences, and issue actions.

Every write with a side effect lives here. Emails are queued as background tasks in
`transaction.on_commit`, never sent in the request.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from core.rate import count_in_window

from .models import Issue, IssueArticle, Newsletter, Subscriber, normalize_email
from .tokens import read_confirm_token

CHECK_INBOX = (
    "Check your inbox: we have sent a link to confirm your subscription. "
    "If it does not arrive within a few minutes, look in your spam folder."
)
INVALID_EMAIL = "Enter a valid email address, like name@example.com."
NO_NEWSLETTER = "Choose at least one newsletter."
TOO_MANY_SIGNUPS = (
    "Too many sign-ups have come from your connection. Please try again in an hour."
)
ISSUE_NO_SUBJECT = "This issue has no subject: add one before sending."
ISSUE_NO_ARTICLES = "This issue has no articles: choose at least one before sending."
ISSUE_NOT_DRAFT = "This issue is already sending or sent: it cannot be sent again."
ISSUE_UNPUBLISHED = (
    "This issue includes articles readers cannot see yet: {titles}. Publish them "
    "or remove them from the issue before sending."
)


class IssueError(Exception):
    """An issue cannot be sent; the message is shown to the editor."""


def consent_text() -> str:
    return (
        f"I agree to receive the newsletters I chose from {settings.SITE_NAME} by "
        "email. I can unsubscribe at any time with the link in every email."
    )


def rate_limit_exceeded(*, key: str, limit: int, period: int) -> bool:
    """Count one request under `key`; True once more than `limit` in `period` s."""
    return count_in_window(f"newsletter:rl:{key}", period) > limit


def _queue_email(name: str, subscriber: Subscriber, newsletter_ids: list[int]):
    from .tasks import send_subscriber_email

    transaction.on_commit(
        lambda: send_subscriber_email.enqueue(
            subscriber_id=subscriber.pk, name=name, newsletter_ids=newsletter_ids
        )
    )


def subscription_request(
    *, email: str, newsletters: list[Newsletter], source: str = ""
) -> None:
    """A signup from the form: double opt-in, same outcome for every address.

    The request only checks the input and the address's rate limit, then queues
    the rest (`subscription_record`, in a task): what differs between a new, a
    pending and a confirmed address is done by the worker, so the answer takes
    the same time for each and tells nothing about who subscribes
    (bench/enumeration_timing.py measures it).
    """
    from .tasks import record_subscription_request

    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": INVALID_EMAIL}) from None
    if not newsletters:
        raise ValidationError({"newsletters": NO_NEWSLETTER})
    limit, period = settings.NEWSLETTER_SIGNUP_LIMIT_PER_ADDRESS
    if rate_limit_exceeded(key=f"addr:{email}", limit=limit, period=period):
        return
    record_subscription_request.enqueue(
        email=email,
        newsletter_ids=sorted(newsletter.pk for newsletter in newsletters),
        source=source[:200],
    )


def subscription_record(*, email: str, newsletter_ids: list[int], source: str) -> None:
    """The signup's writes, in the worker: the subscriber and the one email.

    New, pending, unsubscribed and bounced addresses get a confirmation link (the
    status only changes once the reader confirms on the page it opens); confirmed
    ones get a note with their preferences link. Either way at most one email per
    address per NEWSLETTER_CONFIRMATION_INTERVAL, however often the form is sent.
    """
    ids = list(
        Newsletter.objects.filter(pk__in=newsletter_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return  # the newsletters were deleted in the meantime
    now = timezone.now()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email=email,
            defaults={"source": source, "consent_text": consent_text()},
        )
        if created:
            subscriber.newsletters.set(ids)
        interval = datetime.timedelta(seconds=settings.NEWSLETTER_CONFIRMATION_INTERVAL)
        sent = subscriber.confirmation_sent_at
        if sent is not None and now - sent < interval:
            return
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["confirmation_sent_at"])
        if subscriber.status == Subscriber.Status.CONFIRMED:
            _queue_email("already_subscribed", subscriber, ids)
        else:
            _queue_email("confirm", subscriber, ids)


def _confirm(subscriber: Subscriber, newsletter_ids: list[int]) -> None:
    """Make a (locked) subscriber confirmed for these newsletters; welcome them."""
    now = timezone.now()
    was_confirmed = subscriber.status == Subscriber.Status.CONFIRMED
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.consent_text = consent_text()
    subscriber.consent_at = now
    subscriber.unsubscribed_at = None
    if not was_confirmed:
        subscriber.confirmed_at = now
    subscriber.save()
    if was_confirmed:
        subscriber.newsletters.add(*newsletter_ids)
    else:
        subscriber.newsletters.set(newsletter_ids)
        _queue_email("welcome", subscriber, [])


def confirmation_newsletters(ids: list[int]) -> list[Newsletter]:
    """What a confirmation link confirms: the newsletters it asked for that still
    exist, or the default ones if none does."""
    return list(Newsletter.objects.filter(pk__in=ids)) or list(
        Newsletter.objects.filter(pk__in=_default_ids())
    )


def subscription_confirm(*, token: str) -> Subscriber:
    """The reader pressed "Confirm" on the page their confirmation link opened
    (never on the GET itself: mail scanners fetch links). Raises
    tokens.TokenError for a bad or old link."""
    subscriber, ids = read_confirm_token(token)
    newsletters = confirmation_newsletters(ids)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        _confirm(subscriber, [newsletter.pk for newsletter in newsletters])
    return subscriber


def _default_ids() -> list[int]:
    ids = list(Newsletter.objects.filter(is_default=True).values_list("pk", flat=True))
    return ids or list(Newsletter.objects.values_list("pk", flat=True)[:1])


def user_has_verified_email(user) -> bool:
    """Whether the reader's own address is verified (allauth), so no opt-in email."""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(
        user=user, email__iexact=user.email, verified=True
    ).exists()


def subscriber_for_user(user) -> Subscriber | None:
    return (
        Subscriber.objects.for_user(user)
        .prefetch_related("newsletters")
        .order_by("-pk")
        .first()
    )


def subscription_subscribe_user(
    *, user, newsletters: list[Newsletter], source: str = ""
) -> Subscriber:
    """One-click subscription for a signed-in reader with a verified address."""
    if not user_has_verified_email(user):
        raise ValidationError("Verify your email address first.")
    if not newsletters:
        raise ValidationError({"newsletters": NO_NEWSLETTER})
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
            email=normalize_email(user.email),
            defaults={"source": source[:200], "user": user},
        )
        if subscriber.user_id != user.pk:
            subscriber.user = user
        _confirm(subscriber, [newsletter.pk for newsletter in newsletters])
    return subscriber


def subscription_update(
    *, subscriber: Subscriber, newsletters: list[Newsletter]
) -> Subscriber:
    """Preferences: the chosen newsletters; none at all means unsubscribed.

    Reached through the signed-in settings or a signed link that was emailed to the
    address, so choosing newsletters here also (re)confirms the subscription.
    """
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if not newsletters:
            _unsubscribe(subscriber)
            return subscriber
        subscriber.newsletters.set(newsletters)
        if subscriber.status != Subscriber.Status.CONFIRMED:
            _confirm(subscriber, [newsletter.pk for newsletter in newsletters])
    return subscriber


def _unsubscribe(subscriber: Subscriber) -> None:
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return
    subscriber.status = Subscriber.Status.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at"])


def subscription_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Stop every newsletter at once. The choice of newsletters is kept for undo."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        _unsubscribe(subscriber)
    return subscriber


def subscription_resubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Undo an unsubscribe from the signed link: the same newsletters as before."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        ids = list(subscriber.newsletters.values_list("pk", flat=True))
        if subscriber.status != Subscriber.Status.CONFIRMED:
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.unsubscribed_at = None
            subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
            subscriber.save()
        if not ids:
            subscriber.newsletters.set(_default_ids())
    return subscriber


def subscribers_mark_bounced(*, subscribers) -> int:
    """Bounced addresses stop receiving issues until they confirm again."""
    return subscribers.exclude(status=Subscriber.Status.BOUNCED).update(
        status=Subscriber.Status.BOUNCED
    )


def _owned_by(user):
    """Subscriptions that are the reader's: linked to the account, or under its
    address when that address is verified (an unverified one may be someone
    else's)."""
    if user_has_verified_email(user):
        return Subscriber.objects.for_user(user)
    return Subscriber.objects.filter(user=user)


def subscription_erase_for_user(user) -> None:
    """Account deletion: the subscription goes too (see docs/newsletter.md)."""
    _owned_by(user).delete()


def subscription_export_for_user(user) -> list[dict]:
    return [
        {
            "email": subscriber.email,
            "status": subscriber.status,
            "newsletters": [n.name for n in subscriber.newsletters.all()],
            "source": subscriber.source,
            "consent_text": subscriber.consent_text,
            "consent_at": subscriber.consent_at.isoformat()
            if subscriber.consent_at
            else None,
            "confirmed_at": subscriber.confirmed_at.isoformat()
            if subscriber.confirmed_at
            else None,
            "unsubscribed_at": subscriber.unsubscribed_at.isoformat()
            if subscriber.unsubscribed_at
            else None,
            "created": subscriber.created.isoformat(),
            "issues_received": subscriber.deliveries.filter(status="sent").count(),
        }
        for subscriber in _owned_by(user).prefetch_related("newsletters")
    ]


# --- Issues ------


def issue_fill_articles(*, issue: Issue, days: int) -> int:
    """Append the articles published in the last `days` days, newest first."""
    since = timezone.now() - datetime.timedelta(days=days)
    with transaction.atomic():
        present = set(issue.items.values_list("article_id", flat=True))
        last = issue.items.order_by("-position").values_list("position", flat=True)
        position = (last.first() or 0) + 1
        new = []
        for article_id in (
            Article.objects.published()
            .filter(published_at__gte=since)
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)
        ):
            if article_id not in present:
                new.append(
                    IssueArticle(issue=issue, article_id=article_id, position=position)
                )
                position += 1
        IssueArticle.objects.bulk_create(new)
    return len(new)


def issue_check_sendable(issue: Issue) -> None:
    if issue.status != Issue.Status.DRAFT:
        raise IssueError(ISSUE_NOT_DRAFT)
    if not issue.subject.strip():
        raise IssueError(ISSUE_NO_SUBJECT)
    if not (issue.items.exists() or issue.picks.exists() or issue.questions.exists()):
        # A digest of picks and answered questions alone is worth sending.
        raise IssueError(ISSUE_NO_ARTICLES)
    unpublished = (
        Article.objects.filter(newsletter_placements__issue=issue)
        .exclude(pk__in=Article.objects.published().values("pk"))
        .order_by("newsletter_placements__position", "newsletter_placements__pk")
        .values_list("title", flat=True)
    )
    if titles := list(unpublished):
        raise IssueError(
            ISSUE_UNPUBLISHED.format(titles=", ".join(f"“{t}”" for t in titles))
        )


def issue_send(*, issue: Issue, enqueue: bool = True) -> Issue:
    """Start sending: the issue becomes "sending" exactly once, then a task
    creates the deliveries and the batch tasks send them."""
    from .tasks import prepare_issue

    issue_check_sendable(issue)
    with transaction.atomic():
        started = Issue.objects.filter(pk=issue.pk, status=Issue.Status.DRAFT).update(
            status=Issue.Status.SENDING, send_started_at=timezone.now()
        )
        if not started:
            raise IssueError(ISSUE_NOT_DRAFT)
        if enqueue:
            transaction.on_commit(lambda: prepare_issue.enqueue(issue_id=issue.pk))
    issue.refresh_from_db()
    return issue


def issue_resume(*, issue: Issue) -> None:
    """Pick up an issue left "sending" (say, after the worker was restarted)."""
    from .tasks import prepare_issue

    if issue.status == Issue.Status.SENDING:
        transaction.on_commit(lambda: prepare_issue.enqueue(issue_id=issue.pk))


def issue_send_test(*, issue: Issue, email: str) -> None:
    from .tasks import send_test_issue

    transaction.on_commit(
        lambda: send_test_issue.enqueue(issue_id=issue.pk, email=email)
    )
