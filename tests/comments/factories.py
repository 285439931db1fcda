import factory
from allauth.account.models import EmailAddress

from comments.models import Comment
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory


class VerifiedUserFactory(UserFactory):
    """A reader with a confirmed email address who may take part."""

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, verified=True, primary=True
            )


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment saved directly (no rules, no counts): for reading tests."""

    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"A considered comment, number {n}.")
    status = Comment.Status.APPROVED
