"""Jobs through the database backend and its worker (`manage.py db_worker`), as in production."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections, transaction
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from regions.models import Region
from reports import jobs
from reports.jobs import job_start
from reports.models import Job, JobStatus


@pytest.fixture(autouse=True)
def _database_tasks(settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Between tasks the worker drops connections that left autocommit, as after a request; the
    # test's own transaction looks like one, so that check is skipped here.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    if connection.vendor == "sqlite":
        # On SQLite the worker opens its own BEGIN EXCLUSIVE, which cannot nest inside the test's
        # transaction; a savepoint stands in for it (PostgreSQL runs the real code path).
        monkeypatch.setattr(db_worker, "exclusive_transaction", lambda using=None: transaction.atomic(using=using))


def run_worker_once():
    """What `manage.py db_worker --batch` does: run every queued task, then stop."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
    ).run()


@pytest.mark.django_db
def test_a_job_waits_in_the_queue_until_the_worker_runs_it(world, users):
    job = job_start(user=users["town_a"], kind="visit_ledger", params={"month": "2025-01", "region": ""})
    job.refresh_from_db()
    assert (job.status, job.done, job.started_at) == (JobStatus.QUEUED, 0, None)
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == "READY" and task.args_kwargs["args"] == [job.pk]

    run_worker_once()

    job.refresh_from_db()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 1, 1)
    assert job.result and job.result.storage.exists(job.result.name)


@pytest.mark.django_db
def test_a_bad_file_through_the_worker_fails_the_job_and_writes_nothing(regions):
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", "root@example.com", None)
    before = Region.objects.count()
    bad = "代码,名称\n141128102000,新镇\n12345,坏代码\n".encode()
    job = job_start(user=root, kind="load_regions", upload=ContentFile(bad, name="区划.csv"))
    run_worker_once()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message
    assert Region.objects.count() == before
    assert not job.upload


@pytest.mark.skipif(connection.vendor != "postgresql", reason="progress from inside a transaction needs PostgreSQL")
# Committed rows are needed (the admin page reads through another connection). Only these two
# apps' tables are flushed afterwards, so the roles and lookups from data migrations survive
# for later tests and for the next --reuse-db run; the user is removed by hand.
@pytest.mark.django_db(transaction=True, available_apps=["reports", "django_tasks_db"])
def test_progress_written_inside_the_jobs_own_transaction_is_visible_at_once(monkeypatch):
    from django.contrib.auth.models import User

    seen = []

    def importer(data, filename, *, kind, user, progress):
        with transaction.atomic():  # like an import that writes all rows or none
            progress(0, 3000)
            progress(1500, 3000)
            other = connections.create_connection("default")  # what the admin page's request sees
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT done, total FROM reports_job WHERE id = %s", [job_id[0]])
                    seen.append(cursor.fetchone())
            finally:
                other.close()
        return {"rows": 3000}

    monkeypatch.setitem(jobs.KINDS, "probe", None)
    jobs.register_import("probe", "probe", importer)
    owner = User.objects.create(username="worker-progress-probe", is_staff=True)
    try:
        job = job_start(user=owner, kind="probe", upload=ContentFile(b"x", name="x.csv"))
        job_id = [job.pk]
        run_worker_once()
        job.refresh_from_db()
        assert job.status == JobStatus.DONE, job.message
        assert seen == [(1500, 3000)]
        assert (job.done, job.total, job.report) == (3000, 3000, {"rows": 3000})
    finally:
        # available_apps hides the other apps' relations from the deletion collector: the
        # user's jobs go first, by hand, as in the reconnect test below.
        Job.objects.filter(user=owner).delete()
        owner.delete()


def _wait_for(condition, timeout=30.0, every=0.05):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def _terminate_other_backends(like=None):
    """What a database restart or an administrator does to the worker's connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE %s",
            [like or "%"],
        )
        return cursor.rowcount


@pytest.mark.security
@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminating a backend needs PostgreSQL")
@pytest.mark.django_db(transaction=True, available_apps=["reports", "django_tasks_db"])
def test_the_worker_survives_losing_its_database_connection_and_runs_the_next_job(monkeypatch):
    import threading

    from django.contrib.auth.models import User

    from reports.models import Job
    from reports.worker import ResilientWorker

    def importer(data, filename, *, kind, user, progress):
        if data == b"slow":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(20) /* job-under-test */")
        return {"rows": 1}

    monkeypatch.setitem(jobs.KINDS, "probe", None)
    monkeypatch.setattr("reports.worker.RECONNECT_DELAYS", (0.1,))
    jobs.register_import("probe", "probe", importer)
    owner = User.objects.create(username="worker-reconnect-probe", is_staff=True)
    worker = ResilientWorker(
        queue_names=["default"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-resilient-worker",
    )

    def run():
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        # Killed in the middle of a job: that job fails with a message, the worker goes on.
        slow = job_start(user=owner, kind="probe", upload=ContentFile(b"slow", name="x.csv"))
        assert _wait_for(lambda: _terminate_other_backends("%job-under-test%") > 0), "the job never started"
        assert _wait_for(lambda: Job.objects.get(pk=slow.pk).status == JobStatus.FAILED)
        assert "数据库" in Job.objects.get(pk=slow.pk).message
        # Killed while waiting for work (as by a database restart): the next job still runs.
        assert _terminate_other_backends() > 0
        after = job_start(user=owner, kind="probe", upload=ContentFile(b"quick", name="y.csv"))
        assert _wait_for(lambda: Job.objects.get(pk=after.pk).status == JobStatus.DONE), "the worker died"
        assert thread.is_alive()
    finally:
        worker.running = False
        thread.join(10)
        Job.objects.filter(user=owner).delete()
        owner.delete()
