"""Benchmark cases for the ledgers: imports (10,000 rows vs the COPY floor, 50,000 rows' peak RSS, the
admin's preview of 10,000 rows), the monthly export of the whole province.

These yield ``Row``s (a figure beside the comparison measured in the same run), not page measures."""

import datetime
import importlib.util
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from python_calamine import CalamineWorkbook

from activities.models import Visit
from bench.harness import Row, backend_pid, fmt_s, process_cpu, ratio, run_measured, run_measured_cpu
from children.models import Child, ChildCategory, DifficultyType
from children.resources import ChildResource
from core.bulk import insert_rows, insert_rows_with_history
from core.idnumber import parse_id_number
from core.ledger.formats import LedgerFileFormat
from core.ledger.resources import IMPORT_REASON, summary_counts, summary_line
from core.pinyin import name_pinyin
from regions.models import Region

ROOT = Path(__file__).resolve().parent.parent
IMPORT_ROWS = 10_000
IMPORT_ROUNDS = int(os.environ.get("BENCH_IMPORT_ROUNDS", "3"))
RSS_ROWS = 50_000
PREVIEW_ROUNDS = int(os.environ.get("BENCH_PREVIEW_ROUNDS", "2"))


class _Rollback(Exception):
    pass


def _rolled_back(fn, *, fingerprint=None):
    """Run ``fn`` and undo what it wrote, so the benchmark database stays as seeded.

    Returns (value, Python CPU s, wall s, PostgreSQL backend CPU s or None, fingerprint): the
    clocks cover ``fn`` only; ``fingerprint()`` runs after it, inside the transaction."""
    box = {}
    pid = backend_pid()
    try:
        with transaction.atomic():
            cpu, wall, pg = time.process_time(), time.perf_counter(), process_cpu(pid) if pid else None
            box["value"] = fn()
            box["cpu"], box["wall"] = time.process_time() - cpu, time.perf_counter() - wall
            box["pg"] = process_cpu(pid) - pg if pg is not None else None
            box["fingerprint"] = fingerprint() if fingerprint else None
            raise _Rollback
    except _Rollback:
        pass
    return box["value"], box["cpu"], box["wall"], box["pg"], box["fingerprint"]


#: The generated file's card colours (bench/ledger_bench.py) as stored: the floor does not parse.
FLOOR_COLOURS = {"红": "red", "黄色": "yellow", "绿卡": "green"}
#: The child columns the generated file fills, as attnames; every other column takes its default.
FLOOR_COLUMNS = [
    "name",
    "name_pinyin",
    "id_number",
    "gender",
    "birth_date",
    "region_id",
    "category_id",
    "card_colour",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "school",
    "grade",
    "address",
    "notes",
    "entered_on",
]


def _floor(data: bytes, village_ids, category_ids, difficulty_ids, user):
    """The floor of issue 16: python-calamine read, ``parse_id_number``, and COPY of the same rows
    into the same tables — the child (with its pinyin, as save() derives), its "+" history
    record and its difficulty rows — through core.bulk. No header search, no validation, no
    look-up, no duplicate check."""
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[2:]
    today = timezone.localdate()
    children, difficulties = [], []
    for row in rows:
        info = parse_id_number(row[3])
        children.append(
            (
                row[1],
                name_pinyin(row[1]),
                info.number,
                info.gender,
                info.birth_date,
                village_ids[row[6]],
                category_ids[row[7]],
                FLOOR_COLOURS[row[9]],
                row[10],
                row[11],
                row[12],
                row[13],
                row[14],
                row[15],
                row[16],
                today,
            )
        )
        difficulties.append([difficulty_ids[name] for name in row[8].split("、") if name])
    ids = insert_rows_with_history(Child, FLOOR_COLUMNS, children, user=user, reason=IMPORT_REASON)
    pairs = [(pk, kind) for pk, kinds in zip(ids, difficulties, strict=True) for kind in kinds]
    insert_rows(Child.difficulties.through, ["child_id", "difficultytype_id"], pairs)
    return len(ids)


