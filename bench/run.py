"""`make bench`: measure the project against alternatives in the same run; write bench/RESULTS.md.

Run against PostgreSQL holding the province-scale seed (`seed_demo --scale province`).
Every figure is printed next to the comparison measured in the same run, since this
2-core machine is noisy.
"""

import datetime
import os
import platform
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from activities.models import Activity, Visit  # noqa: E402
from bench import cases  # noqa: E402
from bench.harness import Row  # noqa: E402
from children.models import Child  # noqa: E402
from pairing.models import Pairing  # noqa: E402
from regions.models import Region, StaffProfile  # noqa: E402
from volunteers.models import Volunteer  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"


def bench_user(username, region_code, role):
    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    user.groups.set([Group.objects.get(name=role)])
    StaffProfile.objects.update_or_create(user=user, defaults={"region": Region.objects.get(code=region_code)})
    return user


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        db = cursor.fetchone()[0].split(" on ")[0]
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {cpu}; {mem.split(':')[1].strip()}; Python {platform.python_version()}; {db}"


def sizes() -> str:
    counts = {
        "children": Child.objects.count(),
        "mothers": Volunteer.objects.count(),
        "pairings": Pairing.objects.count(),
        "visits": Visit.objects.count(),
        "activities": Activity.objects.count(),
        "regions": Region.objects.count(),
    }
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())


def write(rows: list[Row], header: str):
    lines = [
        "# Benchmark results",
        "",
        header,
        "",
        "| case | ours | comparison (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = "" if r.ok is None else ("yes" if r.ok else "**no**")
        lines.append(f"| {r.case} | {r.ours} | {r.other} | {r.ratio} | {r.target} | {met} |")
    notes = [f"- **{r.case}**: {r.notes}" for r in rows if r.notes]
    if notes:
        lines += ["", "## Notes", "", *notes]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main():
    if connection.vendor != "postgresql":
        sys.exit("make bench runs against PostgreSQL: set DATABASE_URL.")
    setup_test_environment()
    users = {
        "province admin": bench_user("bench_province", "140000000000", "admin"),
        "county admin": bench_user("bench_county", "141102000000", "admin"),
        "township user": bench_user("bench_township", "141102001000", "township"),
    }
    header = (
        f"Run {datetime.datetime.now():%Y-%m-%d %H:%M}. Machine: {machine()}.\n\nData: {sizes()}.\n\n"
        f"Settings: DEBUG={settings.DEBUG}, database {connection.vendor}."
    )
    rows: list[Row] = []
    selected = sys.argv[1:] or list(cases.ALL)
    for name in selected:
        print(f"== {name}", flush=True)
        for row in cases.ALL[name](users=users, client_factory=Client):
            print(f"   {row.case}: {row.ours} vs {row.other} ({row.ratio})", flush=True)
            rows.append(row)
        write(rows, header)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
