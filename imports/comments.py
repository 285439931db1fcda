"""Bringing comments in, from either source: one engine, fed one comment at a time.

The readers (wordpress.py, disqus.py) turn their source's records into
IncomingComment; this module applies the rules every imported comment follows:

- statuses: approved ones are published, pending ones wait in the moderation queue,
  spam is kept as spam (never shown), deleted/trashed ones stay as "[deleted]"
  placeholders when something replies to them and are skipped otherwise;
- text: the source's HTML becomes the Markdown readers write (markdownify), and is
  rendered and sanitised by the same code as a reader's comment;
- people: an address becomes an unclaimed profile (or the account that has already
  verified it), a guest keeps their name; names pass the display-name rules
  (comments/claims.py);
- threads: parents are linked once every comment is in, whatever order the file
  lists them in, and replies deeper than the site nests follow the "in reply to"
  rule of posting.py. A reply whose parent is not in the file (nor imported
  before) becomes a top-level comment and is listed in the report.

Comments are written in batches (bulk_create), so 10,000 take seconds; the source
ids (ImportedItem) make a re-run add only what is new.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from markdownify import markdownify

from articles.cache import articles_changed
from articles.models import Article
from comments import conf
from comments.claims import public_imported_name, unclaimed_profile, verified_owner
from comments.markdown import render_comment
from comments.models import Comment

from .models import ImportedItem

BATCH = 500
APPROVED, PENDING, SPAM, DELETED = "approved", "pending", "spam", "deleted"
HELD_REASON = "Imported from {source}, where it was awaiting approval."
LISTED_AT_MOST = 50


@dataclass
class IncomingComment:
    source_id: str
    article_id: int
    parent_source_id: str  # "" for a top-level comment
    created: datetime
    html: str
    status: str  # APPROVED, PENDING, SPAM or DELETED
    name: str
    email: str  # "" for a guest


@dataclass
class CommentReport:
    imported: int = 0
    unchanged: int = 0
    held: int = 0
    spam: int = 0
    placeholders: int = 0
    owned: int = 0  # by an account that had verified the address already
    waiting: int = 0  # for their commenter to claim them
    guests: int = 0
    names_refused: int = 0
    skipped: Counter = field(default_factory=Counter)
    parent_missing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not (self.imported or self.unchanged or self.skipped):
            return []  # a file without comments
        lines = [
            f"Comments: {self.imported} imported ({self.held} held for moderation, "
            f"{self.spam} kept as spam, {self.placeholders} as [deleted] "
            f"placeholders), {self.unchanged} already here.",
        ]
        if self.imported:
            lines.append(
                f"Commenters: {self.owned} comments by existing readers, "
                f"{self.waiting} waiting for their commenter to claim them, "
                f"{self.guests} by guests."
            )
        if self.names_refused:
            lines.append(
                f"Names refused by the display-name rules: {self.names_refused} "
                "comments shown as “A reader”."
            )
        lines += [f"Skipped: {n} {why}." for why, n in sorted(self.skipped.items())]
        lines += listed(
            "Replies whose parent is not in the file, imported as top-level comments",
            self.parent_missing,
        )
        return lines


def listed(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    lines = [f"{title} ({len(items)}):"]
    lines += [f"  {item}" for item in items[:LISTED_AT_MOST]]
    if len(items) > LISTED_AT_MOST:
        lines.append(f"  … and {len(items) - LISTED_AT_MOST} more")
    return lines


def comment_markdown(html: str) -> str:
    """The source's comment HTML as the Markdown a reader would have typed.

    WordPress keeps comments as typed, with line breaks instead of paragraphs
    (it adds <p> when showing them): those become paragraphs and line breaks.
    """
    if "<p" not in html and "<br" not in html:
        paragraphs = [p for p in html.replace("\r\n", "\n").split("\n\n") if p.strip()]
        html = "".join(
            "<p>" + p.strip().replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    markdown = markdownify(html, heading_style="ATX", bullets="-", strip=["img"])
    return "\n\n".join(p.strip() for p in markdown.split("\n\n") if p.strip())


class CommentImport:
    """One run's comments from one source. add() each, then finish()."""

    def __init__(self, source: str, source_label: str, *, replied_to: set[str]):
        self.source = source
        self.held_reason = HELD_REASON.format(source=source_label)
        self.replied_to = replied_to  # ids some comment in the file answers
        self.report = CommentReport()
        self.known: dict[str, int] = dict(
            ImportedItem.objects.filter(
                source=source, kind=ImportedItem.Kind.COMMENT
            ).values_list("source_id", "comment_id")
        )
        self.parent_of: dict[str, str] = {}  # this run's comments: id → parent id
        self.pk_of: dict[str, int] = {}
        self.batch: list[tuple[str, Comment]] = []
        self.article_ids: set[int] = set()
        self.people: dict[str, tuple] = {}
        self.names: dict[str, str] = {}

    def add(self, incoming: IncomingComment) -> None:
        if incoming.source_id in self.known or incoming.source_id in self.pk_of:
            self.report.unchanged += 1
            return
        if incoming.status == DELETED and incoming.source_id not in self.replied_to:
            self.report.skipped["deleted comments nobody replied to"] += 1
            return
        comment = Comment(
            article_id=incoming.article_id,
            created=incoming.created,
            status=Comment.Status.APPROVED,
        )
        if incoming.status == DELETED:
            comment.status = Comment.Status.DELETED  # a placeholder: no text, no name
            self.report.placeholders += 1
        else:
            comment.body = comment_markdown(incoming.html)
            comment.body_html = render_comment(comment.body)
            self._sign(comment, incoming)
            if incoming.status == PENDING:
                comment.status = Comment.Status.PENDING
                comment.hold_reason = self.held_reason
                comment.hold_rule = "import"
                self.report.held += 1
            elif incoming.status == SPAM:
                comment.status = Comment.Status.SPAM
                self.report.spam += 1
        if incoming.parent_source_id:
            self.parent_of[incoming.source_id] = incoming.parent_source_id
        self.pk_of[incoming.source_id] = 0  # in the batch: known to this run
        self.article_ids.add(incoming.article_id)
        self.batch.append((incoming.source_id, comment))
        if len(self.batch) >= BATCH:
            self.flush()

    def _sign(self, comment: Comment, incoming: IncomingComment) -> None:
        """Who wrote it: an account, an unclaimed profile, or a guest's name."""
        if incoming.name not in self.names:
            self.names[incoming.name] = public_imported_name(incoming.name)
        comment.guest_name = self.names[incoming.name]
        if comment.guest_name != incoming.name.strip():
            self.report.names_refused += comment.guest_name == "A reader"
        email = incoming.email.strip().lower()
        if not email:
            self.report.guests += 1
            return
        if email not in self.people:
            owner = verified_owner(email)
            profile = None
            if owner is None:
                profile = unclaimed_profile(email, comment.guest_name, self.source)
                owner = profile.claimed_by
            self.people[email] = (owner, profile)
        owner, profile = self.people[email]
        if owner is not None:
            comment.author = owner
            self.report.owned += 1
        else:
            comment.unclaimed_profile = profile
            self.report.waiting += 1

    def flush(self) -> None:
        if not self.batch:
            return
        Comment.objects.bulk_create([comment for _, comment in self.batch])
        ImportedItem.objects.bulk_create(
            [
                ImportedItem(
                    source=self.source,
                    kind=ImportedItem.Kind.COMMENT,
                    source_id=source_id[:200],
                    comment=comment,
                )
                for source_id, comment in self.batch
            ]
        )
        for source_id, comment in self.batch:
            self.pk_of[source_id] = comment.pk
        self.report.imported += len(self.batch)
        self.batch = []

    def finish(self) -> CommentReport:
        self.flush()
        self._link_threads()
        self._recount()
        if self.report.imported:
            ids = self.article_ids
            transaction.on_commit(lambda: articles_changed(ids))
        return self.report

    # Threads --------------------------------------------------------------------

    def _link_threads(self) -> None:
        """Give every reply its parent, root and depth, parents before children."""
        max_depth = conf.max_depth()
        # source id → (pk, depth, root pk, parent pk): this run's, then earlier ones.
        placed: dict[str, tuple[int, int, int | None, int | None]] = {}
        earlier = self._earlier_parents()
        linked: list[Comment] = []
        for source_id in self.pk_of:
            # Walk up to the first ancestor already placed (or the top), without
            # recursion: a file may nest replies thousands deep, or loop.
            chain, in_chain, current = [], set(), source_id
            while current not in placed:
                chain.append(current)
                in_chain.add(current)
                parent = self.parent_of.get(current, "")
                if parent in self.pk_of and not (
                    parent in placed or parent in in_chain
                ):
                    current = parent
                else:
                    break
            for sid in reversed(chain):
                parent_sid = self.parent_of.get(sid, "")
                parent = placed.get(parent_sid) or earlier.get(parent_sid)
                pk = self.pk_of[sid]
                if parent is None:
                    if parent_sid and parent_sid not in self.pk_of:
                        self.report.parent_missing.append(
                            f"{sid} (its parent {parent_sid} is not in the file)"
                        )
                    placed[sid] = (pk, 1, None, None)
                    continue
                parent_pk, parent_depth, parent_root, grandparent_pk = parent
                comment = Comment(pk=pk, root_id=parent_root or parent_pk)
                if parent_depth >= max_depth:  # as deep as threads go: a sibling
                    comment.parent_id = grandparent_pk
                    comment.reply_to_id = parent_pk
                    comment.depth = parent_depth
                else:
                    comment.parent_id, comment.reply_to_id = parent_pk, None
                    comment.depth = parent_depth + 1
                linked.append(comment)
                placed[sid] = (pk, comment.depth, comment.root_id, comment.parent_id)
        Comment.objects.bulk_update(
            linked, ["parent", "root", "reply_to", "depth"], batch_size=BATCH
        )

    def _earlier_parents(self) -> dict[str, tuple]:
        """Parents imported by an earlier run: their place in their thread."""
        wanted = {
            parent: self.known[parent]
            for parent in self.parent_of.values()
            if parent not in self.pk_of and parent in self.known
        }
        rows = Comment.objects.filter(pk__in=wanted.values()).values_list(
            "pk", "depth", "root_id", "parent_id"
        )
        by_pk = {row[0]: row for row in rows}
        return {sid: by_pk[pk] for sid, pk in wanted.items() if pk in by_pk}

    # Counts ---------------------------------------------------------------------

    def _recount(self) -> None:
        """Reply counts (placeholders are shown only while they carry replies, so
        once per level of nesting) and each article's count of published ones."""
        if not self.article_ids:
            return
        in_articles = Comment.objects.filter(article_id__in=self.article_ids)
        shown_replies = (
            Comment.objects.filter(parent=OuterRef("pk"))
            .filter(
                Q(status=Comment.Status.APPROVED)
                | Q(status__in=Comment.PLACEHOLDER_STATUSES, reply_count__gt=0)
            )
            .order_by()
            .values("parent")
            .annotate(n=Count("pk"))
            .values("n")
        )
        for _ in range(conf.max_depth()):
            in_articles.update(reply_count=Coalesce(Subquery(shown_replies), 0))
        published = (
            Comment.objects.filter(article=OuterRef("pk"))
            .approved()
            .order_by()
            .values("article")
            .annotate(n=Count("pk"))
            .values("n")
        )
        Article.objects.filter(pk__in=self.article_ids).update(
            comment_count=Coalesce(Subquery(published), 0)
        )
