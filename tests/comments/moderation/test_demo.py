"""The demo's moderator, their two-factor secret and a queue to clear."""

import re
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator

from articles.models import Article
from comments import demo_data
from comments.models import Comment
from comments.moderation import queue as moderation
from tests.comments.moderation.helpers import group

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, monkeypatch):
    from articles.importer import import_article_files
    from articles.management.commands.demo import DEMO_CONTENT, ensure_demo_user

    monkeypatch.setattr(
        "articles.management.commands.demo.LOGINS_FILE", tmp_path / "logins.json"
    )
    import_article_files(sorted(DEMO_CONTENT.glob("*.md")))
    ensure_demo_user(
        email="editor@example.com",
        display_name="Demo Editor",
        role="Editor",
        is_staff=True,
        is_superuser=True,
    )
    group("Moderator")


def test_demo_has_a_moderator_with_2fa_and_a_queue_and_is_idempotent(demo):
    out = StringIO()
    logins = demo_data.load(stdout=out)
    moderator = next(x for x in logins if x["email"] == "moderator@example.com")
    user = moderator["user"]
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="Moderator").exists()
    assert user.check_password(moderator["password"])
    text = out.getvalue()
    assert "moderator@example.com" in text and "TOTP secret for" in text
    assert "editor@example.com" in text
    assert Authenticator.objects.filter(type="totp").count() == 2
    counts = moderation.counts()
    assert counts["pending"] >= 15 and counts["reported"] >= 3 and counts["held"] >= 5
    # What the demo prints is what the queue's tabs show.
    assert (
        f"Pending {counts['pending']} ({counts['held']} held by a rule, "
        f"{counts['pending'] - counts['held']} hidden by readers' reports), "
        f"Held by rule {counts['held']}, Reported {counts['reported']} " in text
    )
    before = (Comment.objects.count(), Authenticator.objects.count(), text)
    again = StringIO()
    demo_data.load(stdout=again)
    assert (Comment.objects.count(), Authenticator.objects.count()) == before[:2]
    secrets = re.findall(r"TOTP secret for \S+: (\w+)", text)
    assert len(secrets) == 2
    assert re.findall(r"TOTP secret for \S+: (\w+)", again.getvalue()) == secrets
    assert "already there" in again.getvalue()
    article = Article.objects.get(slug="europe-sanctions-debate-explained")
    assert (
        article.comment_count
        == Comment.objects.approved().filter(article=article).count()
    )
