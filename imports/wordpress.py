"""Reading a WordPress eXtended RSS export (WXR 1.1/1.2) and bringing its posts in.

The file is read twice, streaming (iterparse, each item cleared once read), so
memory does not grow with it: first to check it whole (a malformed file stops with
its line and column before anything is written), then to import, in one
transaction. A dry run imports and rolls back, so it reports exactly what an import
would do. Posts are matched by their WordPress id on a re-run (ImportedItem):
unchanged ones are left alone, modified ones updated.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET  # noqa: S405 (types and ParseError only)
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from articles.cache import articles_changed, listings_changed
from articles.models import Article, Author, Section, Tag

from .comments import (
    APPROVED,
    DELETED,
    PENDING,
    SPAM,
    CommentImport,
    CommentReport,
    IncomingComment,
)
from .images import outside_images
from .models import ImportedItem, LegacyLink

NAMESPACE_PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.SCHEDULED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
}
SKIPPED_STATUSES = {"private": "private", "trash": "in the trash"}
COMMENT_STATUSES = {
    "1": APPROVED,
    "0": PENDING,
    "spam": SPAM,
    "trash": DELETED,
    "post-trashed": DELETED,
}
PINGS = {"pingback", "trackback"}
PROGRESS_EVERY = 20  # items between two progress reports

Progress = Callable[[int, int], None]  # (items done, items in the file)
NO_DATE = "0000-00-00 00:00:00"


class ImportError_(Exception):  # noqa: N818 - "ImportError" is Python's own
    """A file that cannot be imported: the message names the file and the place."""


@dataclass
class Report:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    authors: int = 0
    links: int = 0
    images: int = 0  # articles whose images are fetched once committed
    comments: CommentReport | None = None

    def lines(self) -> list[str]:
        lines = [
            f"Articles: {self.imported} imported, {self.updated} updated, "
            f"{self.unchanged} unchanged.",
            f"Authors: {self.authors} new. Old links redirected: {self.links} new.",
        ]
        if self.images:
            lines.append(
                f"Images: those of {self.images} "
                f"article{'s' if self.images != 1 else ''} are fetched from the old "
                "site in the background."
            )
        lines += [f"Skipped: {n} {why}." for why, n in sorted(self.skipped.items())]
        if self.comments is not None:
            lines += self.comments.lines()
        new_comments = self.comments.imported if self.comments else 0
        if not (self.imported or self.updated or new_comments):
            lines.append("Nothing to change: everything in the file is here already.")
        return lines


def _name(tag: str) -> str:
    """'{uri}local' as 'prefix:local' (wp:, excerpt:, content:, dc:) or 'local'."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if uri.startswith("http://wordpress.org/export/"):
        return f"{'excerpt' if uri.endswith('/excerpt/') else 'wp'}:{local}"
    return f"{NAMESPACE_PREFIXES.get(uri, uri)}:{local}"


def _fields(element: ET.Element) -> dict:
    """An item's children: text by name; categories as (domain, nicename, name)."""
    data: dict = {"categories": [], "postmeta": {}, "comments": []}
    for child in element:
        name = _name(child.tag)
        if name == "category":
            data["categories"].append(
                (child.get("domain", ""), child.get("nicename", ""), child.text or "")
            )
        elif name == "wp:comment":
            data["comments"].append({_name(c.tag): (c.text or "") for c in child})
        elif name == "wp:postmeta":
            meta = {_name(c.tag): (c.text or "") for c in child}
            data["postmeta"][meta.get("wp:meta_key", "")] = meta.get("wp:meta_value")
        else:
            data[name] = child.text or ""
    return data


@contextmanager
def reading(path: Path, source: str):
    """What can go wrong reading an export, said with the file's name and place."""
    try:
        yield
    except ET.ParseError as error:
        line, column = error.position
        raise ImportError_(
            f"{path}:{line}:{column}: not well-formed XML ({str(error).split(':')[0]})"
        ) from None
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise ImportError_(
            f"{path}: declares XML entities or external references, which a "
            f"{source} export never does: refused."
        ) from None
    except OSError as error:
        raise ImportError_(f"{path}: cannot be read ({error.strerror})") from None


