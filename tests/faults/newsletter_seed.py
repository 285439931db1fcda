"""Run by the newsletter fault tests inside `manage.py shell` against their own
PostgreSQL cluster: subscribers to send to, and issues to send."""

from django.utils.text import slugify

from newsletter import services
from tests.articles.factories import ArticleFactory
from tests.newsletter.factories import IssueFactory, make_confirmed_subscribers


def seed_subscribers(count: int) -> None:
    make_confirmed_subscribers(count)


def start_issue(subject: str) -> None:
    """An issue is sent from the admin: it only queues the work for the workers."""
    article = ArticleFactory(title=subject, slug=slugify(subject))
    services.issue_send(issue=IssueFactory(subject=subject, articles=[article]))
