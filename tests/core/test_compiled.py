"""core.compiled: the SQL Django wrote, run again with other ids, answers what the
queryset itself would."""

import pytest
from django.db.models import Value

from comments.models import Comment, Reaction, Report
from comments.threads import marks_query, viewer_marks
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
    reported = CommentFactory(article=articles[0])
    Report.objects.create(user=readers[1], comment=reported, reason="spam")
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
            # The discussion's own compiled query: each reader's marks, each article.
            marks = viewer_marks(reader, article=article)
            assert marks.recommended == set(expected)
            assert marks.reported == (
                {reported.pk}
                if (article, reader) == (articles[0], readers[1])
                else set()
            )
            assert marks.owns_hidden == ((article, reader) == (articles[1], readers[0]))


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
