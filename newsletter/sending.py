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
If the SMTP server cannot be reached (refused, 421, dropped), nothing is counted
against the deliveries: they go back to the queue, due again after a backoff
(NEWSLETTER_RECONNECT_DELAYS, at most 30 s), and the issue says since when the server
has been failing, its last error and the next attempt, for the admin to show.

Nothing here schedules the next attempt: the worker's periodic job
(`tasks.resume_sends`) queues a batch for any issue with deliveries due and none
waiting in the task queue, so a fault can end every chain and sending still resumes.
Leases are short (NEWSLETTER_LEASE_SECONDS plus a throttled batch's time) and a batch
stops at half its lease, so a killed sender's deliveries are free again in about a
minute.
"""

import datetime
import logging
import secrets
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.rate import count_in_window

from .emails import personalise, render_issue
from .models import Delivery, Issue, Subscriber

logger = logging.getLogger(__name__)

# Indirections so tests can drive the throttle without waiting a minute.
_clock = time.time
_sleep = time.sleep
_monotonic = time.monotonic

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
    """How long a claim holds its deliveries: NEWSLETTER_LEASE_SECONDS, plus the
    time a whole batch needs under the throttle when the parallel chains share the
    rate. A batch stops sending at half of it (send_batch), so a lease never runs
    out under a live sender, and a dead sender's deliveries are free soon."""
    rate = settings.NEWSLETTER_SEND_RATE_PER_MINUTE
    batch = settings.NEWSLETTER_BATCH_SIZE
    chains = max(settings.NEWSLETTER_PARALLEL_BATCHES, 1)
    throttled = batch * chains * 60 / rate if rate > 0 else 0
    return int(settings.NEWSLETTER_LEASE_SECONDS + throttled)


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


_sends_here: dict[int, int] = {}  # clock minute -> sends by this process


def _count_send(minute: int) -> tuple[int, int]:
    """Count one send in `minute`; return (sends so far, the allowance).

    Counted in the shared cache, so every worker draws from one allowance. With
    Redis down each process counts its own sends against its share of the rate
    (the rate over the parallel chains): slower than the full rate, never faster.
    """
    rate = settings.NEWSLETTER_SEND_RATE_PER_MINUTE
    try:
        return count_in_window(f"newsletter:rate:{minute}", 120), rate
    except Exception:  # noqa: BLE001 - the cache backend logs the outage
        for old in [m for m in _sends_here if m < minute]:
            del _sends_here[old]
        _sends_here[minute] = _sends_here.get(minute, 0) + 1
        share = max(1, rate // max(settings.NEWSLETTER_PARALLEL_BATCHES, 1))
        return _sends_here[minute], share


def wait_for_send_slot() -> None:
    """Throttle: at most NEWSLETTER_SEND_RATE_PER_MINUTE sends per clock minute;
    over it, sleep until the next minute (never spin, whatever the cache does)."""
    if settings.NEWSLETTER_SEND_RATE_PER_MINUTE <= 0:
        return
    while True:
        now = _clock()
        count, allowed = _count_send(int(now // 60))
        if count <= allowed:
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


def _smtp_unavailable(issue_id: int, error: Exception) -> int:
    """Note on the issue that the server cannot be reached; return the backoff
    (seconds) before its deliveries are due again: NEWSLETTER_RECONNECT_DELAYS by
    the number of failures in a row."""
    delays = settings.NEWSLETTER_RECONNECT_DELAYS
    now = timezone.now()
    with transaction.atomic():
        failures = (
            Issue.objects.select_for_update()
            .values_list("smtp_failures", flat=True)
            .get(pk=issue_id)
        ) + 1
        delay = delays[min(failures, len(delays)) - 1]
        Issue.objects.filter(pk=issue_id).update(
            smtp_failures=failures,
            smtp_down_since=Coalesce(F("smtp_down_since"), now),
            smtp_error=f"{type(error).__name__}: {error}"[:500],
            next_attempt_at=now + datetime.timedelta(seconds=delay),
        )
    return delay


def _smtp_available(issue_id: int) -> None:
    """The server answered: clear the issue's outage note (if it had one)."""
    Issue.objects.filter(pk=issue_id, smtp_failures__gt=0).update(
        smtp_failures=0, smtp_down_since=None, smtp_error="", next_attempt_at=None
    )


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
    """Claim one batch and send it over one SMTP connection.

    Stops at half the lease (what is left goes back, due at once) so a batch task
    never outlives its claim; the chain goes on with the next batch.
    """
    result = BatchResult()
    issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
    if issue.status != Issue.Status.SENDING:
        return result
    skip_departed(issue_id)
    deliveries = claim_batch(issue_id, settings.NEWSLETTER_BATCH_SIZE)
    result.claimed = len(deliveries)
    if not deliveries:
        return result
    stop_at = _monotonic() + lease_seconds() / 2
    rendered = render_issue(issue)
    smtp = get_connection(fail_silently=False)
    try:
        smtp.open()
    except (*CONNECTION_ERRORS, smtplib.SMTPException) as error:
        logger.warning("SMTP unavailable for issue %s: %s", issue_id, error)
        _release(deliveries, _smtp_unavailable(issue_id, error))
        result.smtp_down = True
        return result
    _smtp_available(issue_id)
    try:
        for index, delivery in enumerate(deliveries):
            if _monotonic() > stop_at:
                _release(deliveries[index:], 0)
                break
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
                delay = _smtp_unavailable(issue_id, error)
                _release(deliveries[index + 1 :], delay)
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


def next_available_at(issue_id: int):
    return Delivery.objects.filter(
        issue_id=issue_id, status=Delivery.Status.QUEUED
    ).aggregate(at=Min("available_at"))["at"]
