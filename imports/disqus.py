"""Reading a Disqus export and bringing its discussions in.

A Disqus export (Admin → Community → Export) is one XML file: <category>, <thread>
(one per page that had a discussion, with its link) and <post> (one per comment,
naming its thread and parent by Disqus id), in any order in practice. It is read
twice, streaming: first to check it whole and note the threads (a link each) and
which posts something replies to; then to import, in one transaction (a dry run
rolls it back).

A thread is matched to an article by its link, after `--map` rewrote the old
prefix: the article's address, or any old address a WordPress import recorded, or
WordPress's `?p=ID` from the thread's identifier (the Disqus WordPress plugin's
"123 http://…/?p=123"). So importing WordPress first and Disqus second just works.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 (types and ParseError only)
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml.ElementTree import iterparse
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from articles.models import Article

from .comments import (
    APPROVED,
    DELETED,
    PENDING,
    SPAM,
    CommentImport,
    CommentReport,
    IncomingComment,
    listed,
)
from .models import LegacyLink
from .wordpress import ImportError_, Progress, reading

PROGRESS_EVERY = 100  # comments between two progress reports

DISQUS_NAMESPACE = "{http://disqus.com}"
INTERNALS = "{http://disqus.com/disqus-internals}"
DSQ_ID = f"{INTERNALS}id"
WORDPRESS_IDENTIFIER = re.compile(r"^(\d+) https?://\S*\?p=\1$")


@dataclass
class Thread:
    link: str
    identifier: str
    title: str
    posts: int = 0


@dataclass
class DisqusReport:
    comments: CommentReport
    threads_matched: int = 0
    threads_without_posts: int = 0
    links: int = 0
    unmatched_threads: list[str] = field(default_factory=list)
    posts_without_thread: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"Threads: {self.threads_matched} matched an article, "
            f"{len(self.unmatched_threads)} matched none, "
            f"{self.threads_without_posts} had no comments. "
            f"Old links redirected: {self.links} new.",
            *self.comments.lines(),
        ]
        lines += listed(
            "Threads that matched no article (their comments were not imported; "
            "try --map old_prefix=new_prefix)",
            self.unmatched_threads,
        )
        lines += listed(
            "Comments whose thread is not in the file (not imported)",
            self.posts_without_thread,
        )
        if not self.comments.imported:
            lines.append("Nothing to change: everything in the file is here already.")
        return lines


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: ET.Element, name: str) -> str:
    child = element.find(f"{DISQUS_NAMESPACE}{name}")
    if child is None:
        child = element.find(name)
    return (child.text or "").strip() if child is not None else ""


def _ref(element: ET.Element, name: str) -> str:
    """A reference to another object: <thread dsq:id="…"/> (or its text)."""
    child = element.find(f"{DISQUS_NAMESPACE}{name}")
    if child is None:
        child = element.find(name)
    if child is None:
        return ""
    return child.get(DSQ_ID) or (child.text or "").strip()


def _flag(element: ET.Element, name: str) -> bool:
    return _text(element, name).lower() == "true"


def read(path: Path) -> Iterator[tuple[str, ET.Element]]:
    """Yield ('thread', element) and ('post', element), streaming."""
    with reading(path, "Disqus"):
        events = iterparse(path, events=("start", "end"))
        _, root = next(events)
        if _local(root.tag) == "rss":
            raise ImportError_(
                f"{path}: this is a WordPress export or an RSS feed, not a Disqus "
                "one: use import_wordpress for a WordPress export."
            )
        if _local(root.tag) != "disqus":
            raise ImportError_(
                f"{path}: not a Disqus export: its root element is "
                f"<{_local(root.tag)}>, expected <disqus>."
            )
        depth = 1
        for event, element in events:
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth == 1 and _local(element.tag) in ("thread", "post"):
                yield _local(element.tag), element
            if depth == 1:
                root.clear()  # what is read is dropped: memory stays flat


def _date(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DisqusImport:
    def __init__(self, *, maps: list[tuple[str, str]] = ()):
        self.maps = list(maps)
        self.threads: dict[str, Thread] = {}
        self.article_of: dict[str, Article | None] = {}

    def run(
        self, path: Path, *, dry_run: bool = False, progress: Progress | None = None
    ) -> DisqusReport:
        replied_to: set[str] = set()
        total = 0
        for kind, element in read(path):  # check it whole; note threads and parents
            total += kind == "post"
            if kind == "thread":
                self.threads[element.get(DSQ_ID, "")] = Thread(
                    link=_text(element, "link"),
                    identifier=_text(element, "id"),
                    title=_text(element, "title"),
                )
            elif parent := _ref(element, "parent"):
                replied_to.add(parent)
        with transaction.atomic():
            comments = CommentImport("disqus", "Disqus", replied_to=replied_to)
            report = DisqusReport(comments=comments.report)
            done = 0
            for kind, element in read(path):
                if kind == "post":
                    self.post(element, comments, report)
                    done += 1
                    if progress is not None and (
                        done % PROGRESS_EVERY == 0 or done == total
                    ):
                        progress(done, total)
            comments.finish()
            self.summarise(report)
            if dry_run:
                transaction.set_rollback(True)
        return report

    def post(self, element, comments: CommentImport, report: DisqusReport) -> None:
        post_id = element.get(DSQ_ID) or _text(element, "id")
        thread_id = _ref(element, "thread")
        thread = self.threads.get(thread_id)
        if thread is None:
            report.posts_without_thread.append(
                f"{post_id} (thread {thread_id or 'not named'})"
            )
            return
        thread.posts += 1
        article = self.article(thread_id, report)
        if article is None:
            comments.report.skipped["comments on threads that matched no article"] += 1
            return
        if _flag(element, "isSpam"):
            status = SPAM
        elif _flag(element, "isDeleted"):
            status = DELETED
        elif _text(element, "isApproved").lower() == "false":
            status = PENDING
        else:
            status = APPROVED
        author = element.find(f"{DISQUS_NAMESPACE}author")
        name = email = ""
        if author is not None:
            name = _text(author, "name") or _text(author, "username")
            if not _flag(author, "isAnonymous"):
                email = _text(author, "email")
        comments.add(
            IncomingComment(
                source_id=post_id,
                article_id=article.pk,
                parent_source_id=_ref(element, "parent"),
                created=_date(_text(element, "createdAt"))
                or article.published_at
                or timezone.now(),
                html=_text(element, "message"),
                status=status,
                name=name,
                email=email,
            )
        )

    # Matching threads to articles ---------------------------------------------

    def mapped(self, link: str) -> str:
        for old, new in self.maps:
            if link.startswith(old):
                return new + link[len(old) :]
        return link

    def article(self, thread_id: str, report: DisqusReport) -> Article | None:
        if thread_id not in self.article_of:
            thread = self.threads[thread_id]
            article, path = self.match(thread)
            self.article_of[thread_id] = article
            if article is not None:
                report.threads_matched += 1
                if path not in ("", "/") and path != article.get_absolute_url():
                    _, created = LegacyLink.objects.get_or_create(
                        path=path[:500],
                        defaults={"article": article, "source": "disqus"},
                    )
                    report.links += created
        return self.article_of[thread_id]

    def match(self, thread: Thread) -> tuple[Article | None, str]:
        """The article a thread belongs to, and the thread's old path (as it was
        before --map: the address readers and search engines know)."""
        old = urlsplit(thread.link)
        old_path = old.path + (f"?{old.query}" if old.query else "")
        parts = urlsplit(self.mapped(thread.link))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        candidates = [path] if path and path != "/" else []
        if parts.path and not parts.path.endswith("/") and not parts.query:
            candidates.append(parts.path + "/")
        identifier = WORDPRESS_IDENTIFIER.match(thread.identifier)
        if identifier:
            candidates.append(f"/?p={identifier.group(1)}")
        for candidate in candidates:
            link = LegacyLink.objects.filter(path=candidate).select_related("article")
            if found := link.first():
                return found.article, old_path
            try:
                match = resolve(candidate.split("?")[0])
            except Resolver404:
                continue
            if match.view_name == "articles:detail":
                article = Article.objects.filter(slug=match.kwargs["slug"]).first()
                if article is not None:
                    return article, old_path
        return None, old_path

    def summarise(self, report: DisqusReport) -> None:
        for thread_id, thread in self.threads.items():
            if not thread.posts:
                report.threads_without_posts += 1
            elif self.article_of.get(thread_id) is None:
                report.unmatched_threads.append(
                    f"{thread.link or '(no link)'} (thread {thread_id}, "
                    f"{thread.posts} comment{'s' if thread.posts != 1 else ''})"
                )
