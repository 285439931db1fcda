from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports.wordpress import ImportError_, WordPressImport


class Command(BaseCommand):
    help = "Import posts from a WordPress export (WXR 1.1/1.2, Tools → Export)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; write nothing."
        )
        parser.add_argument(
            "--section-from", choices=["categories", "tags"], default="categories"
        )
        parser.add_argument("--include-pages", action="store_true")
        parser.add_argument(
            "--include-pingbacks",
            action="store_true",
            help="Import pingbacks and trackbacks as comments too.",
        )

    def handle(self, *args, **options):
        importer = WordPressImport(
            section_from=options["section_from"],
            include_pages=options["include_pages"],
            include_pingbacks=options["include_pingbacks"],
        )
        try:
            report = importer.run(options["path"], dry_run=options["dry_run"])
        except ImportError_ as error:
            raise CommandError(str(error)) from None
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written. An import would do this:")
        for line in report.lines():
            self.stdout.write(line)
