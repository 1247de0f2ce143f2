"""Timing helpers for the benchmark: wall and CPU time (ours and PostgreSQL's), query counts.

CPU time of the Django side is ``time.process_time()`` of this process. PostgreSQL's is read from
``/proc/<backend pid>/stat`` (utime + stime of the server process serving this connection), so it
is measured when the database runs on this machine; elsewhere it is reported as not measured.
``pg_stat_statements`` is not needed (it is not preloaded on the bench machine).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

CLOCK_TICK = 1 / os.sysconf("SC_CLK_TCK")


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


@dataclass
class Measure:
    """One page measured: medians of ``runs`` requests after one warm-up."""

    key: str
    group: str
    wall_ms: float | None = None
    cpu_ms: float | None = None  # Django side, this process
    pg_cpu_ms: float | None = None  # the PostgreSQL backend serving it
    sql_ms: float | None = None
    queries: int | None = None
    runs: int = 0
    status: int | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)


def process_cpu(pid: int) -> float | None:
    """Seconds of CPU (user + system) the process ``pid`` has used, or None if unreadable."""
    try:
        fields = open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * CLOCK_TICK


def backend_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid if process_cpu(pid) is not None else None


def measure(key, group, fn, *, runs=5, warm=1, notes="", **extra) -> Measure:
    """Call ``fn`` (which returns a status code) ``warm`` times, then ``runs`` times measured.

    Wall time: the median. CPU (ours and PostgreSQL's): the mean, since /proc counts in 10 ms
    ticks. Queries and SQL time: of the last run.
    """
    status = None
    for _ in range(warm):
        status = fn()
    pid = backend_pid()
    walls, count, sql_ms, slowest = [], 0, 0.0, []
    cpu_started = time.process_time()
    pg_started = process_cpu(pid) if pid else None
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            status = fn()
            walls.append(time.perf_counter() - started)
        count = len(ctx)
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:2]
    cpu = (time.process_time() - cpu_started) / runs
    pg_ended = process_cpu(pid) if pid else None
    return Measure(
        key=key,
        group=group,
        wall_ms=statistics.median(walls) * 1000,
        cpu_ms=cpu * 1000,
        pg_cpu_ms=(pg_ended - pg_started) / runs * 1000 if pg_started is not None and pg_ended is not None else None,
        sql_ms=sql_ms,
        queries=count,
        runs=runs,
        status=status,
        notes=notes,
        # The two slowest statements of the last run, for EXPLAIN (bench/explain.py).
        extra={**extra, "slowest_sql": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in slowest]},
    )


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
    seconds, _cpu, peak_mb, stdout = run_measured_cpu(args, env=env)
    return seconds, peak_mb, stdout


def run_measured_cpu(args: list[str], env=None) -> tuple[float, float, float, str]:
    """``run_measured`` plus the interpreter's CPU seconds (user + system, from its rusage):
    (wall seconds, CPU seconds, peak RSS in MB, stdout). On shared cores CPU is the steadier figure.

    The peak is the interpreter's VmHWM (/proc): ru_maxrss would carry the parent's peak over,
    since Linux keeps the high-water mark of the memory the child was forked from across exec."""
    code = (
        "import resource, runpy, sys\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n"
        "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    try:\n"
        "        peak = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
        "    except (OSError, IndexError):\n"
        "        peak = u.ru_maxrss\n"
        "    sys.stderr.write('PEAK_RSS_KB=%d CPU_S=%.3f\\n' % (peak, u.ru_utime + u.ru_stime))\n"
    )
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed: {proc.stderr[-2000:]}")
    tail = proc.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()
    return seconds, float(tail[1].removeprefix("CPU_S=")), int(tail[0]) / 1024, proc.stdout


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "—"


def dump(rows, path):
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([r.__dict__ for r in rows], fh, ensure_ascii=False, indent=1)
