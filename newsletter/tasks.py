"""Background tasks (django-tasks): newsletter emails and issue sending.

`manage.py db_worker` runs them in production. Each batch task sends one batch and
queues the next while work remains, so NEWSLETTER_PARALLEL_BATCHES chains run side
by side; deliveries waiting for a retry get a task scheduled for their time. While
an issue is sending, a watch task looks at it every lease: if its chains died with
the worker that ran them, it starts a new one (the leases keep it from sending what
a live sender holds).
"""

import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task, task_backends

from articles.email_retry import send_with_retry

from .emails import absolute, build_message, personalise, render_issue
from .models import Issue, Newsletter, Subscriber
from .sending import (
    create_deliveries,
    finish_if_done,
    is_stalled,
    lease_seconds,
    next_available_at,
    send_batch,
)
from .tokens import make_confirm_token

# These answer a signup: its `confirmation_sent_at` holds back another for an hour.
SIGNUP_ANSWERS = {"confirm", "already_subscribed"}


@task()
def send_subscriber_email(
    *, subscriber_id: int, name: str, newsletter_ids: list[int], attempt: int = 1
) -> bool:
    """Confirmation, welcome or "already subscribed" email to one subscriber.

    A failed send is retried later (articles/email_retry.py). If it never goes, the
    hour's hold on the address is lifted, so the reader can simply ask again.
    """
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return False
    ids = newsletter_ids or list(subscriber.newsletters.values_list("pk", flat=True))
    context = {"newsletters": list(Newsletter.objects.filter(pk__in=ids))}
    if name == "confirm":
        token = make_confirm_token(subscriber, newsletter_ids)
        context["confirm_url"] = absolute(reverse("newsletter:confirm", args=[token]))

    def release_hold() -> None:
        if name in SIGNUP_ANSWERS:
            Subscriber.objects.filter(pk=subscriber_id).update(
                confirmation_sent_at=None
            )

    return send_with_retry(
        build_message(name, subscriber, context).send,
        task=send_subscriber_email,
        kwargs={
            "subscriber_id": subscriber_id,
            "name": name,
            "newsletter_ids": newsletter_ids,
        },
        attempt=attempt,
        give_up=release_hold,
    )


@task()
def prepare_issue(*, issue_id: int) -> int:
    """Create the deliveries (once), then start the batch chains."""
    issue = Issue.objects.get(pk=issue_id)
    if issue.status != Issue.Status.SENDING:
        return 0
    if issue.deliveries_created_at is None:
        create_deliveries(issue)
        Issue.objects.filter(pk=issue_id).update(
            deliveries_created_at=timezone.now(),
            recipients_count=issue.deliveries.count(),
        )
    total = issue.deliveries.filter(status="queued").count()
    chains = min(
        settings.NEWSLETTER_PARALLEL_BATCHES,
        math.ceil(total / settings.NEWSLETTER_BATCH_SIZE),
    )
    for _ in range(max(chains, 1)):
        transaction.on_commit(lambda: send_issue_batch.enqueue(issue_id=issue_id))
    schedule_watch(issue_id)
    return total


@task()
def send_issue_batch(*, issue_id: int) -> dict:
    result = send_batch(issue_id)
    if result.claimed and not result.smtp_down:
        transaction.on_commit(lambda: send_issue_batch.enqueue(issue_id=issue_id))
    elif not finish_if_done(issue_id):
        schedule_retry(issue_id)
    return {"sent": result.sent, "failed": result.failed}


def schedule_retry(issue_id: int) -> None:
    """Queue one batch task for when the earliest waiting delivery is due.

    Backends that cannot defer (the immediate one in tests) skip this: run
    `manage.py send_issue ID` (or "Resume" in the admin) to pick the issue up.
    """
    when = next_available_at(issue_id)
    if when is not None:
        # Many chains may end at once: only one follow-up per issue per 10 seconds.
        _enqueue_once_at(send_issue_batch, issue_id=issue_id, when=when, window=10)


def _enqueue_once_at(job, *, issue_id: int, when, window: int) -> None:
    """Queue `job` for the issue to run at `when`, once per `window` seconds.

    Backends that cannot defer (the immediate one in tests) skip it.
    """
    if not task_backends[job.backend].supports_defer:
        return
    key = f"newsletter:{job.name}:{issue_id}:{int(when.timestamp() // window)}"
    if cache.add(key, 1, window + 3600):
        deferred = job.using(run_after=when)
        transaction.on_commit(lambda: deferred.enqueue(issue_id=issue_id))


@task()
def watch_issue(*, issue_id: int) -> bool:
    """Start a new batch chain if the issue's sending stopped short; watch again.

    True when it restarted the sending.
    """
    if Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).exists():
        stalled = is_stalled(issue_id)
        if stalled:
            transaction.on_commit(lambda: send_issue_batch.enqueue(issue_id=issue_id))
        schedule_watch(issue_id)
        return stalled
    return False


def schedule_watch(issue_id: int) -> None:
    """Queue watch_issue for a lease from now (once per issue per lease)."""
    seconds = lease_seconds()
    when = timezone.now() + timezone.timedelta(seconds=seconds)
    _enqueue_once_at(watch_issue, issue_id=issue_id, when=when, window=seconds)


@task()
def send_test_issue(*, issue_id: int, email: str) -> None:
    """The issue as subscribers will see it, to one editor, marked as a test."""
    issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
    subscriber = Subscriber.objects.filter(email=email.lower()).first()
    if subscriber is None:
        subscriber = Subscriber(email=email.lower())
    rendered = render_issue(issue)
    message = personalise(rendered, subscriber)
    message.subject = f"[Test] {message.subject}"
    message.send()
