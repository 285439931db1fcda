"""The demo discussion: realistic, consistent counts, idempotent."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.db.models import Count, F, Q

from articles.models import Article
from comments import demo_data
from comments.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_article(tmp_path, monkeypatch):
    from articles.importer import import_article_files
    from articles.management.commands.demo import DEMO_CONTENT

    monkeypatch.setattr(
        "articles.management.commands.demo.LOGINS_FILE", tmp_path / "logins.json"
    )
    import_article_files(sorted(DEMO_CONTENT.glob("*.md")))
    return Article.objects.get(slug=demo_data.DEMO_ARTICLE)


def test_demo_discussion_is_consistent_and_idempotent(demo_article):
    logins = demo_data.load(stdout=StringIO())
    assert logins[0]["email"] == "commenter@example.com"
    assert logins[0]["user"].check_password(logins[0]["password"])
    comments = Comment.objects.filter(article=demo_article)
    total = comments.count()
    assert 180 <= total <= 230
    assert comments.filter(status="pending").exclude(hold_reason="").count() >= 3
    assert comments.filter(is_editors_pick=True, status="approved").count() == 1
    assert comments.filter(depth=3).exists()
    demo_article.refresh_from_db()
    assert demo_article.comment_count == comments.filter(status="approved").count()
    wrong_reply_counts = comments.annotate(
        approved_replies=Count("replies", filter=Q(replies__status="approved"))
    ).exclude(reply_count=F("approved_replies"))
    assert not wrong_reply_counts.exists()
    authors = {c.author for c in comments.select_related("author")}
    assert all(
        EmailAddress.objects.filter(user=a, verified=True).exists() for a in authors
    )
    demo_data.load(stdout=StringIO())
    assert Comment.objects.filter(article=demo_article).count() == total
