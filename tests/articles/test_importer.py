"""manage.py import_articles: Markdown with front matter into articles."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article

GOOD = """---
title: "A good article"
slug: a-good-article
standfirst: "The summary."
section: World
tags: [Ukraine, Diplomacy]
authors:
  - name: Ann Writer
    role: Correspondent
status: published
published_at: 2026-01-02T10:00:00Z
faq:
  - question: "Why?"
    answer: "Because."
further_reading:
  - title: "A source"
    url: "https://example.org/"
---
The body.

::: pro-tip
Read it all.
:::
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run_import(*paths) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_articles", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_good_file_creates_article_with_everything(tmp_path):
    out, _ = run_import(write(tmp_path, "good.md", GOOD))
    assert "1 created, 0 updated, 0 failed" in out
    article = Article.objects.get(slug="a-good-article")
    assert article.section.name == "World"
    assert sorted(t.name for t in article.tags.all()) == ["Diplomacy", "Ukraine"]
    assert [a.name for a in article.authors.all()] == ["Ann Writer"]
    assert [f.question for f in article.faq_items.all()] == ["Why?"]
    assert [link.url for link in article.further_reading.all()] == [
        "https://example.org/"
    ]
    assert "callout-pro-tip" in article.body_html
    assert article in Article.objects.published()


@pytest.mark.django_db
def test_reimport_updates_by_slug_without_duplicates(tmp_path):
    path = write(tmp_path, "good.md", GOOD)
    run_import(path)
    path.write_text(GOOD.replace('"The summary."', '"A new summary."'))
    out, _ = run_import(path)
    assert "0 created, 1 updated" in out
    assert Article.objects.count() == 1
    article = Article.objects.get()
    assert article.standfirst == "A new summary."
    assert article.faq_items.count() == 1


@pytest.mark.django_db
def test_malformed_front_matter_names_file_and_line_and_imports_nothing(tmp_path):
    bad = write(
        tmp_path, "bad.md", GOOD.replace("tags: [Ukraine, Diplomacy]", "tags: [oops")
    )
    good = write(tmp_path, "good.md", GOOD.replace("a-good-article", "other"))
    with pytest.raises(CommandError, match="1 file"):
        run_import(bad, good)
    assert not Article.objects.filter(slug="a-good-article").exists()
    assert Article.objects.filter(slug="other").exists()


@pytest.mark.django_db
def test_malformed_file_error_message(tmp_path):
    bad = write(
        tmp_path, "bad.md", GOOD.replace("tags: [Ukraine, Diplomacy]", "tags: [oops")
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(bad), stdout=StringIO(), stderr=err)
    message = err.getvalue()
    assert f"{bad}:" in message
    assert "not valid YAML" in message
    assert ":7:" in message or ":8:" in message or ":9:" in message


@pytest.mark.django_db
def test_missing_title_is_refused(tmp_path):
    bad = write(tmp_path, "untitled.md", GOOD.replace('title: "A good article"\n', ""))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(bad), stdout=StringIO(), stderr=err)
    assert "untitled.md: title is missing" in err.getvalue()
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_invalid_url_in_further_reading_rolls_back_the_whole_file(tmp_path):
    bad = write(tmp_path, "bad.md", GOOD.replace("https://example.org/", "not a url"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(bad), stdout=StringIO(), stderr=err)
    assert "url" in err.getvalue()
    assert Article.objects.count() == 0


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_import(tmp_path / "nope.md")
