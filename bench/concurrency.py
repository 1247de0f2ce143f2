"""Many people at once: 10 province admins beside 50 township users against gunicorn.

Each simulated person is a thread with its own session cookie and its own HTTP connection;
gunicorn's workers each hold their own database connection (CONN_MAX_AGE). Threads wait on the
network, so Python's GIL does not throttle the load; the server's workers are separate processes.

Reported per role: requests, errors, p50/p95 latency, throughput; and the server side's CPU
(gunicorn workers and the PostgreSQL backends serving them, from /proc) over the pass.
Every visit a township user submits carries a unique token in its findings; afterwards each
token is looked up, so a lost or doubled visit is counted.
"""

import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from activities.models import Visit, VisitMode
from bench.harness import Measure, process_cpu
from children.models import Child
from regions.models import Level, Region, StaffProfile

PORT = int(os.environ.get("BENCH_PORT", "8123"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
PROVINCE_ADMINS, TOWNSHIP_USERS = 10, 50
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "4"))
ENTRY_TOKEN_INPUT = re.compile(r'name="entry_token" value="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _people():
    """10 province admins and 50 township users (one per township with children, round robin)."""
    province = Region.objects.get(code="140000000000")
    admin, township_group = Group.objects.get(name="admin"), Group.objects.get(name="township")
    people = []
    for i in range(PROVINCE_ADMINS):
        user, _ = User.objects.get_or_create(username=f"bench_load_province_{i}", defaults={"is_staff": True})
        user.groups.set([admin])
        StaffProfile.objects.update_or_create(user=user, defaults={"region": province})
        children = list(Child.objects.for_user(user).active().order_by("pk").values_list("pk", flat=True)[:500])
        people.append({"role": "province admin", "session": _session(user), "children": children})
    townships = list(
        Region.objects.filter(level=Level.TOWNSHIP, code__startswith="14", children__children_living__isnull=False)
        .distinct()
        .order_by("code")[:TOWNSHIP_USERS]
    )
    for i in range(TOWNSHIP_USERS):
        user, _ = User.objects.get_or_create(username=f"bench_load_{i}", defaults={"is_staff": True})
        user.groups.set([township_group])
        StaffProfile.objects.update_or_create(user=user, defaults={"region": townships[i % len(townships)]})
        children = list(Child.objects.for_user(user).active().values_list("pk", flat=True)[:50])
        people.append({"role": "township user", "session": _session(user), "children": children})
    return people


class Person(threading.Thread):
    """One person clicking through pages, ``think`` seconds between clicks, until ``deadline``."""

    def __init__(self, me, deadline, think, mode, results, tokens):
        super().__init__(daemon=True)
        self.me, self.deadline, self.think, self.mode = me, deadline, think, mode
        self.results, self.tokens = results, tokens
        self.rng = random.Random(me["session"])  # noqa: S311 - load generation
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        # A CSRF cookie of our own: the form's token is made from it, the POST sends both.
        self.cookie = f"sessionid={me['session']}; csrftoken={get_random_string(32)}"

    def request(self, name, method, path, body=None):
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            status, location = response.status, response.getheader("Location", "")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
            status, text, location = 0, "", ""
        elapsed = time.perf_counter() - started
        ok = status in (200, 302)
        self.results.append((self.me["role"], name, elapsed, ok))
        return status, text, location

    def run(self):
        while time.monotonic() < self.deadline:
            (self.province if self.me["role"] == "province admin" else self.township)()
            time.sleep(self.rng.uniform(*self.think))

    def province(self):
        page = self.rng.choice(["children", "children p50", "children search", "visits", "visits p50", "dashboard"])
        path = {
            "children": "/admin/children/child/",
            "children p50": "/admin/children/child/?p=50",
            "children search": "/admin/children/child/?" + urlencode({"q": "王"}),
            "visits": "/admin/activities/visit/",
            "visits p50": "/admin/activities/visit/?p=50",
            "dashboard": "/admin/",
        }[page]
        if self.rng.random() < 0.15 and self.me["children"]:
            page, path = "child profile", f"/children/{self.rng.choice(self.me['children'])}/profile/"
        self.request(page, "GET", path)

    def township(self):
        roll = self.rng.random()
        child = self.rng.choice(self.me["children"]) if self.me["children"] else None
        if roll < 0.25:
            self.request("children", "GET", "/admin/children/child/")
        elif roll < 0.4:
            self.request("visits", "GET", "/admin/activities/visit/")
        elif roll < 0.55:
            self.request("待办", "GET", "/todo/")
        elif roll < 0.7 or child is None:
            self.request("dashboard", "GET", "/admin/")
        elif roll < 0.85:
            self.request("child profile", "GET", f"/children/{child}/profile/")
        else:
            self.submit_visit(child)

    def submit_visit(self, child):
        status, form, _ = self.request("visit form", "GET", f"/visits/new/?child={child}")
        csrf, entry = CSRF_INPUT.search(form), ENTRY_TOKEN_INPUT.search(form)
        if status != 200 or not csrf or not entry:
            self.results.append((self.me["role"], "visit submit", 0.0, False))
            return
        token = uuid.uuid4().hex
        body = urlencode(
            {
                "csrfmiddlewaretoken": csrf.group(1),
                "child": child,
                "visited_on": timezone.localdate().isoformat(),
                "mode": self.mode,
                "staff_visitors": f"压测{token[:8]}",
                "findings": f"压测走访 {token}",
                "goods_value": "0",
                "reassessed_colour": "",
                "entry_token": entry.group(1),
            }
        )
        status, _, location = self.request("visit submit", "POST", f"/visits/new/?child={child}", body)
        if status == 302 and "/saved/" in location:
            self.tokens.append(token)
        else:
            self.results[-1] = (self.me["role"], "visit submit", self.results[-1][2], False)


def _server_pids(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == master:
                pids.append(int(entry.name))
    return pids


def _backend_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [r[0] for r in cursor.fetchall()]


def _cpu(pids) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := process_cpu(pid)) is not None}


