"""manage.py import_articles PATH…: Markdown files (or folders) into articles."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importer import import_article_files


class Command(BaseCommand):
    help = "Import articles from Markdown files with YAML front matter (by slug)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders")

    def handle(self, *args, paths: list[Path], **options):
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(sorted(path.glob("*.md")))
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{path}: no such file or folder")
        result = import_article_files(files)
        self.stdout.write(
            f"{len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.errors)} failed."
        )
        for error in result.errors:
            self.stderr.write(self.style.ERROR(str(error)))
        if result.errors:
            raise CommandError(
                f"{len(result.errors)} file(s) were not imported; nothing from them "
                "was written."
            )
