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
from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.db import reset_queries, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower
from markdownify import markdownify

from accounts.homoglyphs import name_keys
from accounts.names import protected_name_keys
from articles.cache import articles_changed
from articles.models import Article
from comments import conf
from comments.claims import (
    REFUSED_NAME_STANDS_IN,
    claim_for_verified_owners,
    public_imported_name,
)
from comments.markdown import render_comment
from comments.models import Comment, UnclaimedProfile
from comments.posting import reply_place

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


@dataclass
class _Pending:
    """A comment read and not yet written: written with its batch."""

    source_id: str
    parent_source_id: str
    email: str
    comment: Comment


class Place(NamedTuple):
    """Where a comment sits in its thread, and whether a reply may hang under it."""

    pk: int
    depth: int
    root: int | None
    parent: int | None
    reply_to: int | None
    article: int
    # Shown to readers (published, or a placeholder carrying replies): a reply
    # under a spam or pending comment would be counted and never seen.
    answerable: bool


def _answerable(status: str) -> bool:
    return status == Comment.Status.APPROVED or status in Comment.PLACEHOLDER_STATUSES


class CommentImport:
    """One run's comments from one source. add() each, then finish().

    Comments are written in batches. Within a batch, those whose parent is already
    written go in with their place in the thread (parents before children, a few
    INSERTs per batch), so a file in tree order (as Disqus and WordPress write
    them) needs no second pass; a reply read before its parent goes in top-level
    and is moved under it at the end.
    """

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
        self.max_depth = conf.max_depth()
        self.parent_of: dict[str, str] = {}  # this run's replies: id → parent id
        self.placed: dict[str, Place] = {}  # this run's comments, as written
        self.earlier: dict[str, Place] = {}  # parents written by an earlier run
        self.batch: list[_Pending] = []
        self.in_batch: set[str] = set()
        self.article_ids: set[int] = set()
        self.people: dict[str, tuple] = {}  # address → (account, unclaimed profile)
        self.names: dict[str, str] = {}
        self.protected_names = protected_name_keys()

    def add(self, incoming: IncomingComment) -> None:
        source_id = incoming.source_id
        if source_id in self.known or source_id in self.placed:
            self.report.unchanged += 1
            return
        if source_id in self.in_batch:
            self.report.unchanged += 1  # listed twice in the file
            return
        if incoming.status == DELETED and source_id not in self.replied_to:
            self.report.skipped["deleted comments nobody replied to"] += 1
            return
        comment = Comment(
            article_id=incoming.article_id,
            created=incoming.created,
            status=Comment.Status.APPROVED,
        )
        email = ""
        if incoming.status == DELETED:
            comment.status = Comment.Status.DELETED  # a placeholder: no text, no name
            self.report.placeholders += 1
        else:
            comment.body = comment_markdown(incoming.html)
            comment.body_html = render_comment(comment.body)
            comment.guest_name = self._public_name(incoming.name)
            email = incoming.email.strip().lower()
            if not email:
                self.report.guests += 1
            if incoming.status == PENDING:
                comment.status = Comment.Status.PENDING
                comment.hold_reason = self.held_reason
                comment.hold_rule = "import"
                self.report.held += 1
            elif incoming.status == SPAM:
                comment.status = Comment.Status.SPAM
                self.report.spam += 1
        if incoming.parent_source_id:
            self.parent_of[source_id] = incoming.parent_source_id
        self.article_ids.add(incoming.article_id)
        self.batch.append(
            _Pending(source_id, incoming.parent_source_id, email, comment)
        )
        self.in_batch.add(source_id)
        if len(self.batch) >= BATCH:
            self.flush()

    def protect(self, name: str) -> None:
        """A byline this run created: no imported commenter may look like it."""
        self.protected_names.append(name_keys(name))
        self.names.clear()

    def _public_name(self, name: str) -> str:
        if name not in self.names:
            public = public_imported_name(name, protected_keys=self.protected_names)
            self.names[name] = public
        public = self.names[name]
        self.report.names_refused += public == REFUSED_NAME_STANDS_IN
        return public

    # Writing a batch ----------------------------------------------------------

    def flush(self) -> None:
        if not self.batch:
            return
        self._sign(self.batch)
        self._load_earlier_parents(self.batch)
        waiting = self.batch
        while waiting:
            ready = [p for p in waiting if p.parent_source_id not in self.in_batch]
            if not ready:  # parents that answer each other: a loop in the file
                ready = waiting
            for pending in ready:
                self._place(pending)
            Comment.objects.bulk_create([p.comment for p in ready])
            for pending in ready:
                comment = pending.comment
                self.placed[pending.source_id] = Place(
                    comment.pk,
                    comment.depth,
                    comment.root_id,
                    comment.parent_id,
                    comment.reply_to_id,
                    comment.article_id,
                    _answerable(comment.status),
                )
                self.in_batch.discard(pending.source_id)
            done = {id(p) for p in ready}
            waiting = [p for p in waiting if id(p) not in done]
        ImportedItem.objects.bulk_create(
            [
                ImportedItem(
                    source=self.source,
                    kind=ImportedItem.Kind.COMMENT,
                    source_id=p.source_id[:200],
                    comment=p.comment,
                )
                for p in self.batch
            ]
        )
        self.report.imported += len(self.batch)
        self.batch = []
        # With DEBUG on (the demo, a newsroom trying it out) Django keeps the SQL of
        # the last 9,000 queries, and a batch's INSERT is half a megabyte.
        reset_queries()

    def _place(self, pending: _Pending) -> None:
        """Its place under its parent, if the parent is written already."""
        parent = self.placed.get(pending.parent_source_id) or self.earlier.get(
            pending.parent_source_id
        )
        comment = pending.comment
        place = None
        if parent is not None:
            answerable = _answerable(comment.status)
            place = self._under(parent, comment.pk, comment.article_id, answerable)
        if place is not None:
            comment.depth, comment.root_id = place.depth, place.root
            comment.parent_id, comment.reply_to_id = place.parent, place.reply_to

    def _under(
        self, parent: Place, pk: int, article_id: int, answerable: bool
    ) -> Place | None:
        """The place of a reply to `parent`, by the site's nesting rule
        (comments.posting.reply_place). None when it cannot hang there:
        its parent is on another article, or hidden from readers."""
        if parent.article != article_id or not parent.answerable:
            return None
        place = reply_place(
            parent_pk=parent.pk,
            parent_depth=parent.depth,
            parent_parent_id=parent.parent,
            parent_root_id=parent.root,
            max_depth=self.max_depth,
        )
        return Place(
            pk,
            place.depth,
            place.root_id,
            place.parent_id,
            place.reply_to_id,
            article_id,
            answerable,
        )

    def _sign(self, batch: list[_Pending]) -> None:
        """Who wrote each: an account that verified the address, an unclaimed
        profile, or a guest's name. Looked up once per address, per batch."""
        new = {p.email for p in batch if p.email and p.email not in self.people}
        if new:
            owners = {
                address.email.lower(): address.user
                for address in EmailAddress.objects.annotate(lower=Lower("email"))
                .filter(lower__in=new, verified=True)
                .select_related("user")
            }
            profiles = {
                profile.email: profile
                for profile in UnclaimedProfile.objects.filter(
                    email__in=new
                ).select_related("claimed_by")
            }
            first_names = {}
            for p in batch:
                first_names.setdefault(p.email, p.comment.guest_name)
            created = UnclaimedProfile.objects.bulk_create(
                UnclaimedProfile(
                    email=email, display_name=first_names[email], source=self.source
                )
                for email in sorted(new - owners.keys() - profiles.keys())
            )
            profiles.update({profile.email: profile for profile in created})
            for email in new:
                if email in owners:
                    self.people[email] = (owners[email], None)
                else:
                    profile = profiles[email]
                    self.people[email] = (profile.claimed_by, profile)
        for p in batch:
            if not p.email:
                continue
            owner, profile = self.people[p.email]
            if owner is not None:
                p.comment.author = owner
                self.report.owned += 1
            else:
                p.comment.unclaimed_profile = profile
                self.report.waiting += 1

    def _load_earlier_parents(self, batch: list[_Pending]) -> None:
        """The places of parents an earlier run wrote, for this batch's replies."""
        wanted = {
            p.parent_source_id: self.known[p.parent_source_id]
            for p in batch
            if p.parent_source_id in self.known
            and p.parent_source_id not in self.earlier
        }
        rows = Comment.objects.filter(pk__in=wanted.values()).values_list(
            "pk", "depth", "root_id", "parent_id", "reply_to_id", "article_id", "status"
        )
        by_pk = {row[0]: Place(*row[:6], _answerable(row[6])) for row in rows}
        for source_id, pk in wanted.items():
            if pk in by_pk:
                self.earlier[source_id] = by_pk[pk]

    def finish(self) -> CommentReport:
        self.flush()
        self._relink_late_parents()
        self._recount()
        if self.report.imported:
            ids = self.article_ids
            transaction.on_commit(lambda: articles_changed(ids))
        emails = [email for email, (_, profile) in self.people.items() if profile]
        if emails:
            transaction.on_commit(lambda: claim_for_verified_owners(emails))
        return self.report

    # Replies read before their parents ------------------------------------------

    def _relink_late_parents(self) -> None:
        """Place every comment of the run by its parent, now that all are written,
        and move those that went in top-level because their parent came later in
        the file (with their replies). A parent in no file stays missing: the
        reply stays top-level, and is listed."""
        final: dict[str, Place] = {}
        moved: list[Comment] = []
        for source_id in self.placed:
            # Walk up to the first ancestor already placed (or the top), without
            # recursion: a file may nest replies thousands deep, or loop.
            chain, in_chain, current = [], set(), source_id
            while current not in final:
                chain.append(current)
                in_chain.add(current)
                parent = self.parent_of.get(current, "")
                new = parent not in final and parent not in in_chain
                if parent in self.placed and new:
                    current = parent
                else:
                    break
            for sid in reversed(chain):
                written = self.placed[sid]
                parent_sid = self.parent_of.get(sid, "")
                parent = final.get(parent_sid) or self.earlier.get(parent_sid)
                place = None
                if parent is not None:
                    place = self._under(
                        parent, written.pk, written.article, written.answerable
                    )
                    if place is None:
                        why = (
                            "on another article"
                            if parent.article != written.article
                            else "not shown to readers (spam or awaiting review)"
                        )
                        self.report.parent_missing.append(
                            f"{sid} (its parent {parent_sid} is {why})"
                        )
                elif parent_sid and parent_sid not in self.placed:
                    self.report.parent_missing.append(
                        f"{sid} (its parent {parent_sid} is not in the file)"
                    )
                final[sid] = place or written._replace(
                    depth=1, root=None, parent=None, reply_to=None
                )
                if final[sid] != written:
                    moved.append(
                        Comment(
                            pk=written.pk,
                            depth=final[sid].depth,
                            root_id=final[sid].root,
                            parent_id=final[sid].parent,
                            reply_to_id=final[sid].reply_to,
                        )
                    )
        Comment.objects.bulk_update(
            moved, ["parent", "root", "reply_to", "depth"], batch_size=BATCH
        )

    # Counts ---------------------------------------------------------------------

    def _recount(self) -> None:
        """Reply counts (placeholders are shown only while they carry replies, so
        once per level of nesting) and each article's count of published ones."""
        if not self.article_ids:
            return
        # Only comments something answers can have a count to change.
        answered = Comment.objects.filter(
            article_id__in=self.article_ids, parent__isnull=False
        ).values("parent_id")
        in_articles = Comment.objects.filter(pk__in=answered)
        shown_replies = (
            Comment.objects.filter(parent=OuterRef("pk"))
            .shown()
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
