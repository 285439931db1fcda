"""Concurrent comment posting: latency and integrity.

    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/bench_scratch \
        uv run python bench/comments_post.py [--posters 20] [--each 10]

Each poster is a thread with its own database connection and a signed-in Django test
client; all post to the same article at once through the full stack (middleware,
view, moderation rules, counts). Reports p50/p95/max latency and checks that no
comment was lost or duplicated and that Article.comment_count matches the rows.
Without BENCH_DATABASE_URL it uses a throwaway SQLite file (writers then queue on
SQLite's single write lock, so the numbers say little about PostgreSQL).
The database named in BENCH_DATABASE_URL is migrated and written to.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--each", type=int, default=10)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp.name}/post.sqlite3")
    from comments_render import setup_django

    # One pooled connection per poster thread (a web server has one per worker).
    os.environ["DATABASE_POOL_MAX"] = str(args.posters + 2)
    setup_django(url)
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from articles.models import Article, Section
    from comments.models import Comment

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.COMMENTS_RATE_PER_MINUTE = 10_000
    settings.COMMENTS_RATE_PER_DAY = 10_000
    stamp = time.time_ns()
    section, _ = Section.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    article = Article.objects.create(
        title=f"Post bench {stamp}",
        slug=f"post-bench-{stamp}",
        standfirst="Bench",
        body="Text.",
        section=section,
        status="published",
        published_at=timezone.now() - timezone.timedelta(hours=1),
    )
    posters = []
    for i in range(args.posters):
        user = User.objects.create_user(
            f"poster-{stamp}-{i}@example.com", "x", trusted=True
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True)
        posters.append(user)
    post_url = reverse("comments:post", kwargs={"article_id": article.pk})
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(args.posters)

    def run(user) -> None:
        client = Client()
        client.force_login(user)
        barrier.wait()
        for n in range(args.each):
            began = time.perf_counter()
            response = client.post(post_url, {"body": f"Comment {n} by {user.pk}."})
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status_code != 302:
                    failures.append(f"{user.pk}/{n}: HTTP {response.status_code}")
        connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in posters]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    expected = args.posters * args.each
    rows = Comment.objects.filter(article=article).count()
    distinct = (
        Comment.objects.filter(article=article).values("author", "body").distinct()
    ).count()
    article.refresh_from_db()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"database: {url.split('@')[-1]}")
    print(f"{args.posters} posters x {args.each} comments in {wall:.1f} s")
    print(
        f"latency ms: p50 {statistics.median(latencies):.1f}  p95 {p95:.1f}  "
        f"max {latencies[-1]:.1f}"
    )
    print(
        f"comments: expected {expected}, rows {rows}, distinct {distinct}, "
        f"article.comment_count {article.comment_count}, failures {len(failures)}"
    )
    ok = rows == distinct == expected == article.comment_count and not failures
    print("integrity:", "OK" if ok else "BROKEN")
    tmp.cleanup()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
