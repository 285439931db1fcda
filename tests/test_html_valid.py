"""Every page type is valid HTML, as the W3C Nu Html Checker (vnu.jar, from npm's
`vnu-jar` with the machine's Java) reads it: the reader's pages signed out and
signed in (with a reply form open), the account and newsletter pages, the reader
questions, and the newsroom's admin pages.

The pages are rendered by the test client into a folder and checked in one run of
the checker (its start-up is the slow part). Without Java or vnu.jar the test is
skipped, except in CI (CI set), where it must run: `npm ci` installs it there.
"""

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import FrontPage
from comments.models import ModerationSettings, RotaShift
from comments.moderation import rota
from tests.accounts.factories import StaffUserFactory, VerifiedUserFactory
from tests.articles.factories import ArticleFactory
from tests.comments.factories import CommentFactory
from tests.comments.moderation.helpers import moderator
from tests.comments.questions.factories import ReaderQuestionFactory
from tests.newsletter.factories import daily, weekly

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker() -> list[str]:
    java = shutil.which("java")
    if java and VNU.exists():
        return [java, "-jar", str(VNU), "--errors-only", "--format", "gnu"]
    if os.environ.get("CI"):
        pytest.fail("CI must check HTML: install Java and run `npm ci` (vnu-jar)")
    pytest.skip("the Nu checker needs Java and `npm ci` (vnu-jar)")


@pytest.fixture
def pages(settings):
    """(name, client, path) for each page type."""
    daily(), weekly()
    reader = VerifiedUserFactory(display_name="Rita Reader")
    article = ArticleFactory(title="Harbour reopens", tags=[], authors=[])
    comment = CommentFactory(article=article, body="A *first* view.")
    CommentFactory(
        article=article, parent=comment, root=comment, depth=2, body="A reply."
    )
    ReaderQuestionFactory(article=article, author=reader, text="Who pays for it?")
    CommentFactory(  # with the trusted badge
        article=article, author=VerifiedUserFactory(trusted=True), body="Trusted."
    )
    rejected = CommentFactory(
        article=article,
        author=reader,
        status="rejected",
        rejection_reason="off-topic",
        mend_until=timezone.now() + datetime.timedelta(hours=3),
    )
    RotaShift.objects.create(
        moderation_settings=ModerationSettings.objects.get_or_create(pk=1)[0],
        weekday=0,
        starts=datetime.time(7),
        ends=datetime.time(23),
    )
    rota.rota_changed()
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(reader)
    mod, editor = Client(), Client()
    mod.force_login(moderator())
    editor.force_login(StaffUserFactory())
    front = FrontPage.current()
    return [
        ("front page", anonymous, "/"),
        ("article", anonymous, article.get_absolute_url()),
        ("article, signed in", signed_in, article.get_absolute_url()),
        ("reply form", signed_in, reverse("comments:reply", args=[comment.pk])),
        ("section", anonymous, article.section.get_absolute_url()),
        ("search", anonymous, reverse("articles:search") + "?q=harbour"),
        ("search, nothing found", anonymous, reverse("articles:search") + "?q=zzzz"),
        ("sign up", anonymous, reverse("account_signup")),
        ("sign in", anonymous, reverse("account_login")),
        ("settings", signed_in, reverse("accounts:settings")),
        ("profile", anonymous, reverse("accounts:profile", args=[reader.pk])),
        ("newsletters", anonymous, reverse("newsletter:index")),
        ("answered questions", anonymous, reverse("comments:questions_answered")),
        ("ask", signed_in, reverse("comments:question_ask")),
        ("my questions", signed_in, reverse("comments:questions_mine")),
        ("community guidelines", anonymous, reverse("comments:guidelines")),
        ("mend a comment", signed_in, reverse("comments:edit", args=[rejected.pk])),
        ("not found", anonymous, "/no-such-page/"),
        ("moderation queue", mod, reverse("admin:comments_moderation")),
        ("moderation dashboard", mod, reverse("admin:comments_dashboard")),
        ("admin: an article", editor, f"/admin/articles/article/{article.pk}/change/"),
        (
            "admin: the front page",
            editor,
            reverse("admin:articles_frontpage_change", args=[front.pk]),
        ),
        ("admin: an import", editor, reverse("admin:imports_importrun_add")),
    ]


def test_every_page_type_is_valid_html(pages, tmp_path):
    command = checker()
    files = {}
    for n, (name, client, path) in enumerate(pages):
        response = client.get(path)
        assert response.status_code in (200, 404), f"{name}: {response.status_code}"
        file = tmp_path / f"{n:02d}.html"
        file.write_bytes(response.content)
        files[file.name] = f"{name} ({path})"
    result = subprocess.run(
        [*command, *sorted(str(f) for f in tmp_path.glob("*.html"))],
        capture_output=True,
        text=True,
        timeout=180,
    )
    errors = []
    for line in result.stderr.splitlines():  # "file:/…/03.html":12.5-12.40: error: …
        if ": error: " not in line:
            continue
        where, message = line.split(": error: ", 1)
        file = where.split('"')[1].rsplit("/", 1)[-1]
        errors.append(f"{files[file]} line {where.rsplit(':', 1)[-1]}: {message}")
    assert errors == [], f"{len(errors)} errors:\n" + "\n".join(errors[:60])
