"""Seed data for benchmarks: bench readers and a discussion of N approved comments."""

import random

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

BODIES = [
    "The format matters as much as the outcome. Dayton is the obvious comparison.",
    "Security guarantees mean little without someone willing to enforce them.",
    "I'd like to see the **European** position spelled out before any deal.",
    "Back channels work best when nobody talks about them. This is very public.",
    "Public opinion in Ukraine has been remarkably stable on territory.",
    "A land-for-security swap sounds pragmatic until you ask who lives there.",
]


def bench_readers(count: int) -> list:
    """Verified readers bench-reader-<n>@example.com (created once).

    Ordinary readers, not trusted ones: their posts go through every rule, the
    holding rules included (seed_discussion gives each an approved comment, so the
    first-comments rule lets them publish).
    """
    User = get_user_model()
    password = make_password("bench-password-not-secret")  # hashed once, not 200 times
    readers = []
    for n in range(count):
        email = f"bench-reader-{n}@example.com"
        user, created = User.objects.update_or_create(
            email=email,
            defaults={"trusted": False},
            create_defaults={"display_name": f"Bench Reader {n}", "trusted": False},
        )
        if created:
            user.password = password
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        readers.append(user)
    return readers


@transaction.atomic
def seed_discussion(article, count: int, *, seed: int = 7, readers: int = 12) -> int:
    """Replace the article's discussion with `count` approved comments (30% replies),
    written by the first `readers` bench readers, each at least once."""
    from comments.markdown import render_comment
    from comments.models import Comment

    rng = random.Random(seed)
    from comments.models import ModerationDecision

    ModerationDecision.objects.filter(article=article).delete()
    Comment.objects.filter(article=article).delete()
    authors = bench_readers(readers)
    rendered = {body: render_comment(body) for body in BODIES}
    top_count = max(len(authors), int(count * 0.7))
    tops = Comment.objects.bulk_create(
        Comment(
            article=article,
            author=authors[n] if n < len(authors) else rng.choice(authors),
            body=(body := rng.choice(BODIES)),
            body_html=rendered[body],
            status=Comment.Status.APPROVED,
            depth=1,
        )
        for n in range(top_count)
    )
    replies = []
    for _ in range(count - top_count):
        parent = rng.choice(tops)
        body = rng.choice(BODIES)
        replies.append(
            Comment(
                article=article,
                author=rng.choice(authors),
                body=body,
                body_html=rendered[body],
                status=Comment.Status.APPROVED,
                parent=parent,
                root=parent,
                depth=2,
            )
        )
    Comment.objects.bulk_create(replies)
    replies_of = (
        Comment.objects.filter(parent=OuterRef("pk"))
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Comment.objects.filter(article=article, depth=1).update(
        reply_count=Coalesce(Subquery(replies_of), 0)
    )
    type(article).objects.filter(pk=article.pk).update(comment_count=count)
    return count


def vacuum(*tables: str) -> None:
    """PostgreSQL: reclaim the rows a reseed deleted and refresh the statistics.

    Runs don't inherit the bloat of the runs before them (autovacuum would catch up
    in its own time; a benchmark should not depend on when).
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM ANALYZE "{table}"')
