"""EXPLAIN (ANALYZE, BUFFERS) of the slowest statements of the slowest changelists of one scale.

    BENCH_SCALE=province DATABASE_URL=… python bench/explain.py [N | "page key" ...]

Reads bench/results/<scale>.json (written by bench/run.py, which keeps each page's two slowest
statements) and prints the plans of the N (3) slowest changelist pages' slowest statements.
EXPLAIN ANALYZE runs the statement: these are SELECTs, run inside a transaction rolled back.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402


def main(count=3, keys=()):
    scale = os.environ.get("BENCH_SCALE", "province")
    data = json.loads((ROOT / "bench" / "results" / f"{scale}.json").read_text(encoding="utf-8"))
    pages = sorted(
        (
            m
            for m in data["measures"]
            if m["group"] == "changelist" and m.get("wall_ms") and m["extra"].get("slowest_sql")
        ),
        key=lambda m: -m["wall_ms"],
    )
    pages = [m for m in pages if m["key"] in keys] if keys else pages[:count]
    for m in pages:
        statement = m["extra"]["slowest_sql"][0]
        print(f"## {m['key']}: page {m['wall_ms']:.0f} ms, {m['queries']} queries, SQL {m['sql_ms']:.0f} ms")
        print(f"slowest statement ({statement['ms']:.0f} ms in the run):\n\n{statement['sql']}\n")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))
            transaction.set_rollback(True)
        print()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and not args[0].isdigit():
        main(keys=args)
    else:
        main(int(args[0]) if args else 3)
