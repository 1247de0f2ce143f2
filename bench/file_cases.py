"""Benchmark cases for the ledgers: a 10,000-row import, the monthly export of the whole province.

These yield ``Row``s (a figure beside the comparison measured in the same run), not page measures."""

import datetime
import importlib.util
import io
import os
import statistics
import sys
import tempfile
from pathlib import Path

import tablib
from django.db import transaction
from import_export import resources
from python_calamine import CalamineWorkbook

from activities.models import Visit
from bench.harness import Row, fmt_s, ratio, run_measured_cpu, timed
from children.models import Child, ChildCategory
from children.resources import ChildResource
from core.idnumber import parse_id_number
from core.ledger.formats import LedgerFileFormat
from core.ledger.resources import summary_counts, summary_line
from regions.models import Region

ROOT = Path(__file__).resolve().parent.parent
IMPORT_ROWS = 10_000


class _Rollback(Exception):
    pass


def _rolled_back(fn):
    """Run ``fn`` and undo what it wrote, so the benchmark database stays as seeded."""
    box = {}
    try:
        with transaction.atomic():
            box["value"] = fn()
            raise _Rollback
    except _Rollback:
        pass
    return box["value"]


class PlainChildResource(resources.ModelResource):
    """django-import-export with its default options: the comparison for our importer."""

    class Meta:
        model = Child
        fields = ["id", "name", "id_number", "category", "card_colour", "region", "guardian_name", "guardian_phone"]


def _plain_dataset(rows, village_ids, category_ids):
    data = tablib.Dataset(headers=PlainChildResource.Meta.fields)
    for row in rows:
        data.append(["", row[1], row[3], category_ids[row[7]], "green", village_ids[row[6]], row[10], row[12]])
    return data


def _floor(data: bytes, village_ids, category_ids):
    """python-calamine read + bulk_create, no validation at all."""
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[2:]
    children = []
    for row in rows:
        info = parse_id_number(row[3])
        children.append(
            Child(
                name=row[1],
                id_number=info.number,
                gender=info.gender,
                birth_date=info.birth_date,
                category_id=category_ids[row[7]],
                region_id=village_ids[row[6]],
                guardian_name=row[10],
                guardian_phone=row[12],
            )
        )
    # The generated IDs may already be in a seeded database: skip those rather than fail.
    Child.objects.bulk_create(children, batch_size=2000, ignore_conflicts=True)
    return len(children)


def imports(*, users, client_factory):
    """A 10,000-row children ledger in the samples' format (messy values included)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from ledger_bench import VILLAGES, generate

    data = generate(IMPORT_ROWS)
    admin = users["province admin"]
    villages = {name: Region.objects.get(name=name, parent__name=town).pk for town, name in VILLAGES}
    categories = dict(ChildCategory.objects.values_list("name", "pk"))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[2:]

    def ours():
        dataset = LedgerFileFormat().create_dataset(data)
        result = ChildResource(user=admin).import_data(dataset, dry_run=False)
        return summary_line(summary_counts(result))

    # Ours and the floor take turns, three rounds, so neither alone pays for a cold start.
    ours_times, floor_times = [], []
    for _round in range(3):
        seconds, line = timed(lambda: _rolled_back(ours))
        ours_times.append(seconds)
        floor_times.append(timed(lambda: _rolled_back(lambda: _floor(data, villages, categories)))[0])
    ours_s, floor_s = statistics.median(ours_times), statistics.median(floor_times)
    plain_s, _ = timed(
        lambda: _rolled_back(
            lambda: PlainChildResource().import_data(_plain_dataset(rows, villages, categories), dry_run=False)
        )
    )
    yield Row(
        case=f"import {IMPORT_ROWS:,} children (full validation, history)",
        ours=f"{fmt_s(ours_s)} ({line})",
        other=f"plain ModelResource {fmt_s(plain_s)}; floor (calamine + bulk_create) {fmt_s(floor_s)}",
        ratio=f"{plain_s / ours_s:.1f}× faster than plain; {ratio(ours_s, floor_s)} the floor",
        target="≥ 10× faster than plain, ≤ 2× floor",
        ok=plain_s / ours_s >= 10 and ours_s / floor_s <= 2,
        notes=(
            "Ours and the floor: medians of 3 alternating rounds; plain: one run. What bounds ours: "
            "every new child also gets its history record (simple-history's bulk_create_with_history, a "
            "second insert as large as the first) and its difficulty rows, and every cell is checked "
            "(ID check digit and birth date, region by name, lookups, duplicates) before anything is "
            "written; the floor reads and inserts one table. Tried: batch inserts with history instead "
            "of one save per row (89.6 s → about 5 s for 10,000 rows), each ID parsed once, validators "
            "not repeated in full_clean, existing children looked up 2,000 IDs at a time."
        ),
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
