"""import_wordpress: a WordPress export (WXR 1.2) becomes articles, authors,
sections and tags; old links redirect; re-runs and dry runs change nothing; a bad
file is named with its line and column and nothing is written."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, Author, Section, Tag
from imports.models import ImportedItem, LegacyLink

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "data" / "wordpress.xml"


def run(*args) -> str:
    out = StringIO()
    call_command("import_wordpress", *map(str, args), stdout=out)
    return out.getvalue()


def row_counts() -> list[int]:
    models = [Article, Author, Section, Tag, LegacyLink, ImportedItem]
    return [model.objects.count() for model in models]


def test_posts_come_across_with_their_structure_dates_and_people():
    report = run(EXPORT)
    assert "Articles: 2 imported, 0 updated, 0 unchanged." in report
    article = Article.objects.get(slug="council-votes")
    assert article.title == "Council votes on the new budget"
    assert article.standfirst == "The budget passed after a long night."
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime.datetime(
        2024, 5, 1, 8, 30, tzinfo=datetime.UTC
    )
    assert article.updated_at == datetime.datetime(
        2024, 5, 2, 10, 0, tzinfo=datetime.UTC
    )
    assert article.section.name == "Politics"
    assert [t.name for t in article.tags.all()] == ["Elections"]
    assert [a.name for a in article.authors.all()] == ["María Gómez"]
    body = article.body_html
    assert "<h2" in body and "<li>Libraries stay open</li>" in body
    assert "<strong>7 to 4</strong>" in body and "<table>" in body
    assert "wp:paragraph" not in article.body  # block comments dropped
    assert "<figure><img" in body and "<figcaption>The town hall on Tuesday" in body
    assert 'href="https://video.example.com/watch?v=42"' in body  # [embed]
    assert "[gallery ids=" in body  # unknown shortcodes stay as text
    assert "<script" not in body and "alert(" not in body
    assert "onclick" not in body and "javascript:" not in body
    assert 'href="https://example.org/report"' in body


def test_drafts_stay_drafts_in_local_time_and_private_trash_pages_are_reported():
    report = run(EXPORT)
    draft = Article.objects.get(title="Draft: the harbour plan")
    assert draft.status == Article.Status.DRAFT
    assert draft.slug == "draft-the-harbour-plan"
    # No GMT date in the export: its local date is read in the site's time zone.
    assert draft.published_at == timezone.make_aware(datetime.datetime(2024, 6, 1, 10))
    assert "Skipped: 1 posts private." in report
    assert "Skipped: 1 posts in the trash." in report
    assert "Skipped: 1 pages (use --include-pages)." in report
    assert not Article.objects.filter(title__in=["Private memo", "Binned", "About us"])
    assert run(EXPORT, "--include-pages").count("1 imported") == 1
    assert Article.objects.filter(slug="about").exists()


def test_section_from_tags():
    run(EXPORT, "--section-from", "tags")
    article = Article.objects.get(slug="council-votes")
    assert article.section.slug == "elections"
    assert [t.slug for t in article.tags.all()] == ["politics"]


def test_old_links_answer_301_to_the_new_article(client):
    run(EXPORT)
    article = Article.objects.get(slug="council-votes")
    for old in ["/2024/05/01/council-votes/", "/?p=101"]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == article.get_absolute_url()
    assert client.get("/?p=999").status_code in (200, 302)  # unknown: the home page
    assert client.get("/?p=²").status_code in (200, 302)
    assert client.get("/2024/05/01/nothing-here/").status_code == 404
    assert LegacyLink.objects.filter(article=article).count() == 2


def test_a_rerun_changes_nothing_and_says_so():
    run(EXPORT)
    before = row_counts()
    report = run(EXPORT)
    assert "Articles: 0 imported, 0 updated, 2 unchanged." in report
    assert "Nothing to change" in report
    assert row_counts() == before


def test_a_newer_export_updates_what_changed(tmp_path):
    run(EXPORT)
    newer = tmp_path / "newer.xml"
    text = EXPORT.read_text()
    text = text.replace("2024-05-02 10:00:00", "2024-05-03 10:00:00")
    text = text.replace("Council votes on the new budget", "Council passes budget")
    newer.write_text(text)
    report = run(newer)
    assert "Articles: 0 imported, 1 updated, 1 unchanged." in report
    assert Article.objects.get(slug="council-votes").title == "Council passes budget"
    assert Article.objects.count() == 2  # matched by the WordPress id


def test_a_newer_export_refreshes_the_cached_page_of_what_it_changed(
    client, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run(EXPORT)
    """A body corrected at the old site reaches readers: the article's cached
    pages (here and at the edge) are refreshed, not only the listings."""
    url = Article.objects.get(slug="council-votes").get_absolute_url()
    assert "voted <strong>7 to 4</strong>" in client.get(url).text
    newer = tmp_path / "newer.xml"
    text = EXPORT.read_text().replace("2024-05-02 10:00:00", "2024-05-03 10:00:00")
    newer.write_text(text.replace("<strong>7 to 4</strong>", "<strong>8 to 3</strong>"))

    with django_capture_on_commit_callbacks(execute=True):
        run(newer)

    assert "voted <strong>8 to 3</strong>" in client.get(url).text


def test_a_dry_run_writes_nothing_and_reports_what_an_import_would_do():
    report = run(EXPORT, "--dry-run")
    assert report.splitlines() == [  # as docs/importing.md shows it
        "Dry run: nothing was written. An import would do this:",
        "Articles: 2 imported, 0 updated, 0 unchanged.",
        "Authors: 2 new. Old links redirected: 3 new.",
        "Images: those of 1 article are fetched from the old site in the background.",
        "Skipped: 1 pages (use --include-pages).",
        "Skipped: 1 posts in the trash.",
        "Skipped: 1 posts private.",
    ]
    assert not Article.objects.exists()
    assert not LegacyLink.objects.exists() and not Author.objects.exists()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda t: t.replace("</item>", "</itm>", 1), ": not well-formed XML"),
        (lambda t: t[: len(t) // 2], ": not well-formed XML"),
    ],
)
def test_a_malformed_file_is_named_with_its_line_and_nothing_is_written(
    tmp_path, damage, expected
):
    broken = tmp_path / "broken.xml"
    broken.write_text(damage(EXPORT.read_text()))
    with pytest.raises(CommandError) as error:
        run(broken)
    message = str(error.value)
    assert message.startswith(f"{broken}:")
    line, column = message.split(":")[1:3]
    assert int(line) > 1 and int(column) >= 0
    assert expected in message
    assert not Article.objects.exists()  # the first item was fine: still nothing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '<?xml version="1.0"?><disqus xmlns="http://disqus.com"></disqus>',
            "this is a Disqus export",
        ),
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
            "<item><title>A</title></item></channel></rss>",
            "an RSS feed, not a WordPress export",
        ),
        ('<?xml version="1.0"?><html></html>', "its root element is <html>"),
        (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>',
            "declares XML entities",
        ),
    ],
)
def test_a_file_of_the_wrong_kind_is_named_as_such(tmp_path, text, expected):
    path = tmp_path / "export.xml"
    path.write_text(text)
    with pytest.raises(CommandError, match=expected):
        run(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot be read"):
        run(tmp_path / "nope.xml")


@pytest.mark.slow
def test_a_2000_post_export_imports_whole(tmp_path):
    """Every post of a large export arrives (memory is measured by
    bench/wordpress_import.py, not here)."""
    text = EXPORT.read_text()
    start = text.index("<item>")
    end = text.index("</item>") + len("</item>")
    item = text[start:end]
    many = "".join(
        item.replace("<wp:post_id>101", f"<wp:post_id>{1000 + n}").replace(
            "council-votes", f"council-votes-{n}"
        )
        for n in range(2000)
    )
    big = tmp_path / "big.xml"
    big.write_text(text[:start] + many + text[end:])
    report = run(big)
    assert "Articles: 2001 imported" in report
    assert Article.objects.filter(slug__startswith="council-votes-").count() == 2000
