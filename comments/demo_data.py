"""Demo discussion: about 200 comments under the Miami peace-talks article.

Called by `manage.py demo` after the articles are imported. Idempotent: if the demo
readers have already commented there, nothing changes. Rows are bulk-created (so
body_html is rendered here, since bulk_create skips save()) and the denormalized
counts are then computed from the rows in a few UPDATE queries.
"""

import datetime
import random

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.cache import article_changed
from articles.models import Article

from .markdown import render_comment
from .models import Comment, Reaction, WordRule
from .services import HOLD_FIRST, HOLD_LINKS, HOLD_WORD

DEMO_ARTICLE = "ukraine-peace-talks-miami"
COMMENTER = ("commenter@example.com", "Maya Lindqvist")
READERS = [
    COMMENTER,
    ("tomasz@example.com", "Tomasz K."),
    ("amara@example.com", "Amara Obi"),
    ("jules@example.com", "Jules Martin"),
    ("hannah@example.com", "Hannah Weiss"),
    ("diego@example.com", "Diego Alvarez"),
    ("oksana@example.com", "Oksana Petrenko"),
    ("sam@example.com", "Sam Whitfield"),
    ("priya@example.com", "Priya Raman"),
]

OPENINGS = [
    "I read this twice and I'm still not sure the timing works.",
    "Good summary of a very messy week of diplomacy.",
    "The piece is fair, but it underplays the role of Europe.",
    "Speaking as someone with family in Kharkiv,",
    "What strikes me most is how little the public has been told.",
    "Honestly, I expected more scepticism from the article.",
    "This matches what I've heard from colleagues in Warsaw.",
    "A useful explainer.",
    "I'm cautiously optimistic, for the first time in a while.",
    "History suggests we should be careful here.",
]
MIDDLES = [
    "Any deal that freezes the front line without *guarantees* just postpones the "
    "next war.",
    "Security guarantees only mean something if someone is willing to enforce them.",
    "The sanctions question is the real sticking point, and nobody wants to say so.",
    "Miami is an odd venue, but neutral ground has worked before (see Dayton).",
    "The UN has been sidelined so far; I wonder whether that changes after a "
    "ceasefire.",
    "Reconstruction money will shape the outcome as much as any map.",
    "Public opinion in Ukraine has shifted a lot since 2022, and polls show it.",
    "It matters who monitors a ceasefire, not just who signs it.",
    "Prisoner exchanges would be a concrete sign of good faith.",
    "Energy infrastructure has to be part of any first agreement.",
]
CLOSINGS = [
    "Curious what others think.",
    "We'll know more after the next round.",
    "",
    "Thanks for not sensationalising it.",
    "> Nothing is agreed until everything is agreed.\n\nThat line says it all.",
    "",
    "I'd like to see a follow-up on the humanitarian corridors.",
]
REPLIES = [
    "I agree with most of this, but the guarantees question cuts both ways.",
    "Do you have a source for that? I've read the opposite.",
    "That's a fair point, and the article does mention it near the end.",
    "Respectfully, I think you're overestimating how much leverage there is.",
    "Exactly. The *sequencing* is everything here.",
    "Dayton is a good comparison, though the stakes are different.",
    "Thank you, this is the most sensible comment in the thread.",
    "I'm less optimistic. Talks have stalled at this stage before.",
    "Worth reading the FAQ above on exactly this.",
    "Yes, and the monitoring mission would need a clear mandate.",
]


def _body(rng: random.Random) -> str:
    parts = [rng.choice(OPENINGS), rng.choice(MIDDLES)]
    closing = rng.choice(CLOSINGS)
    text = " ".join(parts)
    return f"{text}\n\n{closing}" if closing else text


def _readers():
    from articles.management.commands.demo import ensure_demo_user

    logins = []
    for email, name in READERS:
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
        logins.append(login)
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
    users = [login["user"] for login in logins]
    article = Article.objects.filter(slug=DEMO_ARTICLE).first()
    if article is None:
        return logins[:1]
    if Comment.objects.filter(article=article, author__in=users).exists():
        stdout.write("Demo discussion: already there.")
        return logins[:1]
    rng = random.Random(4)  # noqa: S311 - demo text, not security
    start = (article.published_at or timezone.now()) + datetime.timedelta(minutes=20)
    span = max(timezone.now() - start, datetime.timedelta(hours=2))

    def when(i: int, total: int) -> datetime.datetime:
        return start + span * (i / (total + 1)) * 0.9

    with transaction.atomic():
        clown, _ = WordRule.objects.get_or_create(
            phrase="clown", defaults={"action": WordRule.Action.HOLD}
        )
        tops = Comment.objects.bulk_create(
            _comment(article, rng.choice(users), _body(rng), when(i, 110), depth=1,
                     status=Comment.Status.APPROVED)
            for i in range(110)
        )  # fmt: skip
        level2 = Comment.objects.bulk_create(
            _comment(article, rng.choice(users), rng.choice(REPLIES),
                     parent.created + datetime.timedelta(minutes=rng.randint(5, 90)),
                     parent=parent, root=parent, depth=2,
                     status=Comment.Status.APPROVED)
            for parent in rng.sample(tops, 55) for _ in range(rng.choice([1, 1, 2]))
        )  # fmt: skip
        Comment.objects.bulk_create(
            _comment(article, rng.choice(users), rng.choice(REPLIES),
                     parent.created + datetime.timedelta(minutes=rng.randint(5, 60)),
                     parent=parent, root=parent.root, depth=3,
                     status=Comment.Status.APPROVED)
            for parent in rng.sample(level2, 20)
        )  # fmt: skip
        held = [
            (HOLD_LINKS.format(limit=2), "links", "Sources: https://a.example "
             "https://b.example https://c.example"),
            (HOLD_FIRST, "first-comments",
             "First time commenting here. Thanks for the clear piece."),
            (HOLD_WORD, f"word-rule:{clown.pk}:clown",
             "Whoever planned this summit is a clown, frankly."),
        ]  # fmt: skip
        Comment.objects.bulk_create(
            _comment(article, users[i + 1], body, timezone.now(),
                     status=Comment.Status.PENDING, hold_reason=reason,
                     hold_rule=rule)
            for i, (reason, rule, body) in enumerate(held)
        )  # fmt: skip
        approved = list(Comment.objects.approved().filter(article=article))
        Reaction.objects.bulk_create(
            (
                Reaction(user=user, comment=comment)
                for comment in rng.sample(approved, 90)
                for user in rng.sample(users, rng.randint(1, 5))
                if user.pk != comment.author_id
            ),
            ignore_conflicts=True,
        )
        on_article = Comment.objects.filter(article=article)
        on_article.update(
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
        pick = on_article.filter(depth=1).order_by("-reaction_count", "pk").first()
        Comment.objects.filter(pk=pick.pk).update(
            is_editors_pick=True, picked_at=timezone.now()
        )
        Article.objects.filter(pk=article.pk).update(
            comment_count=on_article.filter(Q(status=Comment.Status.APPROVED)).count()
        )
        transaction.on_commit(lambda: article_changed(article.pk))
    stdout.write(
        f"Demo discussion: {on_article.count()} comments on “{article.title}”."
    )
    return logins[:1]
