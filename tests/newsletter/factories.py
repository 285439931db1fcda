import factory
from django.utils import timezone

from newsletter.models import Issue, IssueArticle, Newsletter, Subscriber
from tests.articles.factories import ArticleFactory


def daily() -> Newsletter:
    """The default newsletter, made by a data migration. Transactional tests
    flush the database afterwards, so tests that run later create it again."""
    return Newsletter.objects.get_or_create(
        slug="daily-briefing",
        defaults={"name": "Daily briefing", "is_default": True, "position": 0},
    )[0]


def weekly() -> Newsletter:
    return Newsletter.objects.get_or_create(
        slug="weekly-analysis", defaults={"name": "Weekly analysis", "position": 1}
    )[0]


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"subscriber{n}@example.com")
    status = Subscriber.Status.CONFIRMED
    confirmed_at = factory.LazyFunction(timezone.now)
    source = "/newsletter/"

    @factory.post_generation
    def newsletters(self, create, extracted, **kwargs):
        if create:
            self.newsletters.set(extracted if extracted is not None else [daily()])


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue
        skip_postgeneration_save = True

    newsletter = factory.LazyFunction(daily)
    subject = factory.Sequence(lambda n: f"Morning briefing number {n}")
    preheader = "What matters today."
    intro = "Good morning. **Three stories** today."

    @factory.post_generation
    def articles(self, create, extracted, **kwargs):
        if not create:
            return
        articles = extracted if extracted is not None else [ArticleFactory()]
        for position, article in enumerate(articles, start=1):
            IssueArticle.objects.create(issue=self, article=article, position=position)


def make_confirmed_subscribers(count: int, newsletter=None) -> list[Subscriber]:
    """Many confirmed subscribers at once (bulk inserts, for the sending tests)."""
    newsletter = newsletter or daily()
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"bulk{i}@example.com",
            status=Subscriber.Status.CONFIRMED,
            confirmed_at=now,
            source="import",
        )
        for i in range(count)
    )
    subscribers = list(Subscriber.objects.filter(email__startswith="bulk"))
    Through = Subscriber.newsletters.through
    Through.objects.bulk_create(
        Through(subscriber_id=s.pk, newsletter_id=newsletter.pk) for s in subscribers
    )
    return subscribers
