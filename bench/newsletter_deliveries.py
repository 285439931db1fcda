"""Time the creation of an issue's deliveries for 100,000 confirmed subscribers.

    uv run python bench/newsletter_deliveries.py [--subscribers 100000]

Uses DATABASE_URL when it is set (e.g. PostgreSQL); otherwise a throwaway SQLite
file, so the demo database is never touched. The rows it makes are removed at the
end. The budget (DESIGN.md) is 100,000 deliveries in under 60 seconds.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
BUDGET_SECONDS = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument(
        "--send",
        type=int,
        default=2000,
        help="Also send this many deliveries to an in-memory mailbox, to show the "
        "app's own cost per message (0 to skip).",
    )
    args = parser.parse_args()

    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.TemporaryDirectory()
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from newsletter.models import Delivery, Issue, Newsletter, Subscriber
    from newsletter.sending import create_deliveries

    call_command("migrate", verbosity=0, interactive=False)
    run = f"bench{int(time.time())}"
    newsletter = Newsletter.objects.create(name=run, slug=run)
    try:
        started = time.perf_counter()
        now = timezone.now()
        Subscriber.objects.bulk_create(
            (
                Subscriber(
                    email=f"{run}-{i}@example.invalid",
                    status=Subscriber.Status.CONFIRMED,
                    confirmed_at=now,
                    source="import",
                )
                for i in range(args.subscribers)
            ),
            batch_size=5000,
        )
        Through = Subscriber.newsletters.through
        ids = Subscriber.objects.filter(email__startswith=f"{run}-").values_list(
            "pk", flat=True
        )
        Through.objects.bulk_create(
            (Through(subscriber_id=pk, newsletter_id=newsletter.pk) for pk in ids),
            batch_size=5000,
        )
        setup = time.perf_counter() - started
        issue = Issue.objects.create(newsletter=newsletter, subject="Bench")

        started = time.perf_counter()
        created = create_deliveries(issue)
        elapsed = time.perf_counter() - started
        total = Delivery.objects.filter(issue=issue).count()
        again = time.perf_counter()
        create_deliveries(issue)  # a resumed preparation: no duplicates
        repeat = time.perf_counter() - again
        total_after = Delivery.objects.filter(issue=issue).count()
        send_rate = measure_sending(issue, args.send) if args.send else None
    finally:
        Delivery.objects.filter(issue__newsletter=newsletter).delete()
        Issue.objects.filter(newsletter=newsletter).delete()
        Subscriber.objects.filter(email__startswith=f"{run}-").delete()
        newsletter.delete()

    vendor = connection.vendor
    version = (
        ".".join(map(str, connection.Database.sqlite_version_info))
        if (vendor == "sqlite")
        else f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    )
    print(
        f"database: {vendor} {version} ({'temporary file' if tmp else 'DATABASE_URL'})"
    )
    print(f"setup (subscribers + memberships): {setup:.1f} s")
    print(
        f"deliveries created: {created:,} (rows: {total:,}) in {elapsed:.2f} s "
        f"= {total / elapsed:,.0f} rows/s; budget {BUDGET_SECONDS} s"
    )
    print(f"running it again added {total_after - total} rows in {repeat:.2f} s")
    if send_rate:
        print(
            f"sending (rendering, signing links, marking sent; in-memory mailbox): "
            f"{send_rate:,.0f} messages/s per worker"
        )
    ok = total == args.subscribers and elapsed < BUDGET_SECONDS
    print("OK" if ok else "OVER BUDGET")
    if tmp:
        tmp.cleanup()
    return 0 if ok else 1


def measure_sending(issue, count: int) -> float:
    """Messages per second through the real batch code, SMTP left out."""
    from django.conf import settings
    from django.core import mail

    from newsletter.models import Delivery, Issue
    from newsletter.sending import send_batch

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_SEND_RATE_PER_MINUTE = 0
    mail.outbox = []
    keep = list(
        Delivery.objects.filter(issue=issue)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    Delivery.objects.filter(issue=issue).exclude(pk__in=keep).delete()
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENDING)
    started = time.perf_counter()
    while send_batch(issue.pk).claimed:
        pass
    elapsed = time.perf_counter() - started
    assert len(mail.outbox) == count, len(mail.outbox)
    return count / elapsed


if __name__ == "__main__":
    sys.exit(main())
