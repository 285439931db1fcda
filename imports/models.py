"""What came from another system: the source ids of imported rows (so a re-run
matches them instead of duplicating) and the old links that redirect to them."""

from django.db import models

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
