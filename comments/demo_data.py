"""Demo discussion: about 110 comments under the Miami peace-talks article.

The words are in demo_threads.py, written whole, thread by thread.

Called by `manage.py demo` after the articles are imported. Idempotent: if the demo
readers have already commented there, nothing changes. Rows are bulk-created (so
body_html is rendered here, since bulk_create skips save()) and the denormalized
counts are then computed from the rows in a few UPDATE queries.
"""

import datetime
import random

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.cache import article_changed
from articles.models import Article

from .demo_threads import READERS, THREADS
from .markdown import render_comment
from .models import Comment, Reaction, WordRule
from .services import HOLD_FIRST, HOLD_LINKS, HOLD_WORD, reader_set_trusted

DEMO_ARTICLE = "ukraine-peace-talks-miami"
COMMENTER = ("commenter@example.com", "Maya Lindqvist")
# A reader who joined today: their first comment is the one held as a first comment.
NEWCOMER = ("felix@example.com", "Felix Brandt")
HELD = [
    # (author, hold reason, rule, body): reasons that fit each author's history.
    ("diego", HOLD_LINKS.format(limit=2), "links",
     "Sources for the energy point, since someone asked: https://a.example/grid "
     "https://b.example/strikes https://c.example/winter"),
    ("greg", HOLD_WORD, "word-rule", "Whoever planned this summit is a clown, "
     "frankly. Two days and not even a joint statement."),
    ("newcomer", HOLD_FIRST, "first-comments",
     "First time commenting here. I came for the FAQ and stayed for the "
     "discussion, which is rare."),
]  # fmt: skip


def _readers() -> dict[str, dict]:
    """The demo readers' logins by key (READERS in demo_threads), verified."""
    from articles.management.commands.demo import ensure_demo_user

    logins = {}
    for key, (email, name, _) in READERS.items():
        login = ensure_demo_user(
            email=email,
            display_name=name,
            role="Demo commenter",
            notify_on_reply=email == COMMENTER[0],
        )
        EmailAddress.objects.get_or_create(
            user=login["user"],
            email=email,
            defaults={"verified": True, "primary": True},
        )
        logins[key] = login
    return logins


def _comment(article, author, body, created, **fields) -> Comment:
    return Comment(
        article=article,
        author=author,
        body=body,
        body_html=render_comment(body),
        created=created,
        **fields,
    )


def load(*, stdout) -> list[dict]:
    from .moderation.demo import load as load_moderation
    from .questions.demo import load as load_questions

    logins = _load_discussion(stdout=stdout) + load_questions(stdout=stdout)
    return logins + load_moderation(stdout=stdout)


def _load_discussion(*, stdout) -> list[dict]:
    logins = _readers()
    users = {key: login["user"] for key, login in logins.items()}
    first_login = [logins["maya"]]
    article = Article.objects.filter(slug=DEMO_ARTICLE).first()
    if article is None:
        return first_login
    if Comment.objects.filter(article=article, author__in=users.values()).exists():
        stdout.write("Demo discussion: already there.")
        return first_login
    rng = random.Random(4)  # noqa: S311 - demo text, not security
    published = article.published_at or timezone.now()
    start = published + datetime.timedelta(minutes=20)
    span = max(timezone.now() - start, datetime.timedelta(hours=2)) * 0.85
    with transaction.atomic():
        WordRule.objects.get_or_create(
            phrase="clown", defaults={"action": WordRule.Action.HOLD}
        )
        picks = _create_threads(article, users, rng, start=start, span=span)
        newcomer = _newcomer(joined=timezone.now() - datetime.timedelta(hours=1))
        Comment.objects.bulk_create(
            _comment(article, newcomer if who == "newcomer" else users[who], body,
                     timezone.now() - datetime.timedelta(minutes=20 - 5 * i),
                     status=Comment.Status.PENDING, hold_reason=reason,
                     hold_rule=_word_rule_key() if rule == "word-rule" else rule)
            for i, (who, reason, rule, body) in enumerate(HELD)
        )  # fmt: skip
        approved = list(Comment.objects.approved().filter(article=article))
        readers = list(users.values())
        Reaction.objects.bulk_create(
            (
                Reaction(user=user, comment=comment)
                for comment in rng.sample(approved, 60)
                for user in rng.sample(readers, rng.randint(1, 6))
                if user.pk != comment.author_id
            ),
            ignore_conflicts=True,
        )
        on_article = Comment.objects.filter(article=article)
        _count(on_article)
        Comment.objects.filter(pk__in=[c.pk for c in picks]).update(
            is_editors_pick=True, picked_at=timezone.now()
        )
        Article.objects.filter(pk=article.pk).update(
            comment_count=on_article.filter(Q(status=Comment.Status.APPROVED)).count()
        )
        _join_before_first_comment(users, published=published)
        for key in ("oksana", "tomasz"):  # long-standing regulars: the badge
            reader_set_trusted(
                reader=users[key],
                moderator=None,
                on=True,
                reason="a careful regular for years",
            )
        transaction.on_commit(lambda: article_changed(article.pk))
    stdout.write(
        f"Demo discussion: {on_article.count()} comments on “{article.title}”."
    )
    return first_login


