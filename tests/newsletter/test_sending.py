"""Sending an issue: deliveries in bulk, each sent once, through crashes and
outages, with retries, throttling and the refusals an editor can meet."""

import datetime
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from newsletter import sending, services
from newsletter.models import Delivery, Issue, Subscriber
from newsletter.tasks import prepare_issue, resume_sends, send_issue_batch
from tests.articles.factories import ArticleFactory
from tests.newsletter.backends import Trouble
from tests.newsletter.factories import (
    IssueFactory,
    SubscriberFactory,
    make_confirmed_subscribers,
    weekly,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def troubled(settings):
    settings.EMAIL_BACKEND = "tests.newsletter.backends.TroubledBackend"
    Trouble.reset()
    yield Trouble
    Trouble.reset()


@pytest.fixture
def admin_client_for_sending(client, staff_user):
    client.force_login(staff_user)
    return client


def recipients() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


def make_everything_due(issue) -> None:
    """Time passes: leases and retry waits run out."""
    Delivery.objects.filter(issue=issue, status="queued").update(
        available_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_thousand_subscribers_get_exactly_one_delivery_and_one_email_each(
    run_tasks, troubled
):
    """1,000 confirmed subscribers: 1,000 deliveries, 1,000 emails, each address
    once; pending, unsubscribed and other newsletters' readers get nothing; the
    issue ends "sent" with its counts; batches share one connection each."""
    make_confirmed_subscribers(1000)
    SubscriberFactory(email="pending@example.com", status="pending")
    SubscriberFactory(email="left@example.com", status="unsubscribed")
    SubscriberFactory(email="weekly@example.com", newsletters=[weekly()])
    issue = IssueFactory()
    run_tasks(services.issue_send, issue=issue)
    assert Delivery.objects.filter(issue=issue).count() == 1000
    counts = recipients()
    assert len(counts) == 1000 and set(counts.values()) == {1}
    assert not {"pending@example.com", "left@example.com", "weekly@example.com"} & set(
        counts
    )
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert (issue.recipients_count, issue.sent_count, issue.failed_count) == (
        1000,
        1000,
        0,
    )
    assert not Delivery.objects.exclude(status="sent").exists()
    assert troubled.connections_opened == 10  # 1,000 / batches of 100


def test_sending_twice_is_refused_and_sends_nothing_more(run_tasks):
    make_confirmed_subscribers(5)
    issue = IssueFactory()
    run_tasks(services.issue_send, issue=issue)
    with pytest.raises(services.IssueError, match=services.ISSUE_NOT_DRAFT):
        run_tasks(services.issue_send, issue=issue)
    run_tasks(services.issue_resume, issue=issue)
    run_tasks(prepare_issue.enqueue, issue_id=issue.pk)
    assert len(mail.outbox) == 5


def test_an_issue_without_subject_or_articles_is_refused(run_tasks):
    make_confirmed_subscribers(2)
    untitled = IssueFactory(subject=" ")
    with pytest.raises(services.IssueError, match=services.ISSUE_NO_SUBJECT):
        services.issue_send(issue=untitled)
    empty = IssueFactory(articles=[])
    with pytest.raises(services.IssueError, match=services.ISSUE_NO_ARTICLES):
        services.issue_send(issue=empty)
    assert not mail.outbox
    assert set(Issue.objects.values_list("status", flat=True)) == {"draft"}


def test_a_send_interrupted_half_way_and_resumed_sends_each_once(run_tasks, troubled):
    """The connection drops after 500 messages: the rest stay queued; resuming
    later sends them, and nobody gets the issue twice."""
    make_confirmed_subscribers(1000)
    issue = IssueFactory()
    troubled.messages_until_disconnect = 500
    run_tasks(services.issue_send, issue=issue)
    assert len(mail.outbox) == 500
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    assert Delivery.objects.filter(issue=issue, status="queued").count() == 500
    assert not Delivery.objects.filter(status="failed").exists()

    troubled.messages_until_disconnect = None
    make_everything_due(issue)
    run_tasks(services.issue_resume, issue=issue)
    counts = recipients()
    assert len(counts) == 1000 and set(counts.values()) == {1}
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_crashed_senders_claim_runs_out_and_is_sent_once(run_tasks):
    """A worker that claimed a batch and died: its rows are held until the lease
    ends, then sent once by another sender."""
    make_confirmed_subscribers(250)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    Issue.objects.filter(pk=issue.pk).update(deliveries_created_at=timezone.now())
    crashed = sending.claim_batch(issue.pk, 100)  # ...and the process dies
    assert len(crashed) == 100
    run_tasks(services.issue_resume, issue=issue)
    assert len(mail.outbox) == 150
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING
    make_everything_due(issue)
    run_tasks(services.issue_resume, issue=issue)
    counts = recipients()
    assert len(counts) == 250 and set(counts.values()) == {1}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def _killed_mid_batch(subscribers: int) -> Issue:
    """An issue whose only sender claimed a batch and died: nothing else queued."""
    make_confirmed_subscribers(subscribers)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    Issue.objects.filter(pk=issue.pk).update(deliveries_created_at=timezone.now())
    sending.claim_batch(issue.pk, 100)  # ...and the process dies
    return issue


def test_resume_sends_what_a_killed_sender_left(run_tasks):
    """No "Resume" needed: the worker's periodic job sends what nobody is sending
    at once, and the dead sender's batch once its lease is over; each address gets
    the issue once and the issue ends sent."""
    issue = _killed_mid_batch(250)
    assert run_tasks(resume_sends) == [issue.pk]
    assert len(mail.outbox) == 150  # the 100 the dead sender held are not due
    assert run_tasks(resume_sends) == []
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING

    make_everything_due(issue)  # a lease later...
    assert run_tasks(resume_sends) == [issue.pk]
    counts = recipients()
    assert len(counts) == 250 and set(counts.values()) == {1}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert run_tasks(resume_sends) == []


@pytest.fixture
def database_tasks(settings):
    """The database task backend (production's): tasks wait in a queue."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_batches(issue) -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status="READY",
        task_path="newsletter.tasks.send_issue_batch",
        args_kwargs__kwargs__issue_id=issue.pk,
    ).count()


def test_resume_leaves_an_issue_alone_while_a_batch_waits_in_the_queue(
    database_tasks,
):
    """Deliveries are due, but a batch task is already queued for the issue: the
    periodic job adds none (every worker runs it)."""
    issue = _killed_mid_batch(150)
    make_everything_due(issue)
    send_issue_batch.enqueue(issue_id=issue.pk)
    assert resume_sends() == []
    assert queued_batches(issue) == 1
    assert not mail.outbox


def test_a_send_that_met_an_smtp_outage_is_started_again_when_due(run_tasks, troubled):
    """The chain ends on the fault (nothing scheduled that a lost cache key could
    swallow); the issue says since when and why, and when its deliveries are due
    again (5 s, then 10, 20 and 30 s while it lasts); once they are due the
    periodic job starts the sending again, and every address gets it once."""
    make_confirmed_subscribers(30)
    issue = IssueFactory()
    troubled.down = True
    run_tasks(services.issue_send, issue=issue)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    assert issue.smtp_failures == 1 and issue.smtp_down_since is not None
    assert issue.smtp_error == "ConnectionRefusedError: Connection refused"
    assert 3 < (issue.next_attempt_at - timezone.now()).total_seconds() <= 5
    assert run_tasks(resume_sends) == []  # not due yet
    assert Delivery.objects.filter(issue=issue, status="queued").count() == 30

    make_everything_due(issue)
    assert run_tasks(resume_sends) == [issue.pk]  # ...and the server is still down
    issue.refresh_from_db()
    assert issue.smtp_failures == 2
    assert 8 < (issue.next_attempt_at - timezone.now()).total_seconds() <= 10

    troubled.down = False
    make_everything_due(issue)
    assert run_tasks(resume_sends) == [issue.pk]
    counts = recipients()
    assert len(counts) == 30 and set(counts.values()) == {1}
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert (issue.smtp_failures, issue.smtp_down_since, issue.smtp_error) == (
        0,
        None,
        "",
    )


def test_a_batch_stops_at_half_its_lease_and_the_chain_goes_on(
    run_tasks, settings, monkeypatch
):
    """A slow server: the batch gives back what it has not sent when half its lease
    has passed, so no claim outlives its sender; the next batch sends the rest."""
    settings.NEWSLETTER_LEASE_SECONDS = 60
    clock = {"now": 0.0}

    def slow_send_slot():
        clock["now"] += 7  # each message takes 7 s: 4 fit in half a lease (30 s)

    monkeypatch.setattr(sending, "_monotonic", lambda: clock["now"])
    monkeypatch.setattr(sending, "wait_for_send_slot", slow_send_slot)
    make_confirmed_subscribers(10)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    first = sending.send_batch(issue.pk)
    assert (first.claimed, first.sent) == (10, 5)
    due = Delivery.objects.filter(
        issue=issue, status="queued", available_at__lte=timezone.now()
    )
    assert due.count() == 5
    assert sending.send_batch(issue.pk).sent == 5
    assert len(recipients()) == 10


def test_smtp_down_keeps_every_delivery_queued_until_it_returns(run_tasks, troubled):
    """Nothing is lost or counted against anyone while the server is down."""
    make_confirmed_subscribers(30)
    issue = IssueFactory()
    troubled.down = True
    run_tasks(services.issue_send, issue=issue)
    assert not mail.outbox
    assert (
        Delivery.objects.filter(issue=issue, status="queued", attempts=0).count() == 30
    )
    troubled.down = False
    make_everything_due(issue)
    run_tasks(services.issue_resume, issue=issue)
    assert len(recipients()) == 30
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_temporary_refusals_are_retried_with_backoff_then_failed(
    run_tasks, troubled, settings
):
    """A 4xx refusal waits and retries; after the last attempt the delivery is
    failed with the error, and the issue finishes."""
    make_confirmed_subscribers(3)
    troubled.refuse = {"bulk1@example.com": 451}
    issue = IssueFactory()
    run_tasks(services.issue_send, issue=issue)
    delivery = Delivery.objects.get(subscriber__email="bulk1@example.com")
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.available_at > timezone.now() + datetime.timedelta(seconds=50)
    for _ in range(settings.NEWSLETTER_MAX_ATTEMPTS - 1):
        make_everything_due(issue)
        run_tasks(services.issue_resume, issue=issue)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempts == settings.NEWSLETTER_MAX_ATTEMPTS
    assert "SMTPRecipientsRefused" in delivery.error
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count, issue.failed_count) == ("sent", 2, 1)


def test_a_permanent_refusal_fails_at_once_and_marks_the_address_bounced(
    run_tasks, troubled
):
    make_confirmed_subscribers(2)
    troubled.refuse = {"bulk0@example.com": 550}
    issue = IssueFactory()
    run_tasks(services.issue_send, issue=issue)
    delivery = Delivery.objects.get(subscriber__email="bulk0@example.com")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert Subscriber.objects.get(email="bulk0@example.com").status == "bounced"


def test_readers_who_leave_before_their_turn_are_skipped(run_tasks):
    make_confirmed_subscribers(3)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    Issue.objects.filter(pk=issue.pk).update(deliveries_created_at=timezone.now())
    services.subscription_unsubscribe(
        subscriber=Subscriber.objects.get(email="bulk2@example.com")
    )
    run_tasks(services.issue_resume, issue=issue)
    assert "bulk2@example.com" not in recipients()
    skipped = Delivery.objects.get(subscriber__email="bulk2@example.com")
    assert (skipped.status, skipped.error) == ("failed", sending.SKIPPED_ERROR)


def test_throttle_holds_sends_to_the_rate_per_minute(run_tasks, settings, monkeypatch):
    """With a limit of 3 a minute, the 4th and 7th sends wait for the next minute."""
    settings.NEWSLETTER_SEND_RATE_PER_MINUTE = 3
    clock = {"now": 6000.0}
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(sending, "_clock", lambda: clock["now"])
    monkeypatch.setattr(sending, "_sleep", sleep)
    make_confirmed_subscribers(7)
    run_tasks(services.issue_send, issue=IssueFactory())
    assert len(mail.outbox) == 7
    assert len(waits) == 2
    assert all(0 < wait <= 60.05 for wait in waits)


def test_creating_deliveries_again_adds_no_duplicates():
    """The bulk insert is safe to repeat (a crash during preparation)."""
    make_confirmed_subscribers(20)
    issue = IssueFactory()
    assert sending.create_deliveries(issue) == 20
    assert sending.create_deliveries(issue) == 0
    assert Delivery.objects.filter(issue=issue).count() == 20


def test_progress_counts_sent_queued_and_failed(run_tasks, troubled):
    make_confirmed_subscribers(4)
    troubled.refuse = {"bulk3@example.com": 550}
    issue = IssueFactory()
    run_tasks(services.issue_send, issue=issue)
    progress = Issue.objects.get(pk=issue.pk).progress()
    assert {key: progress[key] for key in ["total", "sent", "failed", "queued"]} == {
        "total": 4,
        "sent": 3,
        "failed": 1,
        "queued": 0,
    }
    assert (progress["done"], progress["state"]) == (4, "sent")


def test_a_second_claim_does_not_retake_held_deliveries():
    """Claims are exclusive: a second sender gets the next rows, then nothing."""
    make_confirmed_subscribers(150)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    first = {d.pk for d in sending.claim_batch(issue.pk, 100)}
    second = {d.pk for d in sending.claim_batch(issue.pk, 100)}
    third = sending.claim_batch(issue.pk, 100)
    assert len(first) == 100 and len(second) == 50
    assert not first & second
    assert third == []


def test_an_unexpected_error_on_one_message_does_not_stop_the_batch(
    run_tasks, troubled
):
    """A message that fails in an unforeseen way counts an attempt and waits; the
    rest of the batch goes out."""
    make_confirmed_subscribers(4)
    troubled.crash = {"bulk1@example.com"}
    issue = IssueFactory()
    run_tasks(services.issue_send, issue=issue)
    assert len(mail.outbox) == 3
    broken = Delivery.objects.get(subscriber__email="bulk1@example.com")
    assert (broken.status, broken.attempts) == ("queued", 1)
    assert "UnicodeEncodeError" in broken.error


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent transactions (SKIP LOCKED); SQLite serialises",
)
@pytest.mark.django_db(transaction=True)
def test_two_senders_never_claim_the_same_deliveries():
    """Two workers claiming at the same moment, each on its own connection, again
    and again until nothing is left: no delivery is claimed twice, none is missed."""
    make_confirmed_subscribers(300)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    barrier = threading.Barrier(2)
    claims: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def sender(index: int) -> None:
        try:
            barrier.wait()
            while batch := sending.claim_batch(issue.pk, 20):
                claims[index].extend(d.pk for d in batch)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    first, second = claims
    assert first and second, "both senders took part"
    assert not set(first) & set(second)
    assert len(first) + len(second) == 300
    assert set(first) | set(second) == set(
        Delivery.objects.filter(issue=issue).values_list("pk", flat=True)
    )


def test_a_slow_sender_skips_what_another_took_when_its_lease_ran_out(
    run_tasks, monkeypatch
):
    """A batch so slow that its lease runs out after the first message: another
    sender takes the rest and sends it. The slow one sends none of those again,
    and nobody gets the issue twice."""
    make_confirmed_subscribers(5)
    issue = IssueFactory()
    services.issue_send(issue=issue, enqueue=False)
    sending.create_deliveries(issue)
    Issue.objects.filter(pk=issue.pk).update(deliveries_created_at=timezone.now())
    mark_sent = sending._mark_sent
    overtaken = []

    def mark_then_stall(delivery):
        done = mark_sent(delivery)
        if not overtaken:
            overtaken.append(delivery.pk)
            make_everything_due(issue)  # ...the lease ran out meanwhile
            sending.send_batch(issue.pk)  # the other sender
        return done

    monkeypatch.setattr(sending, "_mark_sent", mark_then_stall)
    result = sending.send_batch(issue.pk)
    assert result.sent == 1
    counts = recipients()
    assert len(counts) == 5 and set(counts.values()) == {1}
    assert Delivery.objects.filter(issue=issue, status="sent").count() == 5


def test_the_lease_covers_a_throttled_batch_for_every_parallel_chain(settings):
    """The chains share the rate: with 2 chains, a batch of 200 at 600 a minute
    needs 40 s of sending, so the lease is a minute plus 40 s."""
    settings.NEWSLETTER_SEND_RATE_PER_MINUTE = 600
    settings.NEWSLETTER_BATCH_SIZE = 200
    settings.NEWSLETTER_PARALLEL_BATCHES = 2
    assert sending.lease_seconds() == 100
    settings.NEWSLETTER_PARALLEL_BATCHES = 4
    assert sending.lease_seconds() == 140


def test_an_issue_with_an_unpublished_article_is_refused_naming_it(
    run_tasks, admin_client_for_sending
):
    """A draft (or a scheduled article not yet due) chosen for the issue: sending is
    refused with a message naming it, in the service and on the admin's send page,
    and nothing goes out."""
    make_confirmed_subscribers(2)
    draft = ArticleFactory(title="Secret scoop", status="draft", published_at=None)
    later = ArticleFactory(
        title="Tomorrow's story",
        status="scheduled",
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    issue = IssueFactory(articles=[ArticleFactory(title="Public story"), draft, later])
    expected = services.ISSUE_UNPUBLISHED.format(
        titles="“Secret scoop”, “Tomorrow's story”"
    )
    with pytest.raises(services.IssueError) as excinfo:
        run_tasks(services.issue_send, issue=issue)
    assert str(excinfo.value) == expected
    page = admin_client_for_sending.get(
        reverse("admin:newsletter_issue_send", args=[issue.pk])
    )
    assert escape(expected) in page.content.decode()
    assert not mail.outbox
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT


def test_an_article_unpublished_during_sending_is_left_out_of_the_email(run_tasks):
    """Only what readers may see is rendered: an article taken down after the send
    began is not in the emails still to go."""
    make_confirmed_subscribers(1)
    kept = ArticleFactory(title="Public story")
    withdrawn = ArticleFactory(title="Withdrawn story")
    issue = IssueFactory(articles=[kept, withdrawn])
    services.issue_send(issue=issue, enqueue=False)
    withdrawn.status = "draft"
    withdrawn.save()
    run_tasks(services.issue_resume, issue=issue)
    message = mail.outbox[0]
    assert "Public story" in message.body
    assert "Withdrawn story" not in message.body
    assert "Withdrawn story" not in message.alternatives[0][0]
    assert list(issue.ordered_articles()) == [kept]
