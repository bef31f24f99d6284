"""Trigram indexes for searching issuers by any part of their ID or filing reference.

`icontains` becomes `UPPER(col) LIKE UPPER('%text%')`, which no B-tree serves; a GIN trigram
index on UPPER(col) does (pg_trgm). Issuer IDs and filing references are ASCII codes, so
trigrams need no language rules. PostgreSQL only: SQLite (the quick-start database) scans.
"""

from django.db import migrations

INDEXES = {
    "issuer_id_trgm": "issuer_id",
    "issuer_filing_reference_trgm": "filing_reference",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON issuers_issuer "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("issuers", "0007_supervisors_absences")]

    operations = [migrations.RunPython(create, drop)]
