"""Background tasks (django-tasks): newsletter emails and issue sending.

`manage.py db_worker` runs them in production. Each batch task sends one batch and
queues the next while work remains, so NEWSLETTER_PARALLEL_BATCHES chains run side
by side. A chain ends when nothing is due (deliveries wait for a retry, or the
server cannot be reached); `resume_sends`, run by every worker every
TASKS_MAINTENANCE_SECONDS (TASKS_PERIODIC_JOBS), starts a new one once deliveries
are due again, or when a killed worker's leases run out. It reads the task queue
itself to see whether a batch is waiting, so no lost cache key or crashed worker
can leave an issue half sent.
"""

import math

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from core.mail import send_with_retry

from .emails import absolute, build_message, personalise, render_issue
from .models import Delivery, Issue, Newsletter, Subscriber
from .sending import create_deliveries, finish_if_done, send_batch
from .tokens import make_confirm_token

# These answer a signup: its `confirmation_sent_at` holds back another for an hour.
SIGNUP_ANSWERS = {"confirm", "already_subscribed"}


@task()
def send_subscriber_email(
    *, subscriber_id: int, name: str, newsletter_ids: list[int], attempt: int = 1
) -> bool:
    """Confirmation, welcome or "already subscribed" email to one subscriber.

    A failed send is retried later (core/mail.py). If it never goes, the
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
def record_subscription_request(
    *, email: str, newsletter_ids: list[int], source: str
) -> None:
    """A signup's writes and email, off the request (newsletter/services.py)."""
    from .services import subscription_record

    subscription_record(email=email, newsletter_ids=newsletter_ids, source=source)


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
    return total


@task()
def send_issue_batch(*, issue_id: int) -> dict:
    result = send_batch(issue_id)
    if result.claimed and not result.smtp_down:
        transaction.on_commit(lambda: send_issue_batch.enqueue(issue_id=issue_id))
    else:
        finish_if_done(issue_id)  # or resume_sends starts a chain when work is due
    return {"sent": result.sent, "failed": result.failed}


def _waiting_in_queue(job, issue_id: int, *statuses: str) -> bool:
    """Is a task of `job` for this issue in the task queue with one of `statuses`?

    Other backends keep no queue to read (the immediate one runs tasks at once).
    """
    if not isinstance(task_backends[job.backend], DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=job.module_path,
        status__in=statuses,
        args_kwargs__kwargs__issue_id=issue_id,
    ).exists()


def resume_sends() -> list[int]:
    """Start a batch chain for every issue that is being sent with deliveries due
    and no batch waiting in the queue; mark finished ones sent. Returns the ids of
    the issues it (re)started.

    A periodic job of the worker (TASKS_PERIODIC_JOBS): every worker runs it, so two
    may each queue a batch at once; the leases keep them from sending anything
    twice, and a batch that finds nothing to claim ends its chain.
    """
    started = []
    now = timezone.now()
    for issue in Issue.objects.filter(status=Issue.Status.SENDING).only(
        "pk", "deliveries_created_at"
    ):
        if issue.deliveries_created_at is None:
            if not _waiting_in_queue(
                prepare_issue,
                issue.pk,
                TaskResultStatus.READY,
                TaskResultStatus.RUNNING,
            ):
                prepare_issue.enqueue(issue_id=issue.pk)
                started.append(issue.pk)
            continue
        queued = Delivery.objects.filter(issue=issue, status=Delivery.Status.QUEUED)
        if not queued.exists():
            finish_if_done(issue.pk)
        elif queued.filter(available_at__lte=now).exists() and not _waiting_in_queue(
            send_issue_batch, issue.pk, TaskResultStatus.READY
        ):
            send_issue_batch.enqueue(issue_id=issue.pk)
            started.append(issue.pk)
    return started


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
