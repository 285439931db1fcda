"""The issue sender: deliveries in bulk, then batches over one SMTP connection.

The Delivery table is the to-do list. A sender *claims* a batch of queued deliveries
by pushing their `available_at` into the future (a lease) inside a short transaction
(`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so parallel workers never take the
same rows), then sends them one by one, marking each sent with a guarded update
(`WHERE status = 'queued'`). A crashed sender's lease simply runs out and another
sender takes the rest: only the one message in flight at the crash can go twice.
A slow sender whose lease ran out must not send what another has taken since: just
before each message it renews the lease on that delivery with an update guarded by
the lease value it set, and skips the delivery if the row no longer carries it.

Failures: a refused recipient counts an attempt and waits (NEWSLETTER_RETRY_DELAYS)
before the next, and after NEWSLETTER_MAX_ATTEMPTS the delivery is failed with the
error (a permanent 5xx refusal fails it at once and marks the subscriber bounced).
If the SMTP server cannot be reached, nothing is counted against the deliveries: they
stay queued and the batch is tried again later.
"""

import datetime
import logging
import secrets
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from .emails import personalise, render_issue
from .models import Delivery, Issue, Subscriber

logger = logging.getLogger(__name__)

# Indirections so tests can drive the throttle without waiting a minute.
_clock = time.time
_sleep = time.sleep

SKIPPED_ERROR = "Not sent: the subscriber left or bounced before their turn."


def create_deliveries(issue: Issue) -> int:
    """One queued delivery per confirmed subscriber of the issue's newsletter.

    A single INSERT … SELECT, so 100,000 rows take a moment, not a minute; ON
    CONFLICT DO NOTHING makes running it again (after a crash) harmless.
    """
    delivery = Delivery._meta.db_table
    subscriber = Subscriber._meta.db_table
    through = Subscriber.newsletters.through._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = (
        f"INSERT INTO {delivery} "  # noqa: S608 - table names from our own models
        "(issue_id, subscriber_id, status, attempts, available_at, error) "
        f"SELECT %s, s.id, %s, 0, %s, '' FROM {subscriber} s "
        f"INNER JOIN {through} sn ON sn.subscriber_id = s.id "
        "WHERE sn.newsletter_id = %s AND s.status = %s "
        "ON CONFLICT (issue_id, subscriber_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                issue.pk,
                Delivery.Status.QUEUED,
                now,
                issue.newsletter_id,
                Subscriber.Status.CONFIRMED,
            ],
        )
        return cursor.rowcount


def lease_seconds() -> int:
    """How long a claim holds its deliveries: 10 minutes, plus the time a whole
    batch needs under the throttle when the parallel chains share the rate."""
    rate = settings.NEWSLETTER_SEND_RATE_PER_MINUTE
    batch = settings.NEWSLETTER_BATCH_SIZE
    chains = max(settings.NEWSLETTER_PARALLEL_BATCHES, 1)
    throttled = batch * chains * 60 / rate if rate > 0 else 0
    return int(600 + throttled)


def new_lease() -> datetime.datetime:
    """The end of a new lease. Random microseconds make each sender's value its
    own, so an update guarded by it tells this sender's rows from another's."""
    return timezone.now() + datetime.timedelta(
        seconds=lease_seconds(), microseconds=secrets.randbelow(1_000_000)
    )


def claim_batch(issue_id: int, size: int) -> list[Delivery]:
    """Take up to `size` deliveries that no other sender holds.

    Each returned delivery's `available_at` is this sender's lease on it.
    """
    now = timezone.now()
    lease = new_lease()
    with transaction.atomic():
        todo = Delivery.objects.filter(
            issue_id=issue_id, status=Delivery.Status.QUEUED, available_at__lte=now
        ).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            todo = todo.select_for_update(skip_locked=True)
        ids = list(todo.values_list("pk", flat=True)[:size])
        Delivery.objects.filter(
            pk__in=ids, status=Delivery.Status.QUEUED, available_at__lte=now
        ).update(available_at=lease)
    return list(
        Delivery.objects.filter(pk__in=ids, available_at=lease)
        .select_related("subscriber")
        .order_by("pk")
    )


def renew_lease(delivery: Delivery) -> bool:
    """Is the delivery still this sender's to send? If so, extend the lease so the
    send is covered; if the lease ran out and another sender took the delivery (or
    it is no longer queued), False: skip it."""
    lease = new_lease()
    renewed = Delivery.objects.filter(
        pk=delivery.pk,
        status=Delivery.Status.QUEUED,
        available_at=delivery.available_at,
    ).update(available_at=lease)
    if renewed:
        delivery.available_at = lease
    return bool(renewed)


def wait_for_send_slot() -> None:
    """Throttle: at most NEWSLETTER_SEND_RATE_PER_MINUTE sends per clock minute,
    counted in the shared cache so every worker draws from the same allowance."""
    rate = settings.NEWSLETTER_SEND_RATE_PER_MINUTE
    if rate <= 0:
        return
    while True:
        now = _clock()
        key = f"newsletter:rate:{int(now // 60)}"
        cache.add(key, 0, 120)
        try:
            count = cache.incr(key)
        except ValueError:
            continue
        if count <= rate:
            return
        _sleep(60 - now % 60 + 0.05)


