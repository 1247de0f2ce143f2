"""Benchmark cases for the ledgers and the dashboard (import, monthly export, dashboard)."""

import datetime
import io
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

import tablib
from django.db import transaction
from import_export import resources
from python_calamine import CalamineWorkbook

from activities.models import Visit
from bench.harness import Row, fmt_ms, fmt_s, ratio, run_measured, timed, timed_queries
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

    ours_s, line = timed(lambda: _rolled_back(ours))
    plain_s, _ = timed(
        lambda: _rolled_back(
            lambda: PlainChildResource().import_data(_plain_dataset(rows, villages, categories), dry_run=False)
        )
    )
    floor_s, _ = timed(lambda: _rolled_back(lambda: _floor(data, villages, categories)))
    yield Row(
        case=f"import {IMPORT_ROWS:,} children (full validation, history)",
        ours=f"{fmt_s(ours_s)} ({line})",
        other=f"plain ModelResource {fmt_s(plain_s)}; floor (calamine + bulk_create) {fmt_s(floor_s)}",
        ratio=f"{plain_s / ours_s:.1f}× faster than plain; {ratio(ours_s, floor_s)} the floor",
        target="≥ 10× faster than plain, ≤ 2× floor",
        ok=plain_s / ours_s >= 10 and ours_s / floor_s <= 2,
    )


def _month():
    latest = Visit.objects.order_by("-visited_on").values_list("visited_on", flat=True).first()
    return (latest or datetime.date.today()).replace(day=1)


FLOOR_SCRIPT = """
import os, sys, datetime
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django; django.setup()
import xlsxwriter
from activities.models import Activity, Visit
from children.models import Child
from pairing.models import PairingMember
from volunteers.models import Training
month = datetime.date.fromisoformat({month!r})
end = (month + datetime.timedelta(days=32)).replace(day=1)
book = xlsxwriter.Workbook({out!r}, {{"constant_memory": True}})
sheets = [
    Child.objects.values_list("name", "id_number", "gender", "birth_date", "region__name", "category__name",
                              "card_colour", "guardian_name", "guardian_phone", "school", "grade", "address"),
    PairingMember.objects.filter(pairing__ended_on__isnull=True).values_list(
        "pairing__child__name", "pairing__child__id_number", "volunteer__name", "volunteer__phone",
        "pairing__started_on"),
    Visit.objects.filter(visited_on__gte=month, visited_on__lt=end).values_list(
        "child__name", "visited_on", "mode__name", "findings", "help_given", "goods_value"),
    Activity.objects.filter(held_on__gte=month, held_on__lt=end).values_list(
        "title", "held_on", "activity_type__name", "region__name", "person_times", "goods_value"),
    Training.objects.filter(held_on__gte=month, held_on__lt=end).values_list("title", "held_on", "region__name"),
]
for n, rows in enumerate(sheets):
    sheet = book.add_worksheet(f"s{{n}}")
    for r, row in enumerate(rows.iterator(chunk_size=5000)):
        sheet.write_row(r, 0, [str(v) if v is not None else "" for v in row])
book.close()
"""


def monthly_ledger(*, users, client_factory):
    """The monthly ledger for the whole province vs the same rows through a raw xlsxwriter."""
    month = _month()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    ours_file, floor_file, script = workdir / "ours.xlsx", workdir / "floor.xlsx", workdir / "floor.py"
    script.write_text(FLOOR_SCRIPT.format(root=str(ROOT), month=month.isoformat(), out=str(floor_file)))
    env = dict(os.environ)
    ours_s, ours_rss, _ = run_measured(
        [str(ROOT / "manage.py"), "export_ledger", "--month", f"{month:%Y-%m}", "-o", str(ours_file)], env=env
    )
    floor_s, floor_rss, _ = run_measured([str(script)], env=env)
    yield Row(
        case=f"monthly ledger, whole province ({month:%Y-%m}, all sheets)",
        ours=f"{fmt_s(ours_s)}, peak RSS {ours_rss:.0f} MB, {ours_file.stat().st_size / 1e6:.1f} MB file",
        other=f"raw xlsxwriter (no formatting) {fmt_s(floor_s)}, peak RSS {floor_rss:.0f} MB",
        ratio=ratio(ours_s, floor_s),
        target="≤ 1.5× raw writer, RSS ≤ 400 MB",
        ok=ours_s / floor_s <= 1.5 and ours_rss <= 400,
        notes="Both times include starting Django in a fresh interpreter.",
    )


def dashboard(*, users, client_factory):
    """The admin index as staff get it (a county, city or the province: figures shared through
    the cache for 5 minutes; a township: computed on every request) vs the same page with the
    cache emptied before every request, i.e. computing every figure for that scope."""
    from django.core.cache import cache

    def cold(fetch):
        cache.clear()
        fetch("/admin/")

    for label in ("province admin", "county admin", "township user"):
        client = client_factory()
        client.force_login(users[label])
        fetch = partial(_get, client)
        fetch("/admin/")
        seconds, queries = timed_queries(partial(fetch, "/admin/"))
        cold_s, cold_queries = timed_queries(partial(cold, fetch), repeat=5)
        target = 1.0 if label == "province admin" else 0.3
        yield Row(
            case=f"dashboard · {label}",
            ours=f"{fmt_ms(seconds)}, {queries} queries",
            other=f"computed on every request {fmt_ms(cold_s)}, {cold_queries} queries",
            ratio=ratio(seconds, cold_s),
            target=f"≤ {target * 1000:.0f} ms" + (" (township)" if target < 1 else " (province)"),
            ok=seconds <= target if label != "county admin" else None,
            notes=(
                "A township's figures are never cached, so both columns compute them."
                if label == "township user"
                else "Median of 20 requests within the 5-minute cache; the first request after "
                "expiry pays the cold figure."
            ),
        )


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
