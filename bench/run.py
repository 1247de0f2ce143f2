"""`make bench`: measure what users meet at one data scale; rebuild bench/RESULTS.md from every scale.

    BENCH_SCALE=province DATABASE_URL=… python bench/run.py [CASE[:model,model] ...]
    python bench/run.py --report          # only rebuild RESULTS.md from bench/results/*.json

Run against PostgreSQL holding a ``seed_demo --scale`` seed. The figures of one scale go to
bench/results/<scale>.json (a partial run replaces only the rows it measured), then RESULTS.md
is written with city, province and x3 side by side. Cases: see ``case_functions``;
BENCH_SCOPES="county admin,province admin" limits the scopes; BENCH_VARIANTS="page 1,search" the
changelist variants; BENCH_RUNS the measured requests per page (5); BENCH_RESUME=1 skips the
changelist pages already measured at this scale.
"""

import datetime
import json
import os
import platform
import re
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

RESULTS = ROOT / "bench" / "RESULTS.md"
RESULTS_DIR = ROOT / "bench" / "results"
SCALES = ["city", "province", "x3"]


def machine() -> str:
    from django.db import connection

    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        db = cursor.fetchone()[0].split(" on ")[0]
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {cpu}; {mem.split(':')[1].strip()}; Python {platform.python_version()}; {db}"


def sizes() -> dict:
    from activities.models import Activity, Visit
    from children.models import Child
    from pairing.models import Pairing
    from regions.models import Level, Region
    from volunteers.models import Volunteer

    return {
        "provinces": Region.objects.filter(level=Level.PROVINCE).count(),
        "children": Child.objects.count(),
        "mothers": Volunteer.objects.count(),
        "pairings": Pairing.objects.count(),
        "visits": Visit.objects.count(),
        "activities": Activity.objects.count(),
        "regions": Region.objects.count(),
    }


def seed_seconds(scale: str):
    """The seeding time `make bench` logged (bench/results/seed-<scale>.log), if any."""
    log = RESULTS_DIR / f"seed-{scale}.log"
    if not log.exists():
        return None
    found = re.findall(r"(\d+) (?:s\.|秒)", log.read_text(encoding="utf-8"))
    return int(found[-1]) if found else None


def load(scale: str) -> dict:
    path = RESULTS_DIR / f"{scale}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def main(argv):
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from bench import cases, concurrency, file_cases
    from bench.harness import Measure, Row

    case_functions = {
        "changelists": cases.changelists,
        "dashboard": cases.dashboard,
        "profile": cases.profile,
        "phone": cases.phone,
        "concurrency": concurrency.concurrency,
        "imports": file_cases.imports,
        "ledger": file_cases.monthly_ledger,
    }
    if connection.vendor != "postgresql":
        sys.exit("make bench runs against PostgreSQL: set DATABASE_URL.")
    scale = os.environ.get("BENCH_SCALE") or "province"
    setup_test_environment()
    users = cases.scope_users()
    if os.environ.get("BENCH_SCOPES"):
        wanted = [s.strip() for s in os.environ["BENCH_SCOPES"].split(",")]
        users = {k: v for k, v in users.items() if k in wanted}
    data = load(scale)
    data.update(
        scale=scale,
        run_at=f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        machine=machine(),
        sizes=sizes(),
        settings=f"DEBUG={settings.DEBUG}, database {connection.vendor}",
        seed_seconds=seed_seconds(scale) or data.get("seed_seconds"),
    )
    measures = {m["key"]: m for m in data.get("measures", [])}
    rows = {r["case"]: r for r in data.get("rows", [])}
    selected = argv or list(case_functions)
    started = time.monotonic()
    for item in selected:
        name, _, models = item.partition(":")
        only = [m for m in models.split(",") if m] or None
        print(f"== {scale}: {name}{' ' + ','.join(only) if only else ''}", flush=True)
        kwargs = {"only": only} if name in ("changelists", "concurrency") else {}
        if name == "changelists" and os.environ.get("BENCH_RESUME") == "1":
            # Resume an interrupted run: skip the pages this scale's results already hold.
            kwargs["done"] = {k for k, m in measures.items() if m.get("wall_ms") is not None}
        for result in case_functions[name](users=users, client_factory=Client, **kwargs):
            if isinstance(result, Measure):
                measures[result.key] = asdict(result)
                print(f"   {describe(asdict(result))}  [{time.monotonic() - started:.0f}s]", flush=True)
            elif isinstance(result, Row):
                rows[result.case] = asdict(result)
                print(f"   {result.case}: {result.ours} vs {result.other}", flush=True)
            data["measures"], data["rows"] = list(measures.values()), list(rows.values())
            save(scale, data)
    report()
    print(f"wrote {RESULTS_DIR / (scale + '.json')} and {RESULTS}")


