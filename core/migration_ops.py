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


def trigram_extension():
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` on PostgreSQL, kept when migrating back.

    Several apps' indexes use it: Django's ``TrigramExtension`` drops it when one app migrates
    back past it, which fails while another app's index depends on it (and a test that migrates
    one app back and forth left the database half migrated)."""
    return PostgreSQLOnly(sql="CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop)


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


#: The text a short-word index holds: a space, then every character of ``UPPER(column)`` followed
#: by a space ("王小明" → " 王 小 明 "). pg_trgm takes no trigram from a LIKE word of one or two
#: characters ("%王%"), so the plain trigram index cannot serve a search for a surname; in this
#: text each character is a word of its own, whose padded trigrams ("  王", " 王 ") the index
#: holds. core.search builds the same expression (``SPACED_SQL``) for words shorter than three.
SPACED_SQL = "(' ' || regexp_replace(UPPER({column}::text), '(.)', '\\1 ', 'g'))"


def spaced_index(table, name, column, *, where=""):
    """A GIN trigram index on ``SPACED_SQL`` of ``column`` (PostgreSQL only): one- and
    two-character searches (core.search.SpacedContains)."""
    predicate = f" WHERE {where}" if where else ""
    expression = SPACED_SQL.format(column=f'"{column}"') + " gin_trgm_ops"
    return PostgreSQLOnly(
        sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression}){predicate}',
        reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
    )


def analyze(*tables):
    """``ANALYZE`` the tables after expression indexes are made, if they hold rows (PostgreSQL only).

    PostgreSQL keeps statistics of an index's expression only after an ANALYZE, and autovacuum
    analyzes a table only after enough rows change: on a database that already holds its data the
    planner would guess that a search matches ~0.5 % of the rows and walk the list's ordering index
    instead of the new ones (a province's activities searched for 王: 1.3 s instead of 2 ms,
    measured on the benchmark database). An empty table (a new installation, a test database) is
    left alone: the rows it receives later make autovacuum analyze it, and statistics of nothing
    would only mislead the planner until then."""
    statements = "\n".join(
        # Table names come from the migrations' own code, never from input.
        f'IF EXISTS (SELECT 1 FROM "{table}") THEN ANALYZE "{table}"; END IF;'  # noqa: S608
        for table in tables
    )
    return PostgreSQLOnly(sql=f"DO $$ BEGIN\n{statements}\nEND $$", reverse_sql=migrations.RunSQL.noop)
