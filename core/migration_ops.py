"""Migration operations that only run on PostgreSQL (``make run`` migrates SQLite as well)."""

from django.db import migrations


class PostgreSQLOnly(migrations.RunSQL):
    """``RunSQL`` that does nothing on other databases: the trigram indexes of issue 16, which
    PostgreSQL uses for ``icontains`` searches and SQLite has no equivalent of. They are not in
    any model's ``Meta.indexes``, so ``makemigrations`` neither needs nor proposes them."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def trigram_index(table, name, column, *, where=""):
    """A GIN trigram index on ``UPPER(column)``: what Django's ``icontains`` compares on
    PostgreSQL (``UPPER("name"::text) LIKE UPPER('%…%')``), so the index serves it. A word of
    fewer than three characters has no trigram; PostgreSQL then scans, as without the index."""
    predicate = f" WHERE {where}" if where else ""
    expression = f'UPPER("{column}"::text) gin_trgm_ops'
    return PostgreSQLOnly(
        sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression}){predicate}',
        reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
    )
