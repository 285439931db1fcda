"""manage.py send_issue ID: send (or resume) an issue from this terminal.

Runs the same claim-and-send loop as the background batch tasks, in this process,
with a progress bar; it is safe beside running workers (they share the Delivery
table and never take the same rows). A draft is checked and started first.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from newsletter import services
from newsletter.models import Issue
from newsletter.sending import (
    create_deliveries,
    finish_if_done,
    next_available_at,
    send_batch,
)

BAR_WIDTH = 30


def progress_bar(progress: dict) -> str:
    total = progress["total"] or 1
    filled = int(BAR_WIDTH * progress["done"] / total)
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    percent = 100 * progress["done"] // total
    return (
        f"[{bar}] {percent:3d}%  {progress['sent']}/{progress['total']} sent, "
        f"{progress['failed']} failed"
    )


class Command(BaseCommand):
    help = "Send a newsletter issue (or resume one left sending), with progress."

    def add_arguments(self, parser):
        parser.add_argument("issue_id", type=int)
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Wait for deliveries scheduled for a retry instead of leaving "
            "them to the worker.",
        )

    def handle(self, *args, issue_id: int, wait: bool, **options):
        issue = Issue.objects.filter(pk=issue_id).first()
        if issue is None:
            raise CommandError(f"There is no issue {issue_id}.")
        if issue.status == Issue.Status.SENT:
            self.stdout.write(f"Issue {issue_id} was already sent.")
            self.stdout.write(progress_bar(issue.progress()))
            return
        if issue.status == Issue.Status.DRAFT:
            try:
                issue = services.issue_send(issue=issue, enqueue=False)
            except services.IssueError as error:
                raise CommandError(str(error)) from None
        if issue.deliveries_created_at is None:
            create_deliveries(issue)
            Issue.objects.filter(pk=issue.pk).update(
                deliveries_created_at=timezone.now(),
                recipients_count=issue.deliveries.count(),
            )
        self.stdout.write(f"Sending “{issue}” to {issue.deliveries.count()} readers.")
        self.loop(issue, wait=wait)

    def loop(self, issue: Issue, *, wait: bool) -> None:
        while True:
            result = send_batch(issue.pk)
            self.stdout.write("\r" + progress_bar(issue.progress()), ending="")
            self.stdout.flush()
            if result.claimed and not result.smtp_down:
                continue
            if finish_if_done(issue.pk):
                self.stdout.write("\nDone.")
                return
            when = next_available_at(issue.pk)
            if result.smtp_down:
                self.stdout.write("\nThe SMTP server cannot be reached.")
            if not wait:
                self.stdout.write(
                    f"\nSome deliveries wait for a retry at {when:%H:%M:%S}: a "
                    "worker will send them, or run this again with --wait."
                )
                return
            time.sleep(max(1.0, (when - timezone.now()).total_seconds()))
