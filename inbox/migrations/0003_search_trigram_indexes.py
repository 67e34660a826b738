"""Trigram indexes for the inbox's free-text search (PostgreSQL only).

The search is ``icontains`` over the text, the author's handle and name, which Django
writes as ``UPPER(column::text) LIKE UPPER('%word%')``; without an index a word that few
items contain made PostgreSQL read the workspace's whole inbox. A GIN trigram index on
each of those expressions answers it from the index. SQLite keeps scanning (the
embedded demo has a few hundred items).

``pg_trgm`` is a trusted extension (PostgreSQL 13+: the database owner may create it).
Where it cannot be created the search keeps working without the indexes; the migration
says so instead of failing the deployment.
"""

import logging

from django.db import migrations, transaction

log = logging.getLogger(__name__)

COLUMNS = ("text", "author_handle", "author_name")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # no privilege, or the contrib package is not installed
        log.warning("pg_trgm is not available (%s); inbox search will scan instead of using an index", exc)
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS inbox_item_{column}_trgm "
            f'ON inbox_inboxitem USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS inbox_item_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0002_list_indexes_with_id")]

    operations = [migrations.RunPython(create, drop)]
