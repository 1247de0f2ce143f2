"""The read replica (core.db), against a real PostgreSQL streaming replica.

``.ci/replica.sh`` makes one (pg_basebackup -R of 127.0.0.1:5432, on port 5433) and CI runs with
``DATABASE_REPLICA_URL`` pointing at it; without the variable these tests skip, except under
``CI=true``, where they fail. The test database pytest creates on the primary reaches the
replica by replication, like every other write, so rows are committed (``transaction=True``)
and each test waits until the replica has replayed the primary's WAL before it reads there.
"""

import os
import time

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.utils import InternalError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.db import REPLICA, PrimaryAfterWriteMiddleware, reading_from_replica, reads_from_replica
from core.tests.concurrency import restore_seeded_rows  # noqa: F401 (a fixture)
from regions.models import Region
from reports.jobs import job_progress, job_start
from reports.models import Job, JobStatus

#: Without the replica the tests skip (or fail, under CI=true) in ``_replica_required``; a test
#: may only name the databases there are.
DATABASES = [DEFAULT_DB_ALIAS, REPLICA] if REPLICA in settings.DATABASES else [DEFAULT_DB_ALIAS]

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=DATABASES),
    pytest.mark.usefixtures("restore_seeded_rows", "_replica_required"),
]
NO_REPLICA = "DATABASE_REPLICA_URL is not set (make one with .ci/replica.sh)"
if REPLICA not in settings.DATABASES and os.environ.get("CI") != "true":
    pytestmark.append(pytest.mark.skip(reason=NO_REPLICA))  # at once, before any database setup

INDEX = reverse("admin:index")


@pytest.fixture
def _replica_required():
    if REPLICA not in settings.DATABASES:
        pytest.fail(f"CI=true: the replica tests may not skip: {NO_REPLICA}", pytrace=False)


def replayed(timeout=30.0):
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the replica has not replayed {lsn} within {timeout} s")
            time.sleep(0.02)


def sql(queries):
    return [q["sql"] for q in queries.captured_queries]


def reads_only(statements):
    return all(s.lstrip().upper().startswith(("SELECT", "WITH", "DECLARE")) for s in statements)


def test_it_is_a_streaming_replica_of_the_primary():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), system_identifier, current_database() FROM pg_control_system()")
        primary = cursor.fetchone()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), system_identifier, current_database() FROM pg_control_system()")
        replica = cursor.fetchone()
    assert primary[0] is False and replica[0] is True, "the replica is a hot standby, the primary is not"
    assert replica[1:] == primary[1:], "the same cluster and the same (test) database"


def test_a_write_on_the_primary_is_read_on_the_replica():
    Region.objects.create(code="149900000000", name="复制县")
    replayed()
    assert Region.objects.using(REPLICA).get(code="149900000000").name == "复制县"


def test_the_replica_refuses_writes_and_no_model_migrates_there():
    with pytest.raises(InternalError, match="read-only"), connections[REPLICA].cursor() as cursor:
        cursor.execute("CREATE TABLE written_on_the_replica (id int)")
    from django.apps import apps

    assert not any(router.allow_migrate_model(REPLICA, model) for model in apps.get_models())
    assert all(router.allow_migrate_model(DEFAULT_DB_ALIAS, model) for model in apps.get_models())


def test_a_row_read_from_the_replica_is_saved_to_the_primary(regions):
    replayed()
    with reading_from_replica():
        county = Region.objects.get(pk=regions["county"].pk)
        assert county._state.db == REPLICA
        county.name = "改名县"
        county.save()  # to the primary; the hot standby would refuse it
    replayed()
    assert Region.objects.using(DEFAULT_DB_ALIAS).get(pk=county.pk).name == "改名县"
    assert Region.objects.using(REPLICA).get(pk=county.pk).name == "改名县"


def test_only_reads_inside_reading_from_replica_go_there():
    assert not reads_from_replica()
    assert router.db_for_read(Region) == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert router.db_for_read(Region) == REPLICA
        assert router.db_for_write(Region) == DEFAULT_DB_ALIAS
        with reading_from_replica(False):
            assert router.db_for_read(Region) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Region) == DEFAULT_DB_ALIAS


def test_reads_after_a_write_stay_on_the_primary(regions):
    with reading_from_replica():
        Job.objects.filter(pk=0).update(done=1)  # bookkeeping: does not pin
        assert router.db_for_read(Region) == REPLICA
        Region.objects.create(code="149800000000", name="刚写的县")
        assert router.db_for_read(Region) == DEFAULT_DB_ALIAS
        # What was just written is read at once, without waiting for the replica.
        assert Region.objects.get(code="149800000000").name == "刚写的县"
    with reading_from_replica():
        assert router.db_for_read(Region) == REPLICA, "the next job or request starts afresh"