def save(scale, data):
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"{scale}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def describe(m: dict) -> str:
    if m.get("wall_ms") is None:
        return f"{m['key']}: {m.get('notes') or 'not measured'}"
    pg = f", pg {m['pg_cpu_ms']:.0f}" if m.get("pg_cpu_ms") is not None else ""
    cpu = f" (cpu {m['cpu_ms']:.0f}{pg})" if m.get("cpu_ms") is not None else ""
    q = f", {m['queries']} q" if m.get("queries") is not None else ""
    return f"{m['key']}: {m['wall_ms']:.0f} ms{q}{cpu}"


# --- RESULTS.md ---------------------------------------------------------------------------------

TARGET_MS, TARGET_QUERIES, TARGET_FLAT = 300, 12, 1.5


def _cpu_total(m):
    """Django CPU + PostgreSQL CPU per request: what the page costs whatever else runs beside it."""
    if m is None or m.get("wall_ms") is None or m.get("cpu_ms") is None:
        return None
    return m["cpu_ms"] + (m.get("pg_cpu_ms") or 0.0)


def _cell(m):
    if m is None:
        return ""
    if m.get("wall_ms") is None:
        return m.get("notes") or "—"
    pg = f"{m['pg_cpu_ms']:.0f}" if m.get("pg_cpu_ms") is not None else "n/m"
    return f"{m['wall_ms']:.0f} ms · {m['queries']} q · cpu {m['cpu_ms']:.0f}+{pg}"


def _cpu(m):
    if m is None or m.get("wall_ms") is None or m.get("cpu_ms") is None:
        return ""
    pg = f"{m['pg_cpu_ms']:.0f}" if m.get("pg_cpu_ms") is not None else "n/m"
    return f"{m['cpu_ms']:.0f} / {pg}"


def _ratio(a, b, value=lambda m: m.get("wall_ms")):
    if not a or not b or not value(a) or value(b) is None:
        return None
    return value(b) / value(a)


def _fmt_ratio(pair):
    wall, cpu = pair
    if wall is None:
        return ""
    return f"{wall:.2f}×" + (f" (cpu {cpu:.2f}×)" if cpu is not None else "")


def _met(ms: list, ratios: list, value=lambda m: m["wall_ms"]):
    measured = [m for m in ms if m and m.get("wall_ms") is not None]
    if not measured:
        return ""
    problems = []
    if any(value(m) > TARGET_MS for m in measured):
        problems.append("slow")
    if any(m["queries"] > TARGET_QUERIES for m in measured):
        problems.append("queries")
    if any(r is not None and r > TARGET_FLAT for r in ratios):
        problems.append("not flat")
    return "yes" if not problems else "**no** (" + ", ".join(problems) + ")"


