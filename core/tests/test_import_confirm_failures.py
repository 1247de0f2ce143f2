"""Issue 13, item 13: a confirm that fails names its reason and is logged.

The first confirm of a children import said "未导入任何数据：新增 0，更新 0，跳过 2，错误 1" naming no
row, and no log kept it; a retry worked (SQLite, job worker running). The cause: on SQLite a
transaction that reads first and writes later gets "database is locked" at once when the job
worker writes meanwhile (no busy timeout applies); the engine then blamed the row being written
("the database refused the row: database is locked"), and the confirm showed only the counts.
Now SQLite transactions take the write lock when they begin (so they wait), a lock is a
file-level Chinese reason, every reason of a failed confirm is shown, and the failure is logged.
"""

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, OperationalError
from django.urls import reverse

from audit.models import LedgerEvent
from children.models import Child
from children.resources import ChildResource

from .ledger_helpers import id_number, xlsx
from .test_ledger_import import CHILD_HEADER, child_row

BUSY = "数据库正忙"
URL = "admin:children_child_import"
CONFIRM = "admin:children_child_process_import"


def _file():
    # One child, a blank row and a signature row: the "跳过 2".
    rows = [CHILD_HEADER, child_row(1, name="童一", number=id_number(serial=1)), [""] * 9]
    return xlsx([*rows, ["填表人：张某某", "", "审核人：李某某"]])


def _preview(client, tmp_path):
    upload = tmp_path / "困境儿童基础台账.xlsx"
    upload.write_bytes(_file())
    with open(upload, "rb") as fh:
        preview = client.post(reverse(URL), {"format": "0", "resource": "0", "import_file": fh})
    assert preview.status_code == 200
    confirm = preview.context.get("confirm_form")
    assert confirm is not None
    return {**confirm.initial}


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def admin_client(client, users, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(users["admin"])
    return client


@pytest.mark.django_db
def test_a_confirm_that_meets_a_locked_database_says_why_in_chinese_and_is_logged(
    admin_client, users, tmp_path, monkeypatch, caplog
):
    data = _preview(admin_client, tmp_path)

    def locked(self, plans):
        raise OperationalError("database is locked")

    monkeypatch.setattr(ChildResource, "create_many", locked)
    monkeypatch.setattr(ChildResource, "save_child", lambda self, *a: locked(self, a))
    with caplog.at_level(logging.WARNING, logger="core.ledger.resources"):
        response = admin_client.post(reverse(CONFIRM), data, follow=True)
    assert response.status_code == 200
    shown = _messages(response)
    assert any(line.startswith("未导入任何数据：新增 0") and "错误 1" in line for line in shown), shown
    assert any(BUSY in line and "稍后" in line for line in shown), shown
    assert not any("locked" in line for line in shown)
    assert response.redirect_chain[-1][0] == reverse(URL)  # back to the import page, to retry
    assert Child.objects.count() == 0
    event = LedgerEvent.objects.get(direction="import")
    assert event.user == users["admin"] and event.ledger == "children"
    assert event.filename == "困境儿童基础台账.xlsx"
    assert event.counts["failed"] is True and event.counts["errors"] == 1
    assert any(BUSY in reason for reason in event.counts["reasons"])
    assert any("nothing written" in r.getMessage() and BUSY in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_confirm_whose_row_the_database_refuses_names_the_row(admin_client, tmp_path, monkeypatch, caplog):
    data = _preview(admin_client, tmp_path)

    def refused(self, *args):
        raise IntegrityError('duplicate key value violates unique constraint "child_id_number"')

    monkeypatch.setattr(ChildResource, "create_many", refused)
    monkeypatch.setattr(ChildResource, "save_child", refused)
    with caplog.at_level(logging.WARNING, logger="core.ledger.resources"):
        response = admin_client.post(reverse(CONFIRM), data, follow=True)
    shown = _messages(response)
    assert any(line.startswith("第2行 整行") and "已有记录冲突" in line for line in shown), shown
    event = LedgerEvent.objects.get(direction="import")
    assert event.counts["reasons"] == ["第2行 整行"]  # the row and column, never its values
    warning = " ".join(r.getMessage() for r in caplog.records if "nothing written" in r.getMessage())
    assert "第2行" in warning and id_number(serial=1) not in warning


@pytest.mark.django_db
def test_a_confirm_whose_upload_is_gone_says_so_and_is_logged(admin_client, tmp_path):
    data = _preview(admin_client, tmp_path)
    admin_client.post(reverse(CONFIRM), data)  # the first confirm imports and deletes the upload
    assert Child.objects.count() == 1
    again = admin_client.post(reverse(CONFIRM), data, follow=True)  # a double click, or Back and again
    assert again.status_code == 200
    shown = _messages(again)
    assert any("上传的文件已不在服务器上" in line for line in shown), shown
    failed = [e for e in LedgerEvent.objects.filter(direction="import") if e.counts.get("failed")]
    assert len(failed) == 1 and "上传的文件已不在服务器上" in failed[0].counts["reasons"][0]
    assert Child.objects.count() == 1


@pytest.mark.django_db
def test_a_successful_confirm_is_logged_once_without_a_failure(admin_client, tmp_path):
    data = _preview(admin_client, tmp_path)
    response = admin_client.post(reverse(CONFIRM), data, follow=True)
    assert any(line.startswith("新增 1，") for line in _messages(response))
    event = LedgerEvent.objects.get(direction="import")
    assert "failed" not in event.counts and event.counts["skipped"] == 2


SQLITE_RACE = textwrap.dedent(
    """
    import sys, threading, time
    import django
    django.setup()
    from django.conf import settings
    from django.db import connection, connections, transaction
    if sys.argv[1] == "deferred":  # SQLite's own default, as before the fix
        settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = None
        connections["default"].settings_dict["OPTIONS"]["transaction_mode"] = None
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t (v integer)")
    holding = threading.Event()

    def worker():  # the job worker: a write that takes a moment
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (1)")
            holding.set()
            time.sleep(1.5)
        connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    holding.wait()  # the worker is writing when the import's transaction begins
    with transaction.atomic():  # the import: reads, then writes
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            try:
                cursor.execute("INSERT INTO t VALUES (2)")
            except Exception as exc:
                print("FAILED", exc)
            else:
                print("WROTE")
    thread.join()
    """
)


@pytest.mark.parametrize("mode,outcome", [("project", "WROTE"), ("deferred", "FAILED database is locked")])
def test_on_sqlite_an_import_waits_for_the_job_worker_instead_of_failing(tmp_path, mode, outcome):
    """The cause, on a real SQLite file: with SQLite's default a write after a read fails at once
    while another connection writes; with the project's settings it waits and succeeds."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},  # a replica needs PostgreSQL
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    script = tmp_path / "race.py"
    script.write_text(SQLITE_RACE)
    done = subprocess.run(
        [sys.executable, str(script), mode],
        env=env,
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == outcome
