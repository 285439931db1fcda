"""Personal data (download, deletion) and the demo loader."""

import io

import pytest
from allauth.account.models import EmailAddress

from accounts.privacy import erasers, exporters
from newsletter import demo_data
from newsletter.models import Issue, Newsletter, Subscriber
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory
from tests.newsletter.factories import SubscriberFactory, weekly

pytestmark = pytest.mark.django_db


def verified_user():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True)
    return user


def test_download_my_data_includes_the_subscription():
    user = verified_user()
    SubscriberFactory(email=user.email, newsletters=[weekly()])
    SubscriberFactory(email="someone-else@example.com")
    data = exporters()["subscriptions"](user)
    assert len(data) == 1
    assert data[0]["email"] == user.email
    assert data[0]["newsletters"] == ["Weekly analysis"]
    assert data[0]["status"] == "confirmed"


def test_deleting_the_account_deletes_its_subscription():
    """Nothing of a deleted reader stays behind: their subscription goes too."""
    user = verified_user()
    linked = SubscriberFactory(email="old-address@example.com", user=user)
    by_address = SubscriberFactory(email=user.email)
    other = SubscriberFactory(email="other@example.com")
    for erase in erasers():
        erase(user)
    user.delete()
    assert list(Subscriber.objects.all()) == [other]
    assert not Subscriber.objects.filter(pk__in=[linked.pk, by_address.pk]).exists()


def test_an_unverified_address_never_exposes_or_erases_someone_elses_list():
    user = UserFactory(email="victim@example.com")
    SubscriberFactory(email="victim@example.com")
    assert exporters()["subscriptions"](user) == []
    for erase in erasers():
        erase(user)
    assert Subscriber.objects.filter(email="victim@example.com").exists()


def test_demo_data_is_idempotent():
    ArticleFactory()
    demo_data.load(stdout=io.StringIO())
    counts = (
        Newsletter.objects.count(),
        Subscriber.objects.count(),
        Issue.objects.count(),
    )
    issue = Issue.objects.get(subject=demo_data.DEMO_ISSUE_SUBJECT)
    assert issue.status == "draft" and issue.items.count() == 1
    demo_data.load(stdout=io.StringIO())
    assert counts == (3, 4, 1)  # daily, weekly and the community digest
    assert (
        Newsletter.objects.count(),
        Subscriber.objects.count(),
        Issue.objects.count(),
    ) == counts