def _table(keys, by_scale, *, targets=True):
    head = (
        "| page | scope | variant | city: wall · queries · CPU ours+PG ms | province | x3 "
        "| province / city | x3 / province |"
    )
    lines = [head + (" met (wall) | met (CPU) |" if targets else ""), "|---" * (8 + 2 * targets) + "|"]
    tally = {"wall": [0, 0], "cpu": [0, 0]}
    for key in keys:
        ms = [by_scale.get(s, {}).get(key) for s in SCALES]
        sample = next(m for m in ms if m)
        extra = sample.get("extra", {})
        page = extra.get("model") or sample["group"]
        wall_ratios = [_ratio(ms[0], ms[1]), _ratio(ms[1], ms[2])]
        cpu_ratios = [_ratio(ms[0], ms[1], _cpu_total), _ratio(ms[1], ms[2], _cpu_total)]
        row = [page, extra.get("scope", ""), extra.get("variant", ""), *map(_cell, ms)]
        row += [_fmt_ratio(pair) for pair in zip(wall_ratios, cpu_ratios, strict=True)]
        if targets:
            met_wall, met_cpu = _met(ms, wall_ratios), _met(ms, cpu_ratios, _cpu_total)
            for name, met in (("wall", met_wall), ("cpu", met_cpu)):
                if met:
                    tally[name][met == "yes"] += 1
            row += [met_wall, met_cpu]
        lines.append("| " + " | ".join(row) + " |")
    return lines, tally