def _written_rows(since_id: int):
    """What the import wrote to the floor's three tables, for comparing ours with the floor: the
    count and an md5 of each table's new rows (less ids and timestamps), by ID number."""
    child = Child._meta.db_table
    history = Child.history.model._meta.db_table
    through = Child.difficulties.through._meta.db_table
    sql = f"""
        SELECT (SELECT count(*) FROM {child} WHERE id > %(id)s),
               (SELECT md5(string_agg((to_jsonb(c) - 'id' - 'created_at' - 'updated_at')::text, ','
                                      ORDER BY id_number)) FROM {child} c WHERE id > %(id)s),
               (SELECT count(*) FROM {history} WHERE id > %(id)s),
               (SELECT md5(string_agg((to_jsonb(h) - 'id' - 'created_at' - 'history_id' - 'history_date')::text,
                                      ',' ORDER BY id_number)) FROM {history} h WHERE id > %(id)s),
               (SELECT count(*) FROM {through} d JOIN {child} c ON c.id = d.child_id WHERE c.id > %(id)s),
               (SELECT md5(string_agg(c.id_number || ':' || d.difficultytype_id, ','
                                      ORDER BY c.id_number, d.difficultytype_id))
                  FROM {through} d JOIN {child} c ON c.id = d.child_id WHERE c.id > %(id)s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"id": since_id})
        return cursor.fetchone()


def _lookups():
    sys.path.insert(0, str(ROOT / "bench"))
    from ledger_bench import VILLAGES

    villages = {name: Region.objects.get(name=name, parent__name=town).pk for town, name in VILLAGES}
    categories = dict(ChildCategory.objects.values_list("name", "pk"))
    difficulties = dict(DifficultyType.objects.values_list("name", "pk"))
    return villages, categories, difficulties


def _generated(rows: int) -> bytes:
    sys.path.insert(0, str(ROOT / "bench"))
    from ledger_bench import generate

    return generate(rows)


def imports(*, users, client_factory):
    """A 10,000-row children ledger in the samples' format (messy values included) against the
    floor; 50,000 rows in a fresh interpreter for the peak RSS; the admin's preview of 10,000 rows."""
    data = _generated(IMPORT_ROWS)
    admin = users["province admin"]
    villages, categories, difficulties = _lookups()
    since = Child.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def ours():
        dataset = LedgerFileFormat().create_dataset(data)
        result = ChildResource(user=admin).import_data(dataset, dry_run=False)
        return summary_line(summary_counts(result))

    def floor():
        return _floor(data, villages, categories, difficulties, admin)

    # Ours and the floor take turns, three rounds, so neither alone pays for a cold start.
    runs = {"ours": [], "floor": []}
    written = {}
    for _round in range(IMPORT_ROUNDS):
        for name, fn in (("ours", ours), ("floor", floor)):
            value, cpu, wall, pg, fingerprint = _rolled_back(fn, fingerprint=lambda: _written_rows(since))
            runs[name].append((cpu, wall, pg or 0.0))
            written[name] = fingerprint
            if name == "ours":
                line = value
    if written["ours"] != written["floor"] or written["ours"][0] != IMPORT_ROWS:
        raise RuntimeError(f"ours and the floor wrote other rows: {written}")
    med = {name: [statistics.median(r[i] for r in rs) for i in range(3)] for name, rs in runs.items()}
    (o_cpu, o_wall, o_pg), (f_cpu, f_wall, f_pg) = med["ours"], med["floor"]
    cpu_ratio, wall_ratio = (o_cpu + o_pg) / (f_cpu + f_pg), o_wall / f_wall
    spread = "; ".join(
        f"{name} " + ", ".join(f"{cpu:.2f}+{pg:.2f}/{wall:.2f}" for cpu, wall, pg in rs) for name, rs in runs.items()
    )
    yield Row(
        case=f"import {IMPORT_ROWS:,} children (full validation, history) vs the COPY floor",
        ours=f"CPU {fmt_s(o_cpu)} + PostgreSQL {fmt_s(o_pg)}, wall {fmt_s(o_wall)} ({line})",
        other=f"floor (calamine + parse_id_number + COPY, same rows): CPU {fmt_s(f_cpu)} + PostgreSQL "
        f"{fmt_s(f_pg)}, wall {fmt_s(f_wall)}",
        ratio=f"CPU {cpu_ratio:.2f}×, wall {wall_ratio:.2f}×",
        target="≤ 2× the floor (CPU and wall)",
        ok=cpu_ratio <= 2 and wall_ratio <= 2,
        notes=(
            f"Medians of {IMPORT_ROUNDS} alternating rounds, each rolled back (CPU: this process + the "
            "PostgreSQL backend; rounds as python+pg/wall s: "
            f"{spread}). Both write the same rows to the child table, its history table and the "
            "difficulty rows (checked: count and md5 of each table's new rows are equal). Ours also "
            "reads the header wherever it is, checks every cell (ID check digit, birth date, gender, "
            "region by name, look-ups, phone, duplicates in the file and probable duplicates in scope) "
            "before anything is written, and writes each child's first card colour (CardChange and its "
            "history) and marks the figures; the floor does none of that."
        ),
    )
    yield from _import_rss(admin)
    yield from _preview(data, admin, client_factory)


