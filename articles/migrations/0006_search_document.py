"""The stored search document, its GIN index and pg_trgm, on PostgreSQL.

The document replaces 0002's index on an expression of the article's own columns:
tags, authors and section live in other tables, which an index expression cannot
read. articles.search keeps the column current; this fills it for existing articles
with the same weights (the SQL below is frozen here, as migrations are). pg_trgm
gives "did you mean"; where it is not available the search works without it.
SQLite keeps an empty column and no index: its search reads the columns themselves.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import DatabaseError, migrations, transaction

INDEX_NAME = "article_search_gin"


def _vector(sql: str, weight: str) -> str:
    return f"setweight(to_tsvector('english'::regconfig, COALESCE({sql}, '')), '{weight}')"


DOCUMENT = " || ".join(
    [
        _vector("a.title", "A"),
        _vector(
            "(SELECT string_agg(t.name, ' ') FROM articles_article_tags at "
            "JOIN articles_tag t ON t.id = at.tag_id WHERE at.article_id = a.id)",
            "A",
        ),
        _vector("a.standfirst", "B"),
        _vector(
            "(SELECT string_agg(au.name, ' ') FROM articles_article_authors aa "
            "JOIN articles_author au ON au.id = aa.author_id "
            "WHERE aa.article_id = a.id)",
            "B",
        ),
        _vector("(SELECT s.name FROM articles_section s WHERE s.id = a.section_id)", "C"),
        _vector("a.body", "D"),
    ]
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    execute(f"UPDATE articles_article a SET search_document = {DOCUMENT}")
    # fastupdate off: a write goes straight into the index instead of a pending list
    # that every search must also scan until a vacuum merges it (a newsroom writes
    # little and searches a lot).
    execute(
        f"CREATE INDEX {INDEX_NAME} ON articles_article "
        "USING gin (search_document) WITH (fastupdate = off)"
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
        )
        available = cursor.fetchone() is not None
    if available:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:  # no right to: the search works without it
            pass


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # 0002's index on the expression comes back; pg_trgm stays (others may use it).
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    schema_editor.execute(
        f"CREATE INDEX {INDEX_NAME} ON articles_article USING gin (("
        + " || ".join(
            f"setweight(to_tsvector('english'::regconfig, COALESCE({column}, '')), "
            f"'{weight}')"
            for column, weight in (("title", "A"), ("standfirst", "B"), ("body", "C"))
        )
        + "))"
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_share_images")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_document",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
