"""Render time and query count of the article page with 10 … 10,000 comments.

    uv run python bench/render_sizes.py [--sizes 10 100 1000 10000] [--repeat 15]

Renders the demo article uncached, in process (Django's test client, no network),
for an anonymous reader and for a signed-in one, after seeding the discussion with
N approved comments (30% replies). Budgets: the query count does not change with N;
1,000 comments render in under 150 ms. Uses DATABASE_URL (default: the PostgreSQL
database broadsheet_bench).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, setup_demo_database  # noqa: E402

ARTICLE_SLUG = "ukraine-peace-talks-miami"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()

    env = bench_env(PAGE_CACHE_SECONDS="0", ALLOWED_HOSTS="testserver")
    setup_demo_database(env, static=False)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from articles.page_cache import local_pages
    from bench.seed import bench_readers, seed_discussion

    article = Article.objects.get(slug=ARTICLE_SLUG)
    url = article.get_absolute_url()
    reader = bench_readers(1)[0]
    anonymous = Client()
    signed_in = Client()
    signed_in.force_login(reader)

    def measure(client: Client) -> tuple[float, int, int]:
        timings = []
        # PAGE_CACHE_SECONDS=0: nothing is kept, every request renders. The cache
        # itself stays (it holds the signed-in reader's session, as in production).
        for _ in range(options.repeat):
            local_pages.clear()
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return statistics.median(timings), len(queries), len(response.content)

    print(
        f"Article page render, uncached, median of {options.repeat}, "
        f"{connection.vendor}, {os.cpu_count()} cores"
    )
    print("| comments | anonymous ms | queries | signed-in ms | queries | HTML KiB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in options.sizes:
        seed_discussion(article, size)
        anon_ms, anon_queries, size_bytes = measure(anonymous)
        user_ms, user_queries, _ = measure(signed_in)
        print(
            f"| {size:,} | {anon_ms:.1f} | {anon_queries} | {user_ms:.1f} | "
            f"{user_queries} | {size_bytes / 1024:.1f} |"
        )


if __name__ == "__main__":
    main()
