"""The search index of the practice library (ADR 0060): on PostgreSQL a GIN index over the
stored German tsvector; on SQLite an FTS5 table of the texts, stemmed in Python by the same
Snowball German stemmer PostgreSQL uses. The services keep both in step with every write."""

from django.db import migrations

FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS exchange_fts USING fts5("
    "title, summary, body, tokenize = 'unicode61 remove_diacritics 0')"
)


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS exchange_practice_search "
            "ON exchange_practice USING gin (search_vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS exchange_practice_search")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS exchange_fts")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
