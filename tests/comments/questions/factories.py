import factory

from comments.questions.models import ReaderQuestion
from tests.articles.factories import ArticleFactory
from tests.comments.factories import VerifiedUserFactory


class ReaderQuestionFactory(factory.django.DjangoModelFactory):
    """A question saved directly (no rules): for reading and editor tests."""

    class Meta:
        model = ReaderQuestion

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(VerifiedUserFactory)
    text = factory.Sequence(lambda n: f"What happens next in case {n}?")
    status = ReaderQuestion.Status.APPROVED
