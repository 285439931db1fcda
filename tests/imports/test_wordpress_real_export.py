"""import_wordpress on a file WordPress itself wrote (6.1, Debian's package; made by
bench/wordpress_fixture/make_export.sh): posts, dates across time zones, and the
comments with every status, threading, people and pingbacks."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article
from comments.models import Comment, UnclaimedProfile
from imports.models import ImportedItem, LegacyLink
from tests.accounts.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "data" / "wordpress-real.xml"
UTC = datetime.UTC


def run(*args) -> str:
    out = StringIO()
    call_command("import_wordpress", *map(str, args), stdout=out)
    return out.getvalue()


def comments_by_id() -> dict[str, Comment]:
    return {
        item.source_id: item.comment
        for item in ImportedItem.objects.filter(
            source="wordpress", kind="comment"
        ).select_related("comment", "comment__author")
    }


@pytest.fixture
def imported(settings):
    settings.COMMENTS_MAX_DEPTH = 3
    maria = VerifiedUserFactory(email="maria@example.com", display_name="María G.")
    report = run(EXPORT)
    return report, comments_by_id(), maria


def test_posts_statuses_and_dates_as_wordpress_wrote_them(imported):
    report, _, _ = imported
    hello = Article.objects.get(slug="hello-from-wordpress")
    assert hello.published_at == datetime.datetime(2024, 3, 10, 8, 30, tzinfo=UTC)
    assert hello.standfirst == "A post written in the block editor."
    assert "<h2" in hello.body_html and "<table>" in hello.body_html
    assert "<script" not in hello.body_html and "[gallery" in hello.body_html
    threaded = Article.objects.get(slug="comments-threaded")
    # Local 2025-01-01 00:30 in Madrid is 2024-12-31 23:30 GMT.
    assert threaded.published_at == datetime.datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    assert Article.objects.get(title="Unfinished draft").status == Article.Status.DRAFT
    scheduled = Article.objects.get(slug="scheduled-for-later")
    assert scheduled.status == Article.Status.SCHEDULED
    assert not Article.objects.filter(title__in=["Private notes", "Deleted post"])
    assert "Skipped: 1 posts private." in report
    assert "Skipped: 1 posts in the trash." in report
    assert "Skipped: 1 pages (use --include-pages)." in report
    assert (
        LegacyLink.objects.get(path="/2024/03/hello-from-wordpress/").article == hello
    )


def test_comment_statuses_threads_and_text(imported):
    report, by_id, maria = imported
    status = {sid: c.status for sid, c in by_id.items()}
    assert status["1"] == status["2"] == Comment.Status.APPROVED
    assert status["6"] == Comment.Status.PENDING
    assert status["7"] == Comment.Status.SPAM
    assert status["8"] == Comment.Status.DELETED  # trashed, with an approved reply
    assert "10" not in by_id  # trashed, nobody replied
    assert by_id["9"].parent == by_id["8"]
    # 1 ← 2 ← 3 ← 4 ← 5: the fourth and fifth levels answer "in reply to".
    assert [by_id[n].depth for n in "12345"] == [1, 2, 3, 3, 3]
    assert by_id["4"].parent == by_id["2"] and by_id["4"].reply_to == by_id["3"]
    assert by_id["5"].reply_to == by_id["4"]
    assert all(by_id[n].root == by_id["1"] for n in "2345")
    # WordPress keeps comments as typed: paragraphs and line breaks come back.
    assert by_id["2"].body_html.count("<p>") >= 2 and "<br" in by_id["2"].body_html
    html = by_id["11"].body_html
    assert "<em>really</em>" in html and "<strong>useful</strong>" in html
    assert 'href="https://docs.example.org/faq/" rel="nofollow ugc noopener"' in html
    assert "<script" not in html and "xss" not in html
    assert by_id["1"].created == datetime.datetime(2025, 1, 2, 9, 0, tzinfo=UTC)
    assert "Skipped: 1 pingbacks (use --include-pingbacks)." in report
    assert "Skipped: 1 trackbacks (use --include-pingbacks)." in report
    assert "Skipped: 1 deleted comments nobody replied to." in report


def test_commenters_become_profiles_guests_or_the_reader_they_are(imported):
    _, by_id, maria = imported
    olena = UnclaimedProfile.objects.get(email="olena@example.org")
    assert olena.display_name == "Олена Коваленко"
    assert {by_id["1"].unclaimed_profile, by_id["3"].unclaimed_profile} == {olena}
    assert by_id["6"].guest_name == "Guest Reader" and by_id["6"].author is None
    assert by_id["6"].unclaimed_profile is None  # no address: a guest
    assert by_id["4"].guest_name == "A reader"  # "Edi\u200btor"
    assert by_id["13"].guest_name == "A reader"  # "Ｅｄｉｔｏｒ"
    assert by_id["5"].author == maria  # her address is verified here already


def test_the_discussion_reads_as_it_did(imported, client):
    _, by_id, _ = imported
    page = client.get(by_id["1"].article.get_absolute_url()).content.decode()
    assert "Олена Коваленко" in page and "Bob Reader" in page
    assert "This comment was deleted." in page and "Troll" not in page
    assert "Cheap Pills" not in page and "Guest Reader" not in page
    article = Article.objects.get(pk=by_id["1"].article_id)
    assert (
        article.comment_count
        == Comment.objects.filter(article=article).approved().count()
        == 6
    )


def test_pingbacks_when_asked_for(settings):
    report = run(EXPORT, "--include-pingbacks")
    by_id = comments_by_id()
    assert by_id["12"].status == Comment.Status.APPROVED
    assert by_id["12"].guest_name.startswith("Another Blog")
    assert by_id["14"].guest_name == "Planet Example"
    assert "pingbacks" not in report


def test_a_rerun_adds_nothing(imported):
    before = Comment.objects.count()
    report = run(EXPORT)
    assert Comment.objects.count() == before
    assert "Nothing to change" in report and "0 imported" in report


def test_an_author_with_a_byline_here_is_matched_by_email():
    """María already writes here: her account has the address WordPress knew, so
    her imported posts carry her existing byline instead of a second one."""
    from articles.models import Author
    from tests.accounts.factories import StaffUserFactory

    account = StaffUserFactory(email="maria@example.com", display_name="María G.")
    byline = Author.objects.create(name="María Gómez", slug="maria", user=account)
    run(EXPORT)
    hello = Article.objects.get(slug="hello-from-wordpress")
    assert list(hello.authors.all()) == [byline]
    assert Author.objects.filter(name="María Gómez").count() == 1
    assert Author.objects.filter(name="John Smith").count() == 1  # new, by login