def test_a_write_earlier_in_the_request_keeps_the_requests_reads_on_the_primary(rf):
    seen = []

    def view(request):
        Region.objects.create(code="149700000000", name="先写后读县")
        with reading_from_replica():
            seen.append(router.db_for_read(Region))
        return None

    PrimaryAfterWriteMiddleware(view)(rf.get("/"))
    with reading_from_replica():
        seen.append(router.db_for_read(Region))
    assert seen == [DEFAULT_DB_ALIAS, REPLICA]


def test_reads_inside_a_transaction_on_the_primary_stay_there():
    with transaction.atomic(), reading_from_replica():
        assert router.db_for_read(Region) == DEFAULT_DB_ALIAS


def _dashboard(client, user):
    client.force_login(user)
    client.get(INDEX)  # the session's once-a-minute renewal write happens here
    replayed()
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = client.get(INDEX, {"month": "2025-01"})
    assert response.status_code == 200
    return response, sql(on_replica), sql(on_primary)


def test_a_countys_dashboard_reads_its_figures_from_the_replica(client, world, users):
    response, on_replica, on_primary = _dashboard(client, users["admin"])
    assert response.context["dashboard"].children_total == 2, "both townships' children, read on the replica"
    assert len(on_replica) >= 5 and reads_only(on_replica), [s[:80] for s in on_replica if not reads_only([s])]
    figures = [s for s in on_replica if "children_child" in s]
    assert figures, "the children counts come from the replica"
    assert not any("activities_visit" in s for s in on_primary), "no figure is computed on the primary"


def test_a_townships_dashboard_stays_on_the_primary(client, world, users):
    response, on_replica, on_primary = _dashboard(client, users["town_a"])
    assert response.context["dashboard"].children_total == 1
    assert on_replica == []
    assert any("children_child" in s for s in on_primary)


def test_the_statistics_page_and_the_ledger_download_of_a_county_read_from_the_replica(client, world, users):
    client.force_login(users["admin"])
    client.get(INDEX)
    replayed()
    for url, params in [
        (reverse("reports:statistics"), {}),
        (reverse("reports_ledger"), {"month": "2025-01"}),
    ]:
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = client.get(url, params)
        assert response.status_code == 200, url
        assert len(on_replica) >= 3 and reads_only(sql(on_replica)), url


def test_a_countys_ledger_job_reads_from_the_replica_and_writes_its_progress_and_file_to_the_primary(world, users):
    replayed()
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        job = job_start(user=users["admin"], kind="visit_ledger", params={"month": "2025-01", "region": ""})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert job.result and job.report is not None
    assert any("activities_visit" in s for s in sql(on_replica)) and reads_only(sql(on_replica))
    assert not any("activities_visit" in s for s in sql(on_primary))
    assert any(s.startswith("UPDATE") and "reports_job" in s for s in sql(on_primary))


def test_a_townships_ledger_job_reads_from_the_primary(world, users):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        job = job_start(user=users["town_a"], kind="visit_ledger", params={"month": "2025-01", "region": ""})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert sql(on_replica) == []


def test_job_progress_inside_a_replica_read_is_written_to_the_primary(users):
    job = Job.objects.create(user=users["admin"], kind="visit_ledger", status=JobStatus.RUNNING)
    with reading_from_replica(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        job_progress(job, 5, 10, force=True)
    assert sql(on_replica) == []
    assert Job.objects.using(DEFAULT_DB_ALIAS).get(pk=job.pk).done == 5


def test_when_the_replica_is_down_its_readers_are_served_by_the_primary(client, world, users, monkeypatch, caplog):
    import socket

    import core.db

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    replica = connections[REPLICA]
    port = replica.settings_dict["PORT"]
    replica.close()
    monkeypatch.setitem(replica.settings_dict, "PORT", closed_port)
    monkeypatch.setattr(core.db, "_replica_down_until", 0.0)
    client.force_login(users["admin"])
    response = client.get(INDEX, {"month": "2025-01"})
    assert response.status_code == 200
    assert response.context["dashboard"].children_total == 2
    assert "read replica is unreachable" in caplog.text
    # Not tried on every read meanwhile; tried again after REPLICA_RETRY_SECONDS.
    replica.settings_dict["PORT"] = port
    with reading_from_replica():
        assert router.db_for_read(Region) == DEFAULT_DB_ALIAS
        core.db._replica_down_until = 0.0
        assert router.db_for_read(Region) == REPLICA
