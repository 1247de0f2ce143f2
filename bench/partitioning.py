"""Should visits be partitioned by year? A measurement on synthetic rows (docs/deploy.md).

Two copies of the same visits — a plain table with the application's indexes, and one
partitioned by year with PostgreSQL's declarative partitioning (PARTITION BY RANGE (visited_on))
and the same indexes on every partition — and the queries that read visits:

- the visits list, page 1 of a county, in the changelist's order (-visited_on, -id);
- one child's visits (the child's page, 一人一档);
- the monthly ledger's month: the county's visits in one month;
- the last-visit lookup: every child of a county, its latest visit (the overdue count).

Usage (a scratch database; nothing of the application's):

    createdb -h 127.0.0.1 -U postgres aixin_partitions
    .venv/bin/python bench/partitioning.py postgres://postgres@127.0.0.1:5432/aixin_partitions \
        --visits 3000000 --children 150000

Prints a Markdown table of medians (warm cache, jit off as the application runs).
"""

import argparse
import statistics
import time

import psycopg

YEARS = range(2019, 2027)

SETUP = """
DROP TABLE IF EXISTS bench_visit_plain, bench_visit_parted, bench_child CASCADE;
CREATE TABLE bench_child (id bigint PRIMARY KEY, region_code varchar(12) NOT NULL);
INSERT INTO bench_child
SELECT i, '14' || lpad((i % {counties} + 1)::text, 4, '0') || lpad((i % 17 + 100)::text, 3, '0')
       || lpad((i % 23 + 1)::text, 3, '0')
FROM generate_series(1, {children}) i;
CREATE INDEX ON bench_child (region_code);

CREATE TABLE bench_visit_plain (
    id bigint NOT NULL, child_id bigint NOT NULL, visited_on date NOT NULL, mode_id int NOT NULL,
    findings text NOT NULL, help_given text NOT NULL, goods_value numeric(10, 2) NOT NULL,
    PRIMARY KEY (id));
-- Rows arrive roughly in date order (a visit is entered within days of it), so ids rise with the
-- date and a month's rows sit together in the heap, as in a real table.
INSERT INTO bench_visit_plain
SELECT row_number() OVER (ORDER BY d, i), child_id, d, 1 + i % 5,
       '入户走访，了解学习和生活情况，孩子状态良好' || i % 97, '送去学习用品' || i % 13, (i % 200)::numeric
FROM (SELECT i, 1 + (hashint8(i) & 2147483647) % {children} AS child_id,
             date '2019-01-01' + ((hashint8(i * 7) & 2147483647) % (date '2026-12-01' - date '2019-01-01'))::int AS d
      FROM generate_series(1, {visits}) i) g;
CREATE INDEX ON bench_visit_plain (child_id, visited_on DESC);
CREATE INDEX ON bench_visit_plain (visited_on DESC, id DESC);

CREATE TABLE bench_visit_parted (LIKE bench_visit_plain INCLUDING DEFAULTS) PARTITION BY RANGE (visited_on);
{partitions}
INSERT INTO bench_visit_parted SELECT * FROM bench_visit_plain ORDER BY id;
-- a unique or primary key of a partitioned table must contain the partition key
ALTER TABLE bench_visit_parted ADD PRIMARY KEY (id, visited_on);
CREATE INDEX ON bench_visit_parted (child_id, visited_on DESC);
CREATE INDEX ON bench_visit_parted (visited_on DESC, id DESC);
VACUUM ANALYZE bench_child;
VACUUM ANALYZE bench_visit_plain;
VACUUM ANALYZE bench_visit_parted;
"""

COUNTY = "'14' || lpad('{county}', 4, '0')"

