"""core.compiled: the SQL Django wrote, run again with other ids, answers what the
queryset itself would."""

import pytest
from django.db.models import Value

from comments.models import Comment, Reaction
from comments.threads import marks_query
from core.compiled import CompiledQuery
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_rows_are_the_querysets_rows_for_each_set_of_ids(django_assert_num_queries):
    articles = [ArticleFactory(), ArticleFactory()]
    readers = [UserFactory(), UserFactory()]
    for article in articles:
        for reader in readers:
            for comment in CommentFactory.create_batch(2, article=article):
                Reaction.objects.create(user=reader, comment=comment)
    CommentFactory(
        article=articles[1], author=readers[0], status=Comment.Status.PENDING
    )
    by_comment = CompiledQuery(
        lambda article, user: (
            Reaction.objects.filter(comment__article_id=article, user_id=user)
            .annotate(kind=Value(7))
            .order_by("comment_id")
            .values_list("comment_id", "kind")
        ),
        "article",
        "user",
    )
    for article in articles:
        for reader in readers:
            expected = list(
                Reaction.objects.filter(comment__article=article, user=reader)
                .order_by("comment_id")
                .values_list("comment_id", flat=True)
            )
            with django_assert_num_queries(1):
                rows = by_comment.rows(article=article.pk, user=reader.pk)
            assert rows == [(pk, 7) for pk in expected]
            assert len(rows) == 2
            # The discussion's own compiled query: the same for the marks.
            marks = marks_query.rows(article=article.pk, viewer=reader.pk)
            held = article == articles[1] and reader == readers[0]
            assert sorted(marks) == sorted(
                [(pk, 0) for pk in expected]
                + (
                    [(c.pk, 2) for c in Comment.objects.filter(status="pending")]
                    if held
                    else []
                )
            )


def test_a_query_that_does_not_use_a_value_it_names_is_refused():
    unused = CompiledQuery(
        lambda article, user: Reaction.objects.filter(user_id=user), "article", "user"
    )
    with pytest.raises(ValueError, match="article"):
        unused.rows(article=1, user=2)


def test_a_value_that_is_not_an_id_is_refused():
    """None would need IS NULL where the SQL says = %s: refused, not run."""
    with pytest.raises(TypeError, match="viewer"):
        marks_query.rows(article=1, viewer=None)