def read(path: Path):
    """Yield ('author', fields) and ('item', fields) from the export, streaming."""
    seen_version = False
    with reading(path, "WordPress"):
        events = iterparse(path, events=("start", "end"))
        _, root = next(events)
        root_name = _name(root.tag).rpartition(":")[2]
        if root_name == "disqus":
            raise ImportError_(
                f"{path}: this is a Disqus export, not a WordPress one: "
                "use import_disqus for it."
            )
        if root_name != "rss":
            raise ImportError_(
                f"{path}: not a WordPress export: its root element is <{root_name}>, "
                "expected <rss> with WordPress's export namespace."
            )
        channel = root
        for event, element in events:
            if event == "start":
                if _name(element.tag) == "channel":
                    channel = element
                continue
            name = _name(element.tag)
            if name == "wp:wxr_version":
                seen_version = True
            elif name in ("wp:author", "item"):
                yield ("author" if name == "wp:author" else "item"), _fields(element)
                # What is read is dropped: the channel keeps nothing it has yielded.
                channel.clear()
    if not seen_version:
        raise ImportError_(
            f"{path}: an RSS feed, not a WordPress export (no wp:wxr_version): "
            "export from WordPress's Tools → Export."
        )


CAPTION = re.compile(r"\[caption[^\]]*\](.*?)\[/caption\]", re.S)
EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S)
BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
IMAGE = re.compile(r"(<a [^>]*>\s*)?<img [^>]*>(\s*</a>)?", re.S)


def _caption(match: re.Match) -> str:
    inner = match.group(1)
    image = IMAGE.search(inner)
    if image is None:
        return inner
    text = (inner[: image.start()] + inner[image.end() :]).strip()
    return f"<figure>{image.group(0)}<figcaption>{text}</figcaption></figure>"


def _embed(match: re.Match) -> str:
    url = html.escape(match.group(1).strip(), quote=True)
    return f'<p><a href="{url}">{url}</a></p>'


def body_from_wordpress(content: str) -> str:
    """WordPress HTML as an article body: block comments dropped, [caption] and
    [embed] turned into their content, unknown shortcodes kept as text. The
    article's renderer sanitises it like any staff-written HTML."""
    content = BLOCK_COMMENT.sub("", content)
    content = CAPTION.sub(_caption, content)
    content = EMBED.sub(_embed, content)
    return re.sub(r"\n{3,}", "\n\n", content).strip()


def _date(fields: dict, key: str) -> datetime | None:
    """WordPress's GMT date, or its local one read in the site's time zone."""
    gmt = fields.get(f"wp:{key}_gmt", "")
    if gmt and gmt != NO_DATE:
        return datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    local = fields.get(f"wp:{key}", "")
    if local and local != NO_DATE:
        return timezone.make_aware(datetime.strptime(local, "%Y-%m-%d %H:%M:%S"))
    return None


def _alt_text(attachment: dict) -> str:
    """An attachment's alternative text: WordPress's own, else its caption, else
    its title unless that is just the file's name."""
    alt = attachment["postmeta"].get("_wp_attachment_image_alt") or ""
    caption = strip_tags(attachment.get("excerpt:encoded", ""))
    title = html.unescape(attachment.get("title", ""))
    if re.search(r"\.(jpe?g|png|gif|webp)$", title, re.I):
        title = ""
    return " ".join((alt or caption or title).split())


def _unique_slug(model, wanted: str, *, keep=None) -> str:
    slug, n = wanted, 2
    taken = model.objects.exclude(pk=getattr(keep, "pk", None))
    while taken.filter(slug=slug).exists():
        slug = f"{wanted[: model._meta.get_field('slug').max_length - 5]}-{n}"
        n += 1
    return slug


