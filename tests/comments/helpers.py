"""Plain helpers that tests of the discussion and of reader questions import by
name (fixtures are in conftest.py; factories in factories.py)."""

from django.urls import reverse

from accounts import privacy
from articles.models import Article
from comments.models import Comment
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory


def post_url(article) -> str:
    return reverse("comments:post", kwargs={"article_id": article.pk})


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def erase(user):
    for eraser in privacy.erasers():
        eraser(user)
    user.delete()


def _article_with_comments(count: int) -> Article:
    article = ArticleFactory()
    users = [UserFactory() for _ in range(5)]
    tops = Comment.objects.bulk_create(
        Comment(
            article=article,
            author=users[i % 5],
            body=f"Top {i}",
            body_html=f"<p>Top {i}</p>",
            status="approved",
        )
        for i in range(max(1, count // 2))
    )
    Comment.objects.bulk_create(
        Comment(
            article=article,
            author=users[i % 5],
            parent=tops[i % len(tops)],
            root=tops[i % len(tops)],
            depth=2,
            body=f"Reply {i}",
            body_html=f"<p>Reply {i}</p>",
            status="approved",
            is_editors_pick=i == 0,
        )
        for i in range(count - len(tops))
    )
    return article
