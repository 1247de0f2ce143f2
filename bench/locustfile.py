"""50 township users at once: lists, dashboard, child profiles, and visits submitted from the phone page.

Started by bench/cases.py with a JSON file of pre-made sessions (BENCH_LOAD_USERS): each has a
session cookie, its township's children and a visit mode. Every submitted visit carries a unique
token in its findings, written to BENCH_LOAD_TOKENS, so the harness can check each is stored once.
"""

import json
import os
import random
import re
import uuid
from pathlib import Path

from locust import HttpUser, between, task

USERS = json.loads(Path(os.environ["BENCH_LOAD_USERS"]).read_text(encoding="utf-8"))
TOKENS = open(os.environ["BENCH_LOAD_TOKENS"], "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The visit form's one-time submission token (activities.forms.VisitEntryForm.entry_token).
ENTRY_TOKEN_INPUT = re.compile(r'name="entry_token" value="([^"]+)"')
_next = iter(range(10**9))


#: Seconds a person spends on a page before the next click ("5,15" by default; bench/cases.py
#: also runs a stress pass with "0.5,2").
THINK = [float(x) for x in os.environ.get("BENCH_THINK", "5,15").split(",")]


class TownshipUser(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        self.me = USERS[next(_next) % len(USERS)]
        self.client.headers["Cookie"] = f"sessionid={self.me['session']}; csrftoken={self.me['csrf']}"

    @task(4)
    def children_list(self):
        self.client.get("/admin/children/child/", name="children changelist")

    @task(2)
    def visits_list(self):
        self.client.get("/admin/activities/visit/", name="visits changelist")

    @task(2)
    def dashboard(self):
        self.client.get("/admin/", name="dashboard")

    @task(3)
    def profile(self):
        child = random.choice(self.me["children"])  # noqa: S311
        self.client.get(f"/children/{child}/profile/", name="child profile")

    @task(2)
    def submit_visit(self):
        child = random.choice(self.me["children"])  # noqa: S311
        form = self.client.get(f"/visits/new/?child={child}", name="visit form")
        match = CSRF_INPUT.search(form.text)
        entry = ENTRY_TOKEN_INPUT.search(form.text)
        if not match or not entry:
            form.failure("no CSRF or submission token on the visit form")
            return
        token = uuid.uuid4().hex
        with self.client.post(
            f"/visits/new/?child={child}",
            data={
                "csrfmiddlewaretoken": match.group(1),
                "child": child,
                "visited_on": self.me["today"],
                "mode": self.me["mode"],
                # A distinct visitor each time: the same child, day, mode and visitors is one visit.
                "staff_visitors": f"压测{token[:8]}",
                "findings": f"压测走访 {token}",
                "goods_value": "0",
                "reassessed_colour": "",
                "entry_token": entry.group(1),
            },
            name="visit submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/saved/" in response.headers.get("Location", ""):
                TOKENS.write(token + "\n")
                TOKENS.flush()
                response.success()
            else:
                response.failure(f"visit not saved: {response.status_code}")