def report():
    by_scale, meta = {}, {}
    for scale in SCALES:
        data = load(scale)
        if data:
            meta[scale] = data
            by_scale[scale] = {m["key"]: m for m in data.get("measures", [])}
    if not meta:
        return
    any_meta = next(iter(meta.values()))
    counts = sorted(
        {m["runs"] for ms in by_scale.values() for m in ms.values() if m["group"] != "concurrency" and m["runs"]}
    )
    runs = " or ".join(map(str, counts)) or "5"
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {any_meta['machine']}. Settings: {any_meta['settings']}.",
        "",
        "**Conditions of the 2026-12-01 run (after issue 16's optimisations)**: city and province "
        "changelists, the ledger and the import were measured on a quiet machine (load average 1–2); "
        "the x3 changelists and dashboards, and province's dashboard, profile, phone and 60-people "
        "cases, while the test suite or helpers ran beside them (load 3–5), so their wall times, and "
        "the x3 / province ratios built on them, are inflated: judge those by the CPU columns.",
        "",
        "How to read: each page is the median wall time of "
        f"the requests recorded per page (`runs` in bench/results/<scale>.json; here {runs}) after one "
        "warm-up request (Django test client, "
        "in process, production settings), with its query count. CPU: the mean per request of this "
        "process's CPU time (`time.process_time`, the Django side: views, ORM, templates) and of the "
        "PostgreSQL backend process serving the connection (utime + stime from /proc; "
        "pg_stat_statements is not preloaded on this server). Search: the surname 王 and its pinyin "
        "`wang` (the broadest fragments staff type). Page 50: the last page when there are fewer.",
        "",
        "## Data",
        "",
        "| scale | run | provinces | children | mothers | pairings | visits | activities | regions | seeding |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scale, data in meta.items():
        s = data["sizes"]
        seed = f"{data['seed_seconds']} s" if data.get("seed_seconds") else "—"
        lines.append(
            f"| {scale} | {data['run_at']} | {s.get('provinces', 1)} | {s['children']:,} | {s['mothers']:,} | "
            f"{s['pairings']:,} | {s['visits']:,} | {s['activities']:,} | {s['regions']:,} | {seed} |"
        )
    keys = []
    for scale in SCALES:
        for key in by_scale.get(scale, {}):
            if key not in keys:
                keys.append(key)
    group = lambda k: next(by_scale[s][k] for s in SCALES if k in by_scale.get(s, {}))["group"]  # noqa: E731
    changelist_keys = [k for k in keys if group(k) == "changelist"]
    page_keys = [k for k in keys if group(k) in ("dashboard", "profile", "phone")]
    load_keys = [k for k in keys if group(k) == "concurrency"]
    if changelist_keys:
        table, tally = _table(changelist_keys, by_scale)
        (no, yes), (cpu_no, cpu_yes) = tally["wall"], tally["cpu"]
        lines += [
            "",
            "## Changelists (issue 16, target 1)",
            "",
            f"Target: median ≤ {TARGET_MS} ms, ≤ {TARGET_QUERIES} queries, and flat: the same page at "
            f"province scale within {TARGET_FLAT}× of city scale (and x3 within {TARGET_FLAT}× of province). "
            f"**Met: {yes} of {yes + no} pages by wall time; {cpu_yes} of {cpu_yes + cpu_no} by CPU time** "
            "(the Django process's plus the PostgreSQL backend's, per request: on a shared machine wall "
            "time also counts the waits for a core; CPU time is what the page costs).",
            "",
            *table,
        ]
    if page_keys:
        table, _ = _table(page_keys, by_scale, targets=False)
        lines += ["", "## Dashboard, profile, phone visit page", "", *table]
        notes = [
            f"- {k}: {m['notes']}"
            for k in page_keys
            for m in [next(by_scale[s][k] for s in SCALES if k in by_scale.get(s, {}))]
            if m.get("notes")
        ]
        lines += ["", *notes] if notes else []
    if load_keys:
        lines += [
            "",
            "## 10 province admins beside 50 township users, at once (gunicorn, threads with their own sessions)",
            "",
            "| scale | pass | requests | errors | throughput | p50 / p95 all | p50 / p95 province admins | "
            "p50 / p95 township users | server CPU (gunicorn / PostgreSQL) | visits |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for scale in SCALES:
            for key in load_keys:
                m = by_scale.get(scale, {}).get(key)
                if not m:
                    continue
                e = m["extra"]

                def pp(s):
                    return "—" if s["p50"] is None else f"{s['p50']:.0f} / {s['p95']:.0f} ms"

                lines.append(
                    f"| {scale} | {e['pass']} | {e['total']['requests']} | {e['total']['errors']} | "
                    f"{e['throughput']:.1f} req/s | {pp(e['total'])} | {pp(e['by_role']['province admin'])} | "
                    f"{pp(e['by_role']['township user'])} | {e['server_cpu_s']:.0f} s / {e['pg_cpu_s']:.0f} s "
                    f"in {e['seconds']:.0f} s | {e['visits_submitted']} submitted, {e['lost']} lost, "
                    f"{e['doubled']} doubled |"
                )
    file_rows = [(scale, r) for scale, data in meta.items() for r in data.get("rows", [])]
    if file_rows:
        lines += [
            "",
            "## Ledgers (figure beside the comparison measured in the same run)",
            "",
            "| scale | case | ours | comparison | ratio | target | met |",
            "|---|---|---|---|---|---|---|",
        ]
        for scale, r in file_rows:
            met = "" if r["ok"] is None else ("yes" if r["ok"] else "**no**")
            lines.append(
                f"| {scale} | {r['case']} | {r['ours']} | {r['other']} | {r['ratio']} | {r['target']} | {met} |"
            )
        lines += [f"- **{r['case']}** ({scale}): {r['notes']}" for scale, r in file_rows if r["notes"]]
    slow_scale = "province" if "province" in by_scale else next(iter(by_scale))
    slowest = sorted(
        (m for m in by_scale[slow_scale].values() if m.get("wall_ms") is not None and m["group"] != "concurrency"),
        key=lambda m: -m["wall_ms"],
    )[:15]
    if slowest:
        lines += ["", f"## Slowest pages at {slow_scale} scale", ""]
        lines += [
            f"1. {m['key']}: {m['wall_ms']:.0f} ms, {m['queries']} queries, SQL {m['sql_ms']:.0f} ms, CPU {_cpu(m)} ms"
            for m in slowest
        ]
    findings = RESULTS_DIR / "findings.md"
    if findings.exists():
        lines += ["", findings.read_text(encoding="utf-8").rstrip()]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--report"]:
        report()
        print(f"wrote {RESULTS}")
    else:
        main(sys.argv[1:])
