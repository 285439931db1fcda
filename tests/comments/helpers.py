"""Plain helpers that tests of the discussion and of reader questions import by
name (fixtures are in conftest.py; factories in factories.py)."""

from django.core.cache import caches
from django.urls import reverse

from accounts import privacy
from articles.context_processors import forget_sections
from articles.models import Article
from articles.page_cache import local_pages
from comments.models import Comment
from core.recent import Recent
from tests.accounts.factories import UserFactory
from tests.articles.factories import ArticleFactory


def post_url(article) -> str:
    return reverse("comments:post", kwargs={"article_id": article.pk})


def drawn_afresh() -> None:
    """Forget what this process drew (pages, the discussion's public part, the
    navigation), so the next request is a first render: query budgets are for that
    one. The cache stays: a signed-in reader's session lives there."""
    local_pages.clear()
    Recent.forget_all()
    forget_sections()
    caches["fragments"].clear()


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