def _pass(people, think, mode, master):
    results, tokens = [], []
    deadline = time.monotonic() + SECONDS
    server_before = _cpu(_server_pids(master))
    pg_before = _cpu(_backend_pids())
    threads = [Person(me, deadline, think, mode, results, tokens) for me in people]
    started = time.perf_counter()
    for t in threads:
        t.start()
        time.sleep(0.05)  # a ramp of 3 s, not 60 logins in one instant
    for t in threads:
        t.join(timeout=SECONDS + 180)
    wall = time.perf_counter() - started
    server_after = _cpu(_server_pids(master))
    pg_after = _cpu(_backend_pids())
    server_cpu = sum(server_after[p] - server_before.get(p, 0.0) for p in server_after)
    pg_cpu = sum(pg_after[p] - pg_before.get(p, 0.0) for p in pg_after)
    return results, tokens, wall, server_cpu, pg_cpu


def _stats(results, role=None):
    rows = [r for r in results if role is None or r[0] == role]
    times = sorted(r[2] for r in rows if r[3])
    if not times:
        return {"requests": len(rows), "errors": len(rows), "p50": None, "p95": None}
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {
        "requests": len(rows),
        "errors": sum(1 for r in rows if not r[3]),
        "p50": statistics.median(times) * 1000,
        "p95": p95 * 1000,
    }


def _wait_for(seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/admin/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer on port {PORT}")


PASSES = {
    # A person reads a page before the next click.
    "reading (5–15 s between clicks)": (5.0, 15.0),
    # Far more than people do: where this machine saturates.
    "stress (0.5–2 s between clicks)": (0.5, 2.0),
}


def concurrency(*, users, client_factory, only=None):
    people = _people()
    mode = VisitMode.objects.filter(is_active=True).order_by("pk").first().pk
    env = {**os.environ, "DJANGO_DEBUG": "off", "DJANGO_SECURE_SSL_REDIRECT": "off"}
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
    )
    passes = [p for p in PASSES if not only or any(word in p for word in only)]
    try:
        _wait_for()
        for name in passes:
            results, tokens, wall, server_cpu, pg_cpu = _pass(people, PASSES[name], mode, server.pid)
            stored = Counter(
                findings.split()[-1]
                for findings in Visit.objects.filter(findings__in=[f"压测走访 {t}" for t in tokens]).values_list(
                    "findings", flat=True
                )
            )
            lost = sum(1 for t in tokens if stored[t] == 0)
            doubled = sum(1 for t in tokens if stored[t] > 1)
            total = _stats(results)
            by_role = {role: _stats(results, role) for role in ("province admin", "township user")}
            yield Measure(
                key=f"60 people at once · {name}",
                group="concurrency",
                wall_ms=total["p50"],
                runs=total["requests"],
                notes=(
                    f"{len(tokens)} visits submitted, {lost} lost, {doubled} doubled; gunicorn {WORKERS} sync workers"
                ),
                extra={
                    "pass": name,
                    "seconds": wall,
                    "throughput": total["requests"] / wall,
                    "total": total,
                    "by_role": by_role,
                    "server_cpu_s": server_cpu,
                    "pg_cpu_s": pg_cpu,
                    "visits_submitted": len(tokens),
                    "lost": lost,
                    "doubled": doubled,
                },
            )
    finally:
        server.terminate()
        server.wait(timeout=60)