def _import_rss(admin):
    """50,000 rows confirmed (rolled back) in a fresh interpreter: its peak RSS, Django included."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = workdir / "children.xlsx"
    path.write_bytes(_generated(RSS_ROWS))
    script = ROOT / "bench" / "import_rss.py"
    baseline = run_measured([str(script), "--baseline"], env=dict(os.environ))
    seconds, rss, out = run_measured([str(script), str(path), admin.username], env=dict(os.environ))
    yield Row(
        case=f"import {RSS_ROWS:,} children, peak RSS",
        ours=f"{rss:.0f} MB, {fmt_s(seconds)} wall ({out.strip()})",
        other=f"the same interpreter with Django set up and nothing read: {baseline[1]:.0f} MB",
        ratio=f"+{rss - baseline[1]:.0f} MB for the import",
        target="≤ 200 MB",
        ok=rss <= 200,
        notes="A fresh interpreter (bench/import_rss.py) reads the file, imports it (not a dry run) and rolls "
        "back; peak RSS is its VmHWM (bench.harness.run_measured), Django's own start-up included.",
    )


def _preview(data, admin, client_factory):
    """The admin's import page, uploading 10,000 rows: the preview (a dry run, every row checked)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = client_factory()
    client.force_login(admin)
    url = reverse("admin:children_child_import")

    def post():
        upload = SimpleUploadedFile("children.xlsx", data)
        response = client.post(url, {"format": "0", "resource": "0", "import_file": upload})
        if response.status_code != 200 or "confirm_form" not in response.context:
            raise RuntimeError(f"the preview failed: {response.status_code}")
        return response

    runs = []
    pid = backend_pid()
    for _round in range(PREVIEW_ROUNDS):
        cpu, wall, pg = time.process_time(), time.perf_counter(), process_cpu(pid) if pid else None
        response = post()
        runs.append(
            (
                time.process_time() - cpu,
                time.perf_counter() - wall,
                (process_cpu(pid) - pg) if pg is not None else 0.0,
            )
        )
    cpu, wall, pg = (statistics.median(r[i] for r in runs) for i in range(3))
    size = len(response.content) / 1e6
    yield Row(
        case=f"admin import preview of {IMPORT_ROWS:,} children",
        ours=f"wall {fmt_s(wall)}, CPU {fmt_s(cpu)} + PostgreSQL {fmt_s(pg)}, page {size:.1f} MB",
        other="",
        ratio="",
        target="≤ 20 s",
        ok=wall <= 20,
        notes=f"Median of {PREVIEW_ROUNDS} uploads through the test client (upload, guards, read, every row "
        "checked in a rolled-back transaction, the page with the first 200 rows); rounds as python+pg/wall s: "
        + ", ".join(f"{c:.2f}+{p:.2f}/{w:.2f}" for c, w, p in runs)
        + ".",
    )


def _month():
    """The latest month with visits: the busiest month the seed has, partly entered."""
    latest = Visit.objects.order_by("-visited_on").values_list("visited_on", flat=True).first()
    return (latest or datetime.date.today()).replace(day=1)


# The floor: the ledger's own row queries (``reports.ledger.LedgerRows``, so the same rows from
# the same SQL under the same session settings), written with no formatting, no title, header,
# 序号 or 汇总, by a raw writer. Lists (a pairing's mothers, the month's visits) are joined as
# the ledger joins them, since a cell cannot hold a list.
FLOOR_SCRIPT = """
import os, sys, datetime
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django; django.setup()
from reports.ledger import LedgerRows, reading
month, out, writer = datetime.date.fromisoformat({month!r}), {out!r}, {writer!r}

def cells(rows):
    for row in rows.iterator(chunk_size=2000):
        yield [("、".join(v) if v.__class__ is list else v) for v in row]

with reading():
    sheets = LedgerRows.for_month(month).all()
    if writer == "xlsxwriter":
        import xlsxwriter
        book = xlsxwriter.Workbook(out, {{"constant_memory": True}})
        for n, rows in enumerate(sheets):
            sheet = book.add_worksheet(f"s{{n}}")
            for r, row in enumerate(cells(rows)):
                sheet.write_row(r, 0, row)
        book.close()
    elif writer == "pyexcelerate":
        from pyexcelerate import Workbook
        book = Workbook()
        for n, rows in enumerate(sheets):
            book.new_sheet(f"s{{n}}", data=list(cells(rows)))
        book.save(out)
    elif writer == "rustpy-xlsxwriter":
        from rustpy_xlsxwriter import FastExcel
        book = FastExcel(out)
        for n, rows in enumerate(sheets):
            records = [dict(zip(map(str, range(len(row))), row)) for row in cells(rows)]
            book.sheet(f"s{{n}}", records)
        book.save()
"""
FLOOR_WRITERS = {"xlsxwriter": "xlsxwriter", "pyexcelerate": "pyexcelerate", "rustpy-xlsxwriter": "rustpy_xlsxwriter"}


