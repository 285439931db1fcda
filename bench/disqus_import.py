"""Time a Disqus import and its peak memory, and read pages while it runs.

    uv run python bench/disqus_import.py [--comments 10000] [--articles 200]
    uv run python bench/disqus_import.py --megabytes 200   # a file of that size

Builds an export of N comments on as many threads as articles (a third of them
replies, nested up to six deep; 2,000 commenters with an address, one in ten a
guest; some deleted, some spam), makes the articles, then imports it twice (the
second run matches every comment and changes nothing). Meanwhile another thread
asks for an article page again and again: its slowest answer shows whether the
import blocks readers. Uses DATABASE_URL when set, else a throwaway SQLite file
(WAL, as the demo runs it). Peak memory is the process's maximum resident set.
"""

import argparse
import datetime
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" '
    'xmlns:dsq="http://disqus.com/disqus-internals">\n'
)
WORDS = (
    "council budget harbour library reader vote plan school road river market "
    "winter bridge tram housing park rent station museum water energy"
).split()


def message(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 3)):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        paragraphs.append(f"<p>{words.capitalize()}.</p>")
    return "".join(paragraphs)


def build_export(path: Path, comments: int, articles: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    with path.open("w") as out:
        out.write(HEAD)
        for n in range(articles):
            out.write(
                f'<thread dsq:id="{n + 1}"><id>bench-{n}</id><forum>bench</forum>'
                f"<link>https://old.example.com/articles/bench-{n}/</link>"
                f"<title>Bench {n}</title>"
                "<createdAt>2024-01-01T10:00:00Z</createdAt></thread>\n"
            )
        by_thread: dict[int, list[tuple[int, int]]] = {}
        for n in range(comments):
            post_id = 1_000_000 + n
            thread = rng.randrange(articles) + 1
            earlier = by_thread.setdefault(thread, [])
            parent, depth = "", 1
            if earlier and rng.random() < 0.35:
                parent_id, parent_depth = rng.choice(earlier[-30:])
                if parent_depth < 6:
                    parent, depth = f'<parent dsq:id="{parent_id}"/>', parent_depth + 1
            earlier.append((post_id, depth))
            person = rng.randrange(2000)
            if rng.random() < 0.1:
                author = f"<name>Guest {person}</name><isAnonymous>true</isAnonymous>"
            else:
                author = (
                    f"<email>reader{person}@example.com</email>"
                    f"<name>Reader {person}</name><isAnonymous>false</isAnonymous>"
                )
            deleted = "true" if rng.random() < 0.03 else "false"
            spam = "true" if rng.random() < 0.02 else "false"
            out.write(
                f'<post dsq:id="{post_id}"><id/>'
                f"<message>{escape(message(rng))}</message>"
                f"<createdAt>2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00Z</createdAt>"
                f"<isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>"
                f"<author>{author}</author>"
                f'<thread dsq:id="{thread}"/>{parent}</post>\n'
            )
        out.write("</disqus>\n")
    return path.stat().st_size


def read_pages_meanwhile(url: str, stop: threading.Event, timings: list) -> None:
    from django.db import connection
    from django.test import Client

    client = Client()
    while not stop.is_set():
        started = time.perf_counter()
        status = client.get(url).status_code
        timings.append((time.perf_counter() - started, status))
        time.sleep(0.05)
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--megabytes", type=int, help="build a file of this size")
    args = parser.parse_args()
    if args.megabytes:  # a comment takes about 850 bytes in the file (169 MB: 200k)
        args.comments = args.megabytes * 1_180
    tmp = tempfile.TemporaryDirectory()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    from articles.models import Article, Section
    from imports.disqus import DisqusImport

    call_command("migrate", verbosity=0, interactive=False)
    section, _ = Section.objects.get_or_create(slug="news", defaults={"name": "News"})
    Article.objects.bulk_create(
        Article(
            title=f"Bench {n}",
            slug=f"bench-{n}",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
            body="Bench.",
            body_html="<p>Bench.</p>",
        )
        for n in range(args.articles)
    )
    export = Path(tmp.name) / "export.xml"
    size = build_export(export, args.comments, args.articles)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for label in ("first import", "re-run"):
        stop, timings = threading.Event(), []
        reader = threading.Thread(
            target=read_pages_meanwhile,
            args=("/articles/bench-0/", stop, timings),
        )
        reader.start()
        started = time.perf_counter()
        report = DisqusImport().run(export)
        seconds = time.perf_counter() - started
        stop.set()
        reader.join()
        answers = [t for t, status in timings if status == 200]
        print(f"{label}: {seconds:.1f} s — {report.comments.lines()[0]}")
        if answers:
            print(
                f"  meanwhile {len(answers)} of {len(timings)} article pages answered "
                f"200: median {statistics.median(answers) * 1000:.0f} ms, slowest "
                f"{max(answers) * 1000:.0f} ms"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"export: {args.comments} comments on {args.articles} articles, "
        f"{size / 1e6:.1f} MB; peak memory {rss / 1024:.0f} MB "
        f"(was {rss_before / 1024:.0f} MB before the imports)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
