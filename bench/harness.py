"""Small timing helpers for the benchmark: medians, query counts, peak memory of a subprocess."""

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


@dataclass
class Row:
    case: str
    ours: str
    other: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)


def timed(fn, *, repeat=1):
    """Median wall time in seconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def timed_queries(fn, *, repeat=20):
    """Median time of ``repeat`` calls and the query count of the last one."""
    times, count = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        count = len(ctx)
    return statistics.median(times), count


def run_measured(args: list[str], env=None) -> tuple[float, float, str]:
    """Run ``python <args>`` in a fresh interpreter; return (seconds, its peak RSS in MB, stdout)."""
    code = (
        "import resource, runpy, sys\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n"
        "    sys.stderr.write('PEAK_RSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed: {proc.stderr[-2000:]}")
    peak_kb = int(proc.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0])
    return seconds, peak_kb / 1024, proc.stdout


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "—"


def dump(rows, path):
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([r.__dict__ for r in rows], fh, ensure_ascii=False, indent=1)
