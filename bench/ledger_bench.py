"""Time a generated children's ledger through import, re-import and export.

    DATABASE_URL=… .venv/bin/python bench/ledger_bench.py [ROWS]

Uses (and fills) the database DATABASE_URL points at: run it on a scratch database.
The file is generated in memory; nothing is written to disk.
"""

import datetime
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "on")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402

from children.models import Child  # noqa: E402
from children.resources import ChildResource  # noqa: E402
from core.idnumber import check_character  # noqa: E402
from core.ledger.formats import LedgerFileFormat  # noqa: E402
from core.ledger.resources import summary_counts, summary_line  # noqa: E402
from core.ledger.workbook import dataset_to_xlsx  # noqa: E402

HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号码",
    "出生日期",
    "乡镇（街道）",
    "村（社区）",
    "儿童类别",
    "困境类型",
    "三色卡",
    "监护人姓名",
    "与儿童关系",
    "监护人电话",
    "就读学校",
    "年级",
    "家庭住址",
    "备注",
]
VILLAGES = [
    ("圪洞镇", "武当社区"),
    ("圪洞镇", "商贸社区"),
    ("圪洞镇", "城内村"),
    ("大武镇", "东村"),
    ("大武镇", "西村"),
]


def generate(rows: int) -> bytes:
    rnd = random.Random(7)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("基础台账")
    sheet.append(["方山县困境儿童基础台账（生成的测试数据）"])
    sheet.append(HEADER)
    used = set()
    for n in range(1, rows + 1):
        while True:
            born = datetime.date(2008, 1, 1) + datetime.timedelta(days=rnd.randrange(365 * 16))
            first17 = f"141128{born:%Y%m%d}{rnd.randrange(1000):03d}"
            if first17 not in used:
                used.add(first17)
                break
        town, village = rnd.choice(VILLAGES)
        sheet.append(
            [
                n,
                f"儿童{n}",
                "",
                first17 + check_character(first17),
                born.isoformat(),
                town,
                village,
                rnd.choice(["困境儿童", "农村留守儿童", "孤儿", "事实无人抚养儿童"]),
                rnd.choice(["重病", "单亲家庭、监护缺失", ""]),
                rnd.choice(["红", "黄色", "绿卡"]),
                "监护人",
                "祖母",
                f"138{rnd.randrange(10**8):08d}",
                "县第一小学",
                "三年级",
                f"{village}{n}号",
                "",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(label, func):
    start = time.perf_counter()
    value = func()
    print(f"{label}: {time.perf_counter() - start:.1f} s")
    return value


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    call_command(
        "load_regions", str(Path(__file__).resolve().parent.parent / "core/tests/fixtures/ledgers/regions.csv")
    )
    Child.objects.filter(name__startswith="儿童").delete()
    user, _ = get_user_model().objects.get_or_create(
        username="ledger_bench", defaults={"is_superuser": True, "is_staff": True}
    )
    data = timed(f"generate {rows} rows", lambda: generate(rows))
    print(f"file size: {len(data) / 1024 / 1024:.1f} MB")
    dataset = timed("read (calamine, guards)", lambda: LedgerFileFormat().create_dataset(data))
    for label, dry in [("import, dry run (preview)", True), ("import", False), ("re-import (no changes)", False)]:
        result = timed(label, lambda dry=dry: ChildResource(user=user).import_data(dataset, dry_run=dry))
        print("   ", summary_line(summary_counts(result)))
    exported = timed("export", lambda: ChildResource(user=user).export(Child.objects.all()))
    timed("write .xlsx", lambda: dataset_to_xlsx(exported))
    print(f"exported rows: {len(exported)}")


if __name__ == "__main__":
    main()