def _create_threads(article, users, rng, *, start, span) -> list[Comment]:
    """THREADS as rows, level by level (a reply needs its parent's pk); threads
    spread over `span` from `start`, replies minutes to hours after their parent.
    Returns the editors' picks."""
    picks = []
    latest = timezone.now() - datetime.timedelta(minutes=30)  # nothing in the future
    last_reply: dict[int, datetime.datetime] = {}
    level = [(thread, None) for thread in THREADS]
    for depth in (1, 2, 3):
        rows = []
        for i, (item, parent) in enumerate(level):
            if parent is None:
                created = (
                    start
                    + span * (i / len(level))
                    + datetime.timedelta(minutes=rng.randint(0, 50))
                )
            else:
                # Replies in the order they are written: each answers what is
                # above it, so a later sibling never comes first.
                after = max(parent.created, last_reply.get(id(parent), parent.created))
                created = after + datetime.timedelta(minutes=rng.randint(4, 180))
                last_reply[id(parent)] = created
            created = min(created, latest)
            rows.append(
                _comment(article, users[item.author], item.body, created,
                         parent=parent, depth=depth,
                         root=(parent.root or parent) if parent else None,
                         status=Comment.Status.APPROVED)
            )  # fmt: skip
        created_rows = Comment.objects.bulk_create(rows)
        pairs = list(zip(created_rows, level, strict=True))
        picks += [row for row, (item, _) in pairs if item.pick]
        level = [
            (reply, row)
            for row, (item, _) in zip(created_rows, level, strict=True)
            for reply in item.replies
        ]
    return picks


def _count(comments) -> None:
    """The denormalized reaction and reply counts, from the rows."""
    comments.update(
        reaction_count=Coalesce(
            Subquery(
                Reaction.objects.filter(comment=OuterRef("pk"))
                .values("comment")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
        reply_count=Coalesce(
            Subquery(
                Comment.objects.filter(
                    parent=OuterRef("pk"), status=Comment.Status.APPROVED
                )
                .values("parent")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
    )


def _newcomer(*, joined):
    from articles.management.commands.demo import ensure_demo_user

    user = ensure_demo_user(
        email=NEWCOMER[0], display_name=NEWCOMER[1], role="Demo commenter"
    )["user"]
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    get_user_model().objects.filter(pk=user.pk).update(date_joined=joined)
    return user


def _word_rule_key() -> str:
    rule = WordRule.objects.get(phrase="clown")
    return f"word-rule:{rule.pk}:clown"[:40]


def _join_before_first_comment(users: dict, *, published) -> None:
    """Readers joined before they commented: READERS says how long before the
    article each one signed up."""
    User = get_user_model()
    for key, user in users.items():
        days = READERS[key][2]
        User.objects.filter(pk=user.pk).update(
            date_joined=published - datetime.timedelta(days=days)
        )
