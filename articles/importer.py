"""Import articles from Markdown files with YAML front matter.

Each file is validated completely before anything is written, and written in one
transaction, so a malformed file leaves the database exactly as it was. Re-importing
a file with the same slug updates the article in place.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from .cache import article_changed
from .models import Article, Author, FaqItem, FurtherReading, Section, Tag

REQUIRED_KEYS = ("title", "standfirst", "section")
KNOWN_KEYS = {
    "title", "slug", "standfirst", "section", "tags", "authors", "status",
    "published_at", "updated_at", "reader_question", "faq", "further_reading",
    "seo_title", "seo_description", "discussion_mode",
}  # fmt: skip


class ImportFileError(Exception):
    """A problem with one file, worded for the person who wrote it."""

    def __init__(self, path: Path, message: str, line: int | None = None):
        self.path, self.message, self.line = path, message, line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[ImportFileError] = field(default_factory=list)


def _split_front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ImportFileError(
            path, "the file must start with a '---' front matter line", 1
        )
    try:
        end = next(
            i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"
        )
    except StopIteration:
        raise ImportFileError(
            path, "the front matter is never closed with '---'", 1
        ) from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 2 if error.problem_mark else None
        raise ImportFileError(
            path, f"front matter is not valid YAML: {error.problem}", line
        ) from error
    if not isinstance(meta, dict):
        raise ImportFileError(
            path, "front matter must be a set of 'key: value' lines", 2
        )
    return meta, "\n".join(lines[end + 1 :]).strip() + "\n", end + 2


def _parse_date(path: Path, meta: dict, key: str) -> datetime | None:
    value = meta.get(key)
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is None:
        raise ImportFileError(path, f"{key} is not a date and time: {value!r}")
    if parsed.tzinfo is None:
        raise ImportFileError(path, f"{key} needs a time zone, e.g. {value}Z")
    return parsed


def _list_of_dicts(
    path: Path, meta: dict, key: str, fields: tuple[str, ...]
) -> list[dict]:
    items = meta.get(key) or []
    if not isinstance(items, list):
        raise ImportFileError(path, f"{key} must be a list")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or any(not item.get(name) for name in fields):
            raise ImportFileError(
                path, f"{key} entry {number} needs {' and '.join(fields)}"
            )
    return items


def parse_article_file(path: Path) -> dict:
    """Read and check one file; raise ImportFileError naming the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(path, f"cannot be read: {error}") from error
    meta, body, body_line = _split_front_matter(path, text)
    unknown = sorted(set(meta) - KNOWN_KEYS)
    if unknown:
        raise ImportFileError(path, f"unknown front matter keys: {', '.join(unknown)}")
    for key in REQUIRED_KEYS:
        if not str(meta.get(key) or "").strip():
            raise ImportFileError(path, f"{key} is missing")
    if not body.strip():
        raise ImportFileError(path, "the article has no body", body_line)
    status = meta.get("status", Article.Status.DRAFT)
    if status not in Article.Status.values:
        raise ImportFileError(
            path, f"status must be one of {', '.join(Article.Status.values)}"
        )
    published_at = _parse_date(path, meta, "published_at")
    if status != Article.Status.DRAFT and published_at is None:
        raise ImportFileError(path, f"a {status} article needs published_at")
    tags = meta.get("tags") or []
    if not isinstance(tags, list):
        raise ImportFileError(path, "tags must be a list, e.g. [Ukraine, Diplomacy]")
    authors = meta.get("authors") or []
    if not isinstance(authors, list):
        raise ImportFileError(path, "authors must be a list")
    authors = [{"name": a} if isinstance(a, str) else a for a in authors]
    _list_of_dicts(path, {"authors": authors}, "authors", ("name",))
    return {
        "title": str(meta["title"]).strip(),
        "slug": str(meta.get("slug") or slugify(meta["title"])),
        "standfirst": str(meta["standfirst"]).strip(),
        "section": str(meta["section"]).strip(),
        "tags": [str(tag).strip() for tag in tags],
        "authors": authors,
        "status": status,
        "published_at": published_at,
        "updated_at": _parse_date(path, meta, "updated_at"),
        "reader_question": str(meta.get("reader_question") or "").strip(),
        "seo_title": str(meta.get("seo_title") or ""),
        "seo_description": str(meta.get("seo_description") or ""),
        "discussion_mode": meta.get("discussion_mode", Article.DiscussionMode.OPEN),
        "faq": _list_of_dicts(path, meta, "faq", ("question", "answer")),
        "further_reading": _list_of_dicts(
            path, meta, "further_reading", ("title", "url")
        ),
        "body": body,
    }


@transaction.atomic
def article_import(*, data: dict) -> tuple[Article, bool]:
    """Create or update one article (by slug) with its FAQ and further reading."""
    section, _ = Section.objects.get_or_create(
        slug=slugify(data["section"]), defaults={"name": data["section"]}
    )
    article = Article.objects.filter(slug=data["slug"]).first()
    created = article is None
    article = article or Article(slug=data["slug"])
    for name in (
        "title", "standfirst", "status", "published_at", "updated_at", "body",
        "reader_question", "seo_title", "seo_description", "discussion_mode",
    ):  # fmt: skip
        setattr(article, name, data[name])
    article.section = section
    article.full_clean()
    article.save()
    article.tags.set(
        Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
        for name in data["tags"]
    )
    authors = []
    for entry in data["authors"]:
        author, _ = Author.objects.get_or_create(
            slug=slugify(entry["name"]), defaults={"name": entry["name"]}
        )
        if entry.get("role") and author.role != entry["role"]:
            author.role = entry["role"]
            author.save(update_fields=["role"])
        authors.append(author)
    article.authors.set(authors)
    article.faq_items.all().delete()
    FaqItem.objects.bulk_create(
        FaqItem(article=article, question=i["question"], answer=i["answer"], position=n)
        for n, i in enumerate(data["faq"], start=1)
    )
    article.further_reading.all().delete()
    transaction.on_commit(lambda: article_changed(article.pk))
    for n, link in enumerate(data["further_reading"], start=1):
        item = FurtherReading(
            article=article, title=link["title"], url=link["url"], position=n
        )
        item.full_clean()
        item.save()
    return article, created


def import_article_files(paths: list[Path], *, only_new: bool = False) -> ImportResult:
    """Import each file on its own; with only_new, existing slugs are left alone."""
    result = ImportResult()
    for path in paths:
        try:
            data = parse_article_file(path)
            if only_new and Article.objects.filter(slug=data["slug"]).exists():
                result.skipped.append(data["slug"])
                continue
            try:
                article, created = article_import(data=data)
            except ValidationError as error:
                problems = "; ".join(
                    f"{name}: {' '.join(messages)}"
                    for name, messages in error.message_dict.items()
                )
                raise ImportFileError(path, problems) from error
        except ImportFileError as error:
            result.errors.append(error)
            continue
        (result.created if created else result.updated).append(article.slug)
    return result
