"""A migration that adds an expression index also ANALYZEs its table (issue 16).

PostgreSQL has no statistics for an index's expression until the table is analyzed, and
autovacuum analyzes only after enough rows change: a deployment that migrates in the search
indexes would keep walking whole tables (the benchmark's province: activities searched for 王 in
1.3 s instead of 2 ms) until some later ANALYZE."""

import re

from django.db.migrations.loader import MigrationLoader

from core.migration_ops import PostgreSQLOnly

GIN = re.compile(r'CREATE INDEX IF NOT EXISTS "[^"]+" ON "(?P<table>[^"]+)" USING gin \((?P<expr>.*)\)', re.S)


def _expression_indexes(migration):
    for position, operation in enumerate(migration.operations):
        if isinstance(operation, PostgreSQLOnly):
            match = GIN.search(str(operation.sql))
            if match and "(" in match["expr"]:  # UPPER(col), the spaced text: an expression
                yield position, match["table"]


def test_the_last_migration_adding_an_expression_index_to_a_table_analyzes_it_afterwards():
    """One ANALYZE after the last such index of each table gathers the statistics of all its
    expression indexes, older ones included (migrations already released stay as they are)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    last = {}  # table -> (app, migration name, position of its last expression index there)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        for position, table in _expression_indexes(migration):
            if table not in last or (app, name) >= last[table][:2]:
                last[table] = (app, name, position)
    assert len(last) >= 5, "expression indexes not found: the pattern no longer matches core.migration_ops"
    missing = []
    for table, (app, name, position) in sorted(last.items()):
        migration = loader.disk_migrations[app, name]
        later = " ".join(str(op.sql) for op in migration.operations[position + 1 :] if isinstance(op, PostgreSQLOnly))
        if f'ANALYZE "{table}"' not in later:
            missing.append(f"{app}.{name}: {table}")
    assert missing == [], missing
