"""Render time and query count of an article page with 1,000 comments.

    uv run python bench/comments_render.py [--runs 20] [--keep-db]

Uses a throwaway SQLite database under a temporary directory unless BENCH_DATABASE_URL
is given (e.g. a scratch PostgreSQL database: it is migrated and filled with data).
Two shapes are measured, each for an anonymous and a signed-in reader:

- "50 threads of 20": 1,000 comments in 50 threads of 20 on the article page, which
  since issue 17 shows 20 threads with their first replies (the rest behind "Show
  N more replies" and "More comments");
- "1,000 threads": 1,000 top-level comments (20 rendered, the rest paginated);
- "a thread of 1,000": one thread with 999 replies, on the thread's own page
  (where "Show 996 more replies" leads): every comment rendered at once.

The page cache is not involved: this is the uncached render the budget talks about
(DESIGN.md: constant queries, 1,000 comments under 150 ms on a 2-core machine).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def build(shape: str):
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import User
    from articles.models import Article, Section
    from comments.markdown import render_comment
    from comments.models import Comment

    stamp = f"{shape}-{time.time_ns()}"
    section, _ = Section.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    article = Article.objects.create(
        title=f"Bench {stamp}",
        slug=f"bench-{stamp}",
        standfirst="Bench",
        body="A paragraph.\n\n" * 20,
        section=section,
        status="published",
        published_at=timezone.now() - timezone.timedelta(days=1),
    )
    users = [
        User.objects.create_user(f"{stamp}-{i}@example.com", "x", display_name=f"R{i}")
        for i in range(20)
    ]
    EmailAddress.objects.create(user=users[0], email=users[0].email, verified=True)
    body = (
        "A reasonably long comment with *emphasis* and a [link](https://example.org)."
    )
    html = render_comment(body)
    start = timezone.now() - timezone.timedelta(hours=20)

    def make(i, **fields):
        return Comment(
            article=article,
            author=users[i % 20],
            body=body,
            body_html=html,
            status="approved",
            created=start + timezone.timedelta(seconds=i),
            **fields,
        )

    if shape == "one-thread":
        top = Comment.objects.bulk_create([make(0)])[0]
        Comment.objects.bulk_create(
            make(1 + i, parent=top, root=top, depth=2) for i in range(999)
        )
    elif shape == "one-page":
        tops = Comment.objects.bulk_create(make(i) for i in range(50))
        Comment.objects.bulk_create(
            make(100 + i * 20 + j, parent=top, root=top, depth=2)
            for i, top in enumerate(tops)
            for j in range(19)
        )
    else:
        Comment.objects.bulk_create(make(i) for i in range(1000))
    Article.objects.filter(pk=article.pk).update(
        comment_count=Comment.objects.filter(article=article).count()
    )
    url = article.get_absolute_url()
    if shape == "one-thread":
        url = f"/discussion/comment/{top.pk}/thread/"
    return url, users[0]


def measure(client, url: str, runs: int) -> tuple[float, float, int, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.page_cache import local_pages

    client.get(url)  # warm up templates and connections
    timings = []
    for _ in range(runs):
        cache.clear()  # the uncached render, not a page-cache hit
        local_pages.clear()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    rendered = response.content.decode().count('<article class="comment')
    return statistics.median(timings), max(timings), len(queries), rendered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3"
    )
    setup_django(database_url)
    from django.test import Client

    print(f"database: {database_url.split('@')[-1]}  runs: {args.runs}")
    print(f"{'shape':<20} {'reader':<10} {'median ms':>10} {'max ms':>8} "
          f"{'queries':>8} {'rendered':>9}")  # fmt: skip
    for shape, label in (
        ("one-page", "50 threads of 20"),
        ("threads", "1,000 threads"),
        ("one-thread", "a thread of 1,000"),
    ):
        url, reader = build(shape)
        for who in ("anonymous", "signed-in"):
            client = Client()
            if who == "signed-in":
                client.force_login(reader)
            median, worst, queries, rendered = measure(client, url, args.runs)
            print(f"{label:<20} {who:<10} {median:>10.1f} {worst:>8.1f} "
                  f"{queries:>8} {rendered:>9}")  # fmt: skip
    tmp.cleanup()


if __name__ == "__main__":
    main()
