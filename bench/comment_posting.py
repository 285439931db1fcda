"""Benchmark comment posting: 20 signed-in readers posting at once, on PostgreSQL.

    uv run python bench/comment_posting.py [--readers 20] [--seconds 15] [--think-ms 0]
        [--comments 500] [--accounts-per-reader 10] [--workers cores+1] [--htmx]

wrk drives gunicorn (gunicorn.conf.py) with one connection per concurrent reader
(bench/post_comments.lua). Each request is a plain form POST with a signed-in session
and CSRF token, and a distinct body. Each connection takes turns among
--accounts-per-reader accounts of its own (no account ever has two posts in flight),
so that no account writes more than a person could: the rules read an account's
recent posts, and a real reader's history is bounded by the daily limit, not by the
length of a benchmark. A reader pauses --think-ms between posts (0: closed loop, the
next post leaves as soon as the answer arrives). --htmx posts as the page's script
does (HX-Request: the answer is the new comment's fragment, 200) instead of the
plain form (a 302 back to the comment).

The demo article starts each run with a fresh discussion of --comments approved
comments (and the tables vacuumed), so runs do not depend on the ones before; a
--warmup-seconds run comes first, off the clock. Reports throughput and p50/p95/p99,
then checks the database: every accepted post (a 302 back to the comment) is exactly
one new approved comment, none lost and none duplicated. Budget: p95 under 150 ms.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_env, gunicorn, setup_demo_database  # noqa: E402

ARTICLE_SLUG = "ukraine-peace-talks-miami"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument(
        "--think-ms", type=int, default=0, help="pause between a reader's posts"
    )
    parser.add_argument(
        "--comments", type=int, default=500, help="the discussion a run starts from"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) + 1,
        help="gunicorn sync workers (default: cores + 1, as gunicorn.conf.py)",
    )
    parser.add_argument("--warmup-seconds", type=int, default=3)
    parser.add_argument(
        "--htmx", action="store_true", help="post as the page's script does"
    )
    parser.add_argument(
        "--accounts-per-reader",
        type=int,
        default=10,
        help="accounts each connection takes turns with",
    )
    options = parser.parse_args()

    env = bench_env()
    if not env["DATABASE_URL"].startswith("postgres"):
        sys.exit("This benchmark is for PostgreSQL: set DATABASE_URL=postgres://…")
    setup_demo_database(env)
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from articles.models import Article
    from bench.seed import bench_readers, seed_discussion, vacuum
    from comments.models import Comment

    article = Article.objects.get(slug=ARTICLE_SLUG)
    accounts = options.readers * options.accounts_per_reader
    readers = bench_readers(accounts)
    seed_discussion(article, options.comments, readers=accounts)
    vacuum("comments_comment", "comments_moderationdecision", "articles_article")
    lines = []
    for reader in readers:
        session = SessionStore()
        session["_auth_user_id"] = str(reader.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = reader.get_session_auth_hash()
        session.create()
        lines.append(f"{session.session_key} {secrets.token_hex(16)}")
    credentials = Path(tempfile.mkstemp(suffix=".txt")[1])
    credentials.write_text("\n".join(lines) + "\n")

    post_path = reverse("comments:post", kwargs={"article_id": article.pk})

    def run_wrk(base: str, seconds: int) -> str:
        return subprocess.run(
            [
                "wrk",
                f"-t{options.readers}",
                f"-c{options.readers}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(ROOT / "bench" / "post_comments.lua"),
                base,
            ],
            env={
                **os.environ,
                "CREDENTIALS": str(credentials),
                "THINK_MS": str(options.think_ms),
                "ACCOUNTS_PER_READER": str(options.accounts_per_reader),
                "HTMX": "1" if options.htmx else "",
                # Bodies differ from run to run: the duplicate rule stays on.
                "RUN_ID": secrets.token_hex(4),
                "POST_PATH": post_path,
                "BASE_URL": base,
            },
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    with gunicorn(env, workers=options.workers) as base:
        # Warm up (imports, connection pools, templates) before the clock starts;
        # the check below counts only the measured run's posts.
        run_wrk(base, options.warmup_seconds)
        time.sleep(1)  # the warm-up's last posts finish
        before = Comment.objects.approved().filter(article=article).count()
        output = run_wrk(base, options.seconds)
    credentials.unlink()
    statuses = {}
    latency = {}
    for line in output.splitlines():
        if line.startswith("STATUS "):
            _, status, count = line.split()
            statuses[int(status)] = int(count)
        if line.startswith("LATENCY_P"):
            name, value = line.split()
            latency[name] = int(value) / 1000
    success = 200 if options.htmx else 302
    accepted = statuses.get(success, 0)
    total = sum(statuses.values())
    new = Comment.objects.approved().filter(article=article).count() - before
    bodies = Comment.objects.filter(
        article=article, body__startswith="Bench comment"
    ).values_list("body", flat=True)
    duplicates = len(bodies) - len(set(bodies))
    if not accepted:
        sys.exit(f"No comment was accepted: {statuses}\n{output}")
    seconds = options.seconds
    print(
        f"Comment posting: {options.readers} readers for {options.seconds}s, "
        f"think time {options.think_ms} ms, {options.comments} comments to start "
        f"from, {'htmx' if options.htmx else 'plain form'}, PostgreSQL, "
        f"gunicorn {options.workers} workers, "
        f"{os.cpu_count()} cores"
    )
    print(f"requests: {total} ({statuses}) in {seconds:.1f}s, {total / seconds:.0f}/s")
    print(
        f"latency ms: p50 {latency['LATENCY_P50_US']:.1f}, "
        f"p95 {latency['LATENCY_P95_US']:.1f}, p99 {latency['LATENCY_P99_US']:.1f}"
    )
    print(f"accepted ({success}): {accepted}; new approved comments: {new}")
    print(f"duplicated bodies: {duplicates}")
    # wrk stops its clock with up to one post per connection still in flight: those
    # are saved by the server but not counted by wrk, so the rows may exceed the
    # accepted posts by at most one per reader. Every body is unique per run.
    in_flight = new - accepted
    print(f"posts still in flight when wrk stopped (saved, not counted): {in_flight}")
    ok = accepted == total and 0 <= in_flight <= options.readers and duplicates == 0
    verdict = "meets" if latency["LATENCY_P95_US"] < 150 else "MISSES"
    print(f"nothing lost or duplicated: {'yes' if ok else 'NO'}")
    print(f"p95 {verdict} the 150 ms budget")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