def _sheet_rows(path: Path) -> list[int]:
    book = CalamineWorkbook.from_path(str(path))
    return [len(book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]


def _numbered_rows(path: Path) -> list[int]:
    book = CalamineWorkbook.from_path(str(path))
    return [
        sum(1 for row in book.get_sheet_by_name(name).to_python()[3:] if isinstance(row[0], (int, float)))
        for name in book.sheet_names
    ]


LEDGER_ROUNDS = int(os.environ.get("BENCH_LEDGER_ROUNDS", "3"))


def monthly_ledger(*, users, client_factory):
    """The monthly ledger for the whole province vs the same rows through a raw writer.

    The target's floor is xlsxwriter in ``constant_memory`` mode, the streaming writer the
    ledger itself uses. pyexcelerate and rustpy-xlsxwriter (Rust), when installed, are
    measured beside it for the record; both hold whole sheets in memory. Ours and each floor
    run in turn, ``BENCH_LEDGER_ROUNDS`` times, and the medians are compared: on two shared
    cores a single run of either can be off by half.
    """
    month = _month()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    env = dict(os.environ)
    runs = {
        "ours": ([str(ROOT / "manage.py"), "export_ledger", "--month", f"{month:%Y-%m}", "-o"], workdir / "ours.xlsx")
    }
    for writer, module in FLOOR_WRITERS.items():
        if importlib.util.find_spec(module) is None:
            continue
        out, script = workdir / f"floor-{writer}.xlsx", workdir / f"floor-{writer}.py"
        script.write_text(FLOOR_SCRIPT.format(root=str(ROOT), month=month.isoformat(), out=str(out), writer=writer))
        runs[writer] = ([str(script)], None)
    measured = {name: [] for name in runs}
    for _round in range(LEDGER_ROUNDS):
        for name, (args, output) in runs.items():
            seconds, cpu, rss, _ = run_measured_cpu(args + ([str(output)] if output else []), env=env)
            measured[name].append((seconds, rss, cpu))
    (ours_s, ours_rss), (floor_s, floor_rss) = _median(measured["ours"]), _median(measured["xlsxwriter"])
    ours_cpu, floor_cpu = _median_cpu(measured["ours"]), _median_cpu(measured["xlsxwriter"])
    ours_file, floor_file = workdir / "ours.xlsx", workdir / "floor-xlsxwriter.xlsx"
    # The floor must write the ledger's rows: every data sheet's numbered rows (序号), less its
    # title, header, 合计 and signature rows.
    ours_rows = _numbered_rows(ours_file)[1:6]
    if ours_rows != _sheet_rows(floor_file):
        raise RuntimeError(f"the floor wrote other rows than the ledger: {_sheet_rows(floor_file)} vs {ours_rows}")
    others = "; ".join(
        f"{writer} {fmt_s(seconds)} (ours {ratio(ours_s, seconds)}), peak RSS {rss:.0f} MB"
        for writer, (seconds, rss) in ((w, _median(m)) for w, m in measured.items())
        if writer not in ("ours", "xlsxwriter")
    )
    spread = ", ".join(f"{name} " + "/".join(f"{s:.1f}" for s, _rss, _cpu in m) for name, m in measured.items())
    cpu_spread = ", ".join(f"{name} " + "/".join(f"{c:.1f}" for _s, _rss, c in m) for name, m in measured.items())
    yield Row(
        case=f"monthly ledger, whole province ({month:%Y-%m}, all sheets)",
        ours=f"{fmt_s(ours_s)} wall, {fmt_s(ours_cpu)} CPU, peak RSS {ours_rss:.0f} MB, "
        f"{ours_file.stat().st_size / 1e6:.1f} MB file",
        other=f"raw xlsxwriter constant_memory, same rows, no formatting {fmt_s(floor_s)} wall, "
        f"{fmt_s(floor_cpu)} CPU, peak RSS {floor_rss:.0f} MB",
        ratio=f"{ratio(ours_s, floor_s)} wall, {ratio(ours_cpu, floor_cpu)} CPU",
        target="≤ 1.2× raw writer (CPU and wall), RSS ≤ 400 MB",
        ok=ours_s / floor_s <= 1.2 and ours_cpu / floor_cpu <= 1.2 and ours_rss <= 400,
        notes=f"Medians of {LEDGER_ROUNDS} runs in turn (wall seconds: {spread}; CPU seconds, user + "
        f"system of each interpreter: {cpu_spread}). Rows per sheet {ours_rows}. "
        "Every run starts Django in a fresh interpreter."
        + (f" Other raw writers, same rows: {others}." if others else ""),
    )


def _median(runs: list[tuple[float, float, float]]) -> tuple[float, float]:
    """Median wall seconds and the largest peak RSS of several runs."""
    return statistics.median(s for s, _rss, _cpu in runs), max(rss for _s, rss, _cpu in runs)


def _median_cpu(runs: list[tuple[float, float, float]]) -> float:
    return statistics.median(cpu for _s, _rss, cpu in runs)