class WordPressImport:
    def __init__(
        self,
        *,
        section_from: str = "categories",
        include_pages: bool = False,
        include_pingbacks: bool = False,
    ):
        self.section_from = section_from
        self.post_types = {"post", "page"} if include_pages else {"post"}
        self.include_pingbacks = include_pingbacks
        self.report = Report()
        self.authors: dict[str, dict] = {}
        # Rows looked up once per run (an export names the same few many times).
        self.sections: dict[str, Section] = {}
        self.tag_rows: dict[str, Tag] = {}
        self.author_rows: dict[str, Author] = {}
        self.attachments: dict[str, tuple[str, str]] = {}  # id → (address, alt)
        self.updated_articles: list[int] = []
        self.comment_import: CommentImport | None = None

    def run(
        self, path: Path, *, dry_run: bool = False, progress: Progress | None = None
    ) -> Report:
        # Check the whole file before writing anything, and note which comments
        # something replies to (a trashed one stays as a placeholder only then).
        replied_to, total = set(), 0
        for kind, fields in read(path):
            total += kind == "item"
            if fields.get("wp:post_type") == "attachment":
                self.attachments[fields.get("wp:post_id", "")] = (
                    fields.get("wp:attachment_url", ""),
                    _alt_text(fields),
                )
            for comment in fields.get("comments", ()):
                if comment.get("wp:comment_parent", "0") not in ("", "0"):
                    replied_to.add(comment["wp:comment_parent"])
        with transaction.atomic():
            comments = CommentImport("wordpress", "WordPress", replied_to=replied_to)
            self.comment_import = comments
            done = 0
            for kind, fields in read(path):
                if kind == "author":
                    self.authors[fields.get("wp:author_login", "")] = fields
                    continue
                article = self.item(fields)
                if fields["comments"]:
                    self.comments(comments, article, fields["comments"])
                done += 1
                if progress is not None and (
                    done % PROGRESS_EVERY == 0 or done == total
                ):
                    progress(done, total)
            self.report.comments = comments.finish()
            if dry_run:
                transaction.set_rollback(True)
            elif self.report.imported or self.report.updated:
                transaction.on_commit(listings_changed)
                # Pages of articles a newer export changed: here and at the edge.
                updated = list(self.updated_articles)
                transaction.on_commit(lambda: articles_changed(updated))
        return self.report

    def comments(self, comments: CommentImport, article, records: list[dict]) -> None:
        skipped = comments.report.skipped
        for record in records:
            kind = record.get("wp:comment_type", "") or "comment"
            if kind in PINGS and not self.include_pingbacks:
                skipped[f"{kind}s (use --include-pingbacks)"] += 1
                continue
            if article is None:
                skipped["comments on posts not imported"] += 1
                continue
            status = COMMENT_STATUSES.get(record.get("wp:comment_approved", ""))
            if status is None:
                skipped["comments with an unknown status"] += 1
                continue
            parent = record.get("wp:comment_parent", "0")
            comments.add(
                IncomingComment(
                    source_id=record.get("wp:comment_id", ""),
                    article_id=article.pk,
                    parent_source_id="" if parent in ("", "0") else parent,
                    created=_date(record, "comment_date") or article.published_at,
                    html=record.get("wp:comment_content", ""),
                    status=status,
                    name=html.unescape(record.get("wp:comment_author", "")),
                    email=record.get("wp:comment_author_email", ""),
                )
            )

    def item(self, fields: dict) -> Article | None:
        """Import one post; the article it is (None when skipped)."""
        post_type = fields.get("wp:post_type", "")
        if post_type not in self.post_types:
            if post_type in ("page",):
                self.report.skipped["pages (use --include-pages)"] += 1
            return None  # attachments, menus, revisions: not articles
        status = fields.get("wp:status", "")
        if status in SKIPPED_STATUSES:
            self.report.skipped[f"posts {SKIPPED_STATUSES[status]}"] += 1
            return None
        if status not in STATUSES:
            self.report.skipped[f"posts with status {status or 'none'}"] += 1
            return None
        post_id = fields.get("wp:post_id", "")
        modified = (
            fields.get("wp:post_modified_gmt") or fields.get("wp:post_modified") or ""
        )
        known = (
            ImportedItem.objects.filter(
                source="wordpress", kind="post", source_id=post_id
            )
            .select_related("article")
            .first()
        )
        if known and known.article and known.source_modified == modified:
            self.report.unchanged += 1
            # Images the old site did not give last time are asked for again.
            self.fetch_images(known.article, fields, again=True)
            return known.article
        article = known.article if known and known.article else Article()
        title = html.unescape(fields.get("title", "")).strip() or f"Post {post_id}"
        article.title = title[:200]
        wanted = slugify(fields.get("wp:post_name") or title)[:200] or f"post-{post_id}"
        article.slug = _unique_slug(Article, wanted, keep=article)
        article.standfirst = strip_tags(fields.get("excerpt:encoded", "")).strip()
        article.body = body_from_wordpress(fields.get("content:encoded", ""))
        article.status = STATUSES[status]
        article.published_at = _date(fields, "post_date")
        updated = _date(fields, "post_modified")
        published = article.published_at
        # WordPress's "last modified", shown as "Updated" when after publication.
        article.updated_at = (
            updated if published and updated and updated > published else None
        )
        article.section = self.section(fields)
        article.save()
        article.tags.set(self.tags(fields))
        author = self.author(fields.get("dc:creator", ""))
        article.authors.set([author] if author else [])
        ImportedItem.objects.update_or_create(
            source="wordpress",
            kind="post",
            source_id=post_id,
            defaults={"article": article, "source_modified": modified},
        )
        self.links(article, fields, post_id)
        self.fetch_images(article, fields)
        if known:
            self.report.updated += 1
            self.updated_articles.append(article.pk)
        else:
            self.report.imported += 1
        return article

    def fetch_images(self, article: Article, fields: dict, again=False) -> None:
        """Once committed, bring the article's images from the old site into our
        media (images.py), in the background: an import does not wait on them.
        `again`: an unchanged post, whose images may not have come last time."""
        featured = self.attachments.get(fields["postmeta"].get("_thumbnail_id") or "")
        url, alt = featured or ("", "")
        if again and article.hero_image:
            url = ""
        if url or outside_images(article.body):
            from .tasks import fetch_imported_images

            transaction.on_commit(
                lambda: fetch_imported_images.enqueue(article.pk, url, alt)
            )
            self.report.images += 1

    def section(self, fields: dict) -> Section:
        domain = "post_tag" if self.section_from == "tags" else "category"
        for kind, nicename, name in fields["categories"]:
            if kind == domain and (nicename or name):
                slug = slugify(nicename or name)[:80]
                if slug not in self.sections:
                    self.sections[slug], _ = Section.objects.get_or_create(
                        slug=slug, defaults={"name": html.unescape(name)[:80] or slug}
                    )
                return self.sections[slug]
        section, _ = Section.objects.get_or_create(
            slug="news", defaults={"name": "News"}
        )
        return section

    def tags(self, fields: dict) -> list[Tag]:
        domain = "category" if self.section_from == "tags" else "post_tag"
        tags = []
        for kind, nicename, name in fields["categories"]:
            if kind == domain and (nicename or name):
                slug = slugify(nicename or name)[:60]
                if slug not in self.tag_rows:
                    tag = Tag.objects.filter(slug=slug).first()
                    if tag is None:
                        tag = Tag.objects.create(
                            slug=slug, name=html.unescape(name)[:60]
                        )
                    self.tag_rows[slug] = tag
                tags.append(self.tag_rows[slug])
        return tags

    def author(self, login: str) -> Author | None:
        if not login:
            return None
        if login not in self.author_rows:
            self.author_rows[login] = self._author(login)
        return self.author_rows[login]

    def _author(self, login: str) -> Author:
        known = ImportedItem.objects.filter(
            source="wordpress", kind="author", source_id=login
        ).first()
        if known and known.author:
            return known.author
        fields = self.authors.get(login, {})
        email = fields.get("wp:author_email", "").strip()
        # The newsroom may have given the writer a byline here already: their
        # account's address is the one WordPress knew.
        existing = email and Author.objects.filter(user__email__iexact=email).first()
        if existing:
            ImportedItem.objects.update_or_create(
                source="wordpress",
                kind="author",
                source_id=login,
                defaults={"author": existing},
            )
            return existing
        name = html.unescape(fields.get("wp:author_display_name") or login)[:100]
        author = Author.objects.create(
            name=name, slug=_unique_slug(Author, slugify(login)[:100] or "author")
        )
        if self.comment_import is not None:
            self.comment_import.protect(author.name)
        ImportedItem.objects.create(
            source="wordpress", kind="author", source_id=login, author=author
        )
        self.report.authors += 1
        return author

    def links(self, article: Article, fields: dict, post_id: str) -> None:
        old = urlsplit(fields.get("link", ""))
        paths = [f"/?p={post_id}"]
        if old.path and old.path != "/":
            paths.append(old.path + (f"?{old.query}" if old.query else ""))
        for path in paths:
            if path == article.get_absolute_url():
                continue
            _, created = LegacyLink.objects.get_or_create(
                path=path[:500], defaults={"article": article, "source": "wordpress"}
            )
            self.report.links += created
