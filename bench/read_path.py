"""Benchmark the read path on gunicorn over loopback, with wrk.

    uv run python bench/read_path.py [--comments 500] [--seconds 10]

1. The anonymous demo article page (with N approved comments) served from the page
   cache, against /bench/same-bytes/ — a view that returns the same bytes through the
   same middleware — in one run: requests/s, p50, p99 and the ratio (budget: ≥ 0.8).
2. The same page uncached: anonymous with the page cache off, and signed in.

Uses DATABASE_URL (default: PostgreSQL database broadsheet_bench, created if needed)
and REDIS_URL (default redis://127.0.0.1:6379/5).
"""

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    bench_env,
    fetch,
    gunicorn,
    setup_demo_database,
    wrk,
)

ARTICLE_SLUG = "ukraine-peace-talks-miami"


def prepare(env: dict[str, str], comments: int) -> tuple[str, str]:
    """Migrate, load the demo, seed the discussion; return (article path, cookie)."""
    setup_demo_database(env)
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from articles.cache import article_changed
    from articles.models import Article
    from bench.seed import seed_discussion

    article = Article.objects.get(slug=ARTICLE_SLUG)
    seed_discussion(article, comments)
    article_changed(article.pk)
    reader, _ = get_user_model().objects.get_or_create(
        email="bench-reader@example.com", defaults={"display_name": "Bench Reader"}
    )
    session = SessionStore()
    session["_auth_user_id"] = str(reader.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = reader.get_session_auth_hash()
    session.create()
    return article.get_absolute_url(), f"sessionid={session.session_key}"


def row(name: str, result: dict) -> str:
    return (
        f"| {name} | {result['rps']:.0f} | {result['p50_ms']:.2f} | "
        f"{result['p99_ms']:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()

    page_file = ROOT / "var" / "bench-page.html"
    env = bench_env(BENCH_PAGE_FILE=str(page_file))
    path, cookie = prepare(env, options.comments)
    measure = {"seconds": options.seconds, "connections": options.connections}

    with gunicorn(env) as base:
        fetch(base + path)  # the miss that fills the cache
        body, headers = fetch(base + path)
        assert headers.get("X-Page-Cache") == "HIT", headers
        page_file.write_bytes(body)
        same = base + "/bench/same-bytes/"
        fetch(same)
        wrk(same, seconds=2)
        wrk(base + path, seconds=2)  # warm-up
        runs = {"same": [], "cached": []}
        for _ in range(2):  # interleaved, so both see the same machine conditions
            runs["same"].append(wrk(same, **measure))
            runs["cached"].append(wrk(base + path, **measure))
        signed_in = wrk(base + path, headers=[f"Cookie: {cookie}"], **measure)

    # A second server on its own port: the first may still be releasing 8123.
    with gunicorn(bench_env(PAGE_CACHE_SECONDS="0"), bind="127.0.0.1:8124") as base:
        wrk(base + path, seconds=2)
        uncached = wrk(base + path, **measure)

    def best(results: list[dict]) -> dict:
        return max(results, key=lambda result: result["rps"])

    same_best, cached_best = best(runs["same"]), best(runs["cached"])
    ratio = cached_best["rps"] / same_best["rps"]
    print(
        f"Read path, {options.comments} comments, page {len(body) / 1024:.1f} KiB, "
        f"{os.cpu_count()} cores, {platform.python_version()}, "
        f"wrk -t2 -c{options.connections} -d{options.seconds}s"
    )
    print("| page | requests/s | p50 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    print(row("same bytes, same middleware (baseline)", same_best))
    print(row("anonymous article, page cache hit", cached_best))
    print(row("anonymous article, page cache off", uncached))
    print(row("signed-in article (personalised, uncached)", signed_in))
    verdict = "meets" if ratio >= 0.8 else "MISSES"
    print(f"cache hit / baseline = {ratio:.2f} ({verdict} the 0.8 budget)")


if __name__ == "__main__":
    main()
