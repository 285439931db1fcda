"""A trigram index on headlines for "did you mean", on PostgreSQL with pg_trgm.

Without it, a search with no results compares the query with every headline; with
it, the word-similarity operator (<%) finds the close ones from the index. Nothing
happens on SQLite or where pg_trgm is not installed (0006 installs it if it can).
"""

from django.db import migrations

INDEX_NAME = "article_title_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        installed = cursor.fetchone() is not None
    if installed:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON articles_article "
            "USING gin (title gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_search_document")]

    operations = [migrations.RunPython(forwards, backwards)]
