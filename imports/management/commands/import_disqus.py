from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports.disqus import DisqusImport
from imports.wordpress import ImportError_


def prefix_map(value: str) -> tuple[str, str]:
    old, sep, new = value.partition("=")
    if not sep or not old:
        raise CommandError(
            f"--map {value!r}: expected old_url_prefix=new_url_prefix, e.g. "
            "--map https://old.example.com/blog/=https://news.example.com/articles/"
        )
    return old, new


class Command(BaseCommand):
    help = "Import discussions from a Disqus export (Admin → Community → Export)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; write nothing."
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="OLD_PREFIX=NEW_PREFIX",
            help="Rewrite thread links starting with OLD_PREFIX before matching "
            "them to articles (repeatable).",
        )

    def handle(self, *args, **options):
        maps = [prefix_map(value) for value in options["map"]]
        try:
            report = DisqusImport(maps=maps).run(
                options["path"], dry_run=options["dry_run"]
            )
        except ImportError_ as error:
            raise CommandError(str(error)) from None
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written. An import would do this:")
        for line in report.lines():
            self.stdout.write(line)
