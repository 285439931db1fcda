"""Time a WordPress import and its peak memory, for an export of N posts.

    uv run python bench/wordpress_import.py [--posts 2000]

Builds the export from the test fixture's first post (tests/imports/data), each
copy with its own id and slug, and imports it twice (the second run matches every
post and changes nothing). Uses DATABASE_URL when set, else a throwaway SQLite
file. Peak memory is the process's maximum resident set (ru_maxrss).
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_export(path: Path, posts: int) -> int:
    text = (ROOT / "tests/imports/data/wordpress.xml").read_text()
    start = text.index("<item>")
    end = text.index("</item>") + len("</item>")
    item = text[start:end]
    with path.open("w") as out:
        out.write(text[:start])
        for n in range(posts):
            out.write(
                item.replace("<wp:post_id>101", f"<wp:post_id>{100_000 + n}").replace(
                    "council-votes", f"bench-post-{n}"
                )
            )
        out.write(text[end:])
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from imports.wordpress import WordPressImport

    call_command("migrate", verbosity=0, interactive=False)
    export = Path(tmp.name) / "export.xml"
    size = build_export(export, args.posts)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for label in ("first import", "re-run"):
        started = time.perf_counter()
        report = WordPressImport().run(export)
        seconds = time.perf_counter() - started
        print(f"{label}: {seconds:.1f} s — {report.lines()[0]}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"export: {args.posts} posts, {size / 1e6:.1f} MB; peak memory "
        f"{rss / 1024:.0f} MB (was {rss_before / 1024:.0f} MB before the imports)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
