"""What came from another system: the source ids of imported rows (so a re-run
matches them instead of duplicating) and the old links that redirect to them."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone

from articles.models import Article, Author


class ImportedItem(models.Model):
    """One row of ours that came from a source system, by its id there."""

    class Source(models.TextChoices):
        WORDPRESS = "wordpress", "WordPress"
        DISQUS = "disqus", "Disqus"

    class Kind(models.TextChoices):
        POST = "post", "Post"
        AUTHOR = "author", "Author"
        COMMENT = "comment", "Comment"

    source = models.CharField(max_length=20, choices=Source.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.CharField(max_length=200, help_text="Its id in the source.")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "comments.Comment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    source_modified = models.CharField(
        max_length=40, blank=True, help_text="The source's last-modified stamp."
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="imported_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.kind} {self.source_id}"


class LegacyLink(models.Model):
    """An old address of an article: answered with a 301 to the article."""

    path = models.CharField(
        max_length=500,
        unique=True,
        help_text='The old path, with "?p=ID" for WordPress\'s short links.',
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="legacy_links"
    )
    source = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return self.path


class ImportFileStorage(FileSystemStorage):
    """Where uploaded exports wait: settings.IMPORTS_ROOT, outside MEDIA_ROOT and
    never served (they hold commenters' addresses). Read at each use, so a change
    of the setting (a test's temporary folder) is followed."""

    @property
    def base_location(self):
        return settings.IMPORTS_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_storage() -> ImportFileStorage:
    return ImportFileStorage()


class ImportRun(models.Model):
    """An import started from the admin: the uploaded file, the dry run's report,
    then the import's, run in the background (imports/runs.py)."""

    class Source(models.TextChoices):
        WORDPRESS = "wordpress", "WordPress export (WXR)"
        DISQUS = "disqus", "Disqus export"

    class Status(models.TextChoices):
        CHECKING = "checking", "Dry run in progress"
        CHECKED = "checked", "Dry run done: ready to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=20, choices=Source.choices)
    upload = models.FileField(
        "export file", storage=private_storage, upload_to="exports/%Y/%m/"
    )
    file_name = models.CharField(max_length=255, editable=False)
    options = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.CHECKING, editable=False
    )
    dry_run_report = models.TextField(blank=True, editable=False)
    report = models.TextField(blank=True, editable=False)
    error = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    started_at = models.DateTimeField(null=True, editable=False)
    finished_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        ordering = ["-created"]
        permissions = [("run_import", "Can upload a file and run an import")]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)