def _mark_sent(delivery: Delivery) -> bool:
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SENT,
            sent_at=timezone.now(),
            attempts=F("attempts") + 1,
            error="",
        )
    )


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def _record_failure(delivery: Delivery, error: Exception) -> None:
    attempts = delivery.attempts + 1
    message = f"{type(error).__name__}: {error}"[:2000]
    queued = Delivery.objects.filter(
        pk=delivery.pk,
        status=Delivery.Status.QUEUED,
        available_at=delivery.available_at,
    )
    if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS or _is_permanent(error):
        queued.update(status=Delivery.Status.FAILED, attempts=attempts, error=message)
        if _is_permanent(error):
            Subscriber.objects.filter(pk=delivery.subscriber_id).update(
                status=Subscriber.Status.BOUNCED
            )
        return
    delays = settings.NEWSLETTER_RETRY_DELAYS
    delay = delays[min(attempts, len(delays)) - 1]
    queued.update(
        attempts=attempts,
        error=message,
        available_at=timezone.now() + datetime.timedelta(seconds=delay),
    )


def _release(deliveries: list[Delivery], delay: int) -> None:
    """Give claimed deliveries back, untouched, to be tried after `delay` s (not
    those another sender has taken since this one's lease ran out)."""
    Delivery.objects.filter(
        pk__in=[d.pk for d in deliveries],
        # This sender's lease values (one per claim or renewal; another sender's
        # are different), so rows taken by another sender since are left alone.
        available_at__in={d.available_at for d in deliveries},
        status=Delivery.Status.QUEUED,
    ).update(available_at=timezone.now() + datetime.timedelta(seconds=delay))


def skip_departed(issue_id: int) -> None:
    """Deliveries to people who unsubscribed or bounced since are not sent."""
    Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.QUEUED).exclude(
        subscriber__status=Subscriber.Status.CONFIRMED
    ).update(status=Delivery.Status.FAILED, error=SKIPPED_ERROR)


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    smtp_down: bool = False


CONNECTION_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)
MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPSenderRefused,
)


def send_batch(issue_id: int) -> BatchResult:
    """Claim one batch and send it over one SMTP connection."""
    result = BatchResult()
    issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
    if issue.status != Issue.Status.SENDING:
        return result
    skip_departed(issue_id)
    deliveries = claim_batch(issue_id, settings.NEWSLETTER_BATCH_SIZE)
    result.claimed = len(deliveries)
    if not deliveries:
        return result
    rendered = render_issue(issue)
    smtp = get_connection(fail_silently=False)
    try:
        smtp.open()
    except (*CONNECTION_ERRORS, smtplib.SMTPException) as error:
        logger.warning("SMTP unavailable for issue %s: %s", issue_id, error)
        _release(deliveries, settings.NEWSLETTER_RETRY_DELAYS[0])
        result.smtp_down = True
        return result
    try:
        for index, delivery in enumerate(deliveries):
            if not renew_lease(delivery):
                continue  # another sender took it when this batch's lease ran out
            wait_for_send_slot()
            try:
                personalise(rendered, delivery.subscriber, connection=smtp).send()
            except MESSAGE_ERRORS as error:
                _record_failure(delivery, error)
                result.failed += 1
                continue
            except (*CONNECTION_ERRORS, smtplib.SMTPException) as error:
                # The connection went down: this message may or may not have left,
                # so it counts as an attempt; the rest go back untouched.
                logger.warning("SMTP lost during issue %s: %s", issue_id, error)
                _record_failure(delivery, error)
                _release(deliveries[index + 1 :], settings.NEWSLETTER_RETRY_DELAYS[0])
                result.smtp_down = True
                return result
            except Exception as error:  # noqa: BLE001 - one bad message, not the batch
                logger.exception("Delivery %s could not be sent", delivery.pk)
                _record_failure(delivery, error)
                result.failed += 1
                continue
            if _mark_sent(delivery):
                result.sent += 1
    finally:
        try:
            smtp.close()
        except Exception:  # noqa: BLE001, S110 - closing a dead connection
            pass
    return result


def finish_if_done(issue_id: int) -> bool:
    """Mark the issue sent once no delivery is queued; store the final counts."""
    queued = Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.QUEUED)
    if queued.exists():
        return False
    issue = Issue.objects.get(pk=issue_id)
    counts = issue.progress()
    Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).update(
        status=Issue.Status.SENT,
        sent_at=timezone.now(),
        recipients_count=counts["total"],
        sent_count=counts["sent"],
        failed_count=counts["failed"],
    )
    return True


def is_stalled(issue_id: int) -> bool:
    """Deliveries are due and waiting, yet none was sent for a whole lease: no
    sender is working on the issue (a worker was killed mid-batch, say)."""
    now = timezone.now()
    queued = Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.QUEUED)
    if not queued.filter(available_at__lte=now).exists():
        return False
    quiet_since = now - datetime.timedelta(seconds=lease_seconds())
    return not Delivery.objects.filter(
        issue_id=issue_id, sent_at__gte=quiet_since
    ).exists()


def next_available_at(issue_id: int):
    return Delivery.objects.filter(
        issue_id=issue_id, status=Delivery.Status.QUEUED
    ).aggregate(at=Min("available_at"))["at"]