QUERIES = {
    "visits list, page 1 of a county (100 rows, -visited_on, -id)": """
        SELECT v.id, v.visited_on, v.child_id FROM {t} v JOIN bench_child c ON c.id = v.child_id
        WHERE c.region_code >= {lo} AND c.region_code < {hi}
        ORDER BY v.visited_on DESC, v.id DESC LIMIT 100""",
    "visits list, page 1 of the province": """
        SELECT v.id, v.visited_on, v.child_id FROM {t} v ORDER BY v.visited_on DESC, v.id DESC LIMIT 100""",
    "one child's visits": """
        SELECT v.id, v.visited_on FROM {t} v WHERE v.child_id = 4242 ORDER BY v.visited_on DESC""",
    "a county's visits in one month (monthly ledger)": """
        SELECT count(*), count(DISTINCT v.child_id), sum(v.goods_value) FROM {t} v
        JOIN bench_child c ON c.id = v.child_id
        WHERE c.region_code >= {lo} AND c.region_code < {hi}
          AND v.visited_on >= date '2026-11-01' AND v.visited_on < date '2026-12-01'""",
    "the province's visits in one month": """
        SELECT count(*), count(DISTINCT v.child_id) FROM {t} v
        WHERE v.visited_on >= date '2026-11-01' AND v.visited_on < date '2026-12-01'""",
    "last visit of every child of a county (overdue count)": """
        SELECT count(*) FILTER (WHERE last IS NULL OR last < date '2026-11-30' - 30) FROM (
          SELECT (SELECT v.visited_on FROM {t} v WHERE v.child_id = c.id AND v.visited_on <= date '2026-11-30'
                  ORDER BY v.visited_on DESC LIMIT 1) AS last
          FROM bench_child c WHERE c.region_code >= {lo} AND c.region_code < {hi}) s""",
}


def partitions_sql() -> str:
    parts = [
        f"CREATE TABLE bench_visit_parted_{y} PARTITION OF bench_visit_parted "
        f"FOR VALUES FROM ('{y}-01-01') TO ('{y + 1}-01-01');"
        for y in YEARS
    ]
    parts.append("CREATE TABLE bench_visit_parted_rest PARTITION OF bench_visit_parted DEFAULT;")
    return "\n".join(parts)


def pages(cursor, sql: str) -> int:
    """8 kB pages the query touches (EXPLAIN BUFFERS: hit + read, planning included): the work
    done, unlike the time independent of what else the machine is doing."""
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
    (plan,) = cursor.fetchone()[0]
    top, planning = plan["Plan"], plan.get("Planning", {})
    return sum(part.get(f"Shared {kind} Blocks", 0) for part in (top, planning) for kind in ("Hit", "Read"))


def timed(cursor, sqls: list[str], repeat: int) -> list[float]:
    """Median wall time of each query, run in turn (so a busy moment hits both alike)."""
    runs = [[] for _ in sqls]
    for sql in sqls:  # warm
        cursor.execute(sql)
        cursor.fetchall()
    for _ in range(repeat):
        for i, sql in enumerate(sqls):
            start = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            runs[i].append((time.perf_counter() - start) * 1000)
    return [statistics.median(r) for r in runs]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--visits", type=int, default=3_000_000)
    parser.add_argument("--children", type=int, default=150_000)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the tables of an earlier run")
    args = parser.parse_args()
    with psycopg.connect(args.url, autocommit=True, options="-c jit=off") as conn, conn.cursor() as cursor:
        if not args.reuse:
            start = time.perf_counter()
            for statement in SETUP.format(
                counties=args.counties, children=args.children, visits=args.visits, partitions=partitions_sql()
            ).split(";\n"):
                if statement.strip():
                    cursor.execute(statement)
            print(f"setup {time.perf_counter() - start:.0f} s")
        sizes = {}
        for table in ("bench_visit_plain", "bench_visit_parted"):
            cursor.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.oid = %s::regclass "
                "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
                [table, table],
            )
            sizes[table] = cursor.fetchone()[0] / 2**20
        lo, hi = COUNTY.format(county=7) + " || '000000'", COUNTY.format(county=8) + " || '000000'"
        print(
            f"\nvisits {args.visits:,}, children {args.children:,}, {args.counties} counties; "
            f"size plain {sizes['bench_visit_plain']:.0f} MB, partitioned {sizes['bench_visit_parted']:.0f} MB\n"
        )
        print("| query | plain: median, pages | partitioned by year: median, pages | time ratio |")
        print("|---|---|---|---|")
        for name, sql in QUERIES.items():
            both = [sql.format(t=t, lo=lo, hi=hi) for t in ("bench_visit_plain", "bench_visit_parted")]
            plain, parted = timed(cursor, both, args.repeat)
            plain_pages, parted_pages = (pages(cursor, q) for q in both)
            print(
                f"| {name} | {plain:.1f} ms, {plain_pages:,} | {parted:.1f} ms, {parted_pages:,} "
                f"| {parted / plain:.2f}× |"
            )


if __name__ == "__main__":
    main()
