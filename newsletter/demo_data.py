"""Demo newsletter data: the three newsletters, a few subscribers, one draft issue.

Idempotent: a second run finds everything in place and changes nothing.
"""

from django.utils import timezone

from articles.models import Article

from .models import Issue, IssueArticle, Newsletter, Subscriber

NEWSLETTERS = [
    (
        "daily-briefing",
        "Daily briefing",
        True,
        "The day's most important stories, every weekday morning.",
    ),
    (
        "weekly-analysis",
        "Weekly analysis",
        False,
        "Our correspondents' long reads and analysis, every Saturday.",
    ),
    (
        "community-digest",
        "Community digest",
        False,
        "Every Friday: the week's top stories, the comments our editors picked "
        "from the discussion, and your questions answered.",
    ),
]
SUBSCRIBERS = [
    ("ada@example.com", Subscriber.Status.CONFIRMED, ["daily-briefing"]),
    (
        "grace@example.com",
        Subscriber.Status.CONFIRMED,
        ["daily-briefing", "weekly-analysis"],
    ),
    ("linus@example.com", Subscriber.Status.PENDING, ["weekly-analysis"]),
    ("margaret@example.com", Subscriber.Status.UNSUBSCRIBED, ["daily-briefing"]),
]
DEMO_ISSUE_SUBJECT = "This week: the Miami peace talks"


def load(*, stdout=None) -> list[dict]:
    newsletters = {}
    for position, (slug, name, is_default, description) in enumerate(NEWSLETTERS):
        newsletters[slug], _ = Newsletter.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "is_default": is_default,
                "description": description,
                "position": position,
            },
        )
    created = 0
    now = timezone.now()
    for email, status, slugs in SUBSCRIBERS:
        confirmed = status != Subscriber.Status.PENDING
        subscriber, new = Subscriber.objects.get_or_create(
            email=email,
            defaults={
                "status": status,
                "source": "/newsletter/",
                "consent_text": "Demo subscriber.",
                "consent_at": now if confirmed else None,
                "confirmed_at": now if confirmed else None,
                "unsubscribed_at": now
                if status == Subscriber.Status.UNSUBSCRIBED
                else None,
            },
        )
        if new:
            subscriber.newsletters.set([newsletters[slug] for slug in slugs])
            created += 1
    issue, new_issue = Issue.objects.get_or_create(
        subject=DEMO_ISSUE_SUBJECT,
        defaults={
            "newsletter": newsletters["daily-briefing"],
            "preheader": "Negotiators meet in Miami; what to watch for.",
            "intro": "Good morning. Here is **what matters** this week.",
        },
    )
    if new_issue:
        IssueArticle.objects.bulk_create(
            IssueArticle(issue=issue, article=article, position=position)
            for position, article in enumerate(
                Article.objects.published().order_by("-published_at")[:5], start=1
            )
        )
    if stdout is not None:
        stdout.write(
            f"Newsletter: {created} demo subscribers created, draft issue "
            f"{'created' if new_issue else 'already there'} "
            f"(admin: /admin/newsletter/issue/{issue.pk}/change/)."
        )
    return []
