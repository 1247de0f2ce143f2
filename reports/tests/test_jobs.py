import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from activities.tests.factories import VisitFactory
from core.idnumber import mask_id_number
from core.permissions import ROW_EXPORTS
from regions.models import Region
from reports import exports, jobs
from reports.jobs import JobInputError, job_progress, job_start
from reports.models import Job, JobStatus

MONTH = "2025-01"


def _sheet_rows(job):
    with job.result.open("rb") as handle:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    return workbook.get_sheet_by_index(0).to_python()


@pytest.fixture
def small_steps(monkeypatch, progress_writes):
    """Report progress every 2 rows so a handful of visits shows several steps."""
    monkeypatch.setattr(exports, "PROGRESS_ROWS", 2)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_ROWS", 2)
    return progress_writes


@pytest.fixture
def ledger_job(world, users):
    child = world["a"]["child"]
    for day in range(2, 6):
        VisitFactory(child=child, visited_on=datetime.date(2025, 1, day))
    VisitFactory(child=child, visited_on=datetime.date(2025, 2, 1))  # another month
    return job_start(user=users["town_a"], kind="visit_ledger", params={"month": MONTH, "region": ""})


def test_it_reports_progress_and_finishes_with_the_users_visits_of_the_month(world, users, small_steps):
    VisitFactory(child=world["a"]["child"], visited_on=datetime.date(2025, 1, 20))
    job = job_start(user=users["town_a"], kind="visit_ledger", params={"month": MONTH, "region": ""})

    # The world fixture has one visit per township on 2025-01-10; town A sees only its own two.
    assert small_steps == [(0, 2), (2, 2)]
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.DONE, 2, 2, 100)
    assert job.started_at and job.finished_at and job.task_id
    assert job.result.name.startswith("jobs/") and job.result_name == "方山县圪洞镇“爱心妈妈”走访台账（2025年1月）.xlsx"
    rows = _sheet_rows(job)
    assert rows[0][:5] == ["走访日期", "乡镇（街道）", "村（社区）", "儿童", "身份证号码"]
    child = world["a"]["child"]
    assert [row[3] for row in rows[1:]] == [child.name, child.name]
    assert [row[0] for row in rows[1:]] == [datetime.date(2025, 1, 10), datetime.date(2025, 1, 20)]
    assert (rows[1][1], rows[1][2], rows[1][5], rows[1][6]) == ("圪洞镇", child.region.name, "入户走访", "甲妈妈")
    # A township user sees masked ID numbers, as everywhere else.
    assert rows[1][4] == mask_id_number(child.id_number) != child.id_number
    assert world["b"]["child"].name not in {row[3] for row in rows}


def test_it_writes_progress_every_n_rows_not_on_every_row(world, users, small_steps):
    child = world["a"]["child"]
    for day in range(2, 9):
        VisitFactory(child=child, visited_on=datetime.date(2025, 1, day))
    job = job_start(user=users["town_a"], kind="visit_ledger", params={"month": MONTH, "region": ""})
    job.refresh_from_db()
    assert job.total == 8
    assert small_steps == [(0, 8), (2, 8), (4, 8), (6, 8), (8, 8)]


def test_job_progress_is_cheap_when_called_on_every_row(users, monkeypatch):
    job = Job.objects.create(user=users["town_a"], kind="visit_ledger", status=JobStatus.RUNNING)
    monkeypatch.setattr(jobs, "_clock", lambda: 100.0)  # no time passes
    with CaptureQueriesContext(connection) as queries:
        for done in range(1, 2501):
            job_progress(job, done, 2500)
    # The first row, then every 1000 rows, then the last row.
    assert len(queries) == 4
    job.refresh_from_db()
    assert (job.done, job.total) == (2500, 2500)


def test_job_progress_writes_after_a_second_even_below_n_rows(users, monkeypatch):
    job = Job.objects.create(user=users["town_a"], kind="visit_ledger", status=JobStatus.RUNNING)
    clock = iter([100.0, 100.2, 101.5])
    monkeypatch.setattr(jobs, "_clock", lambda: next(clock))
    job_progress(job, 1, 5000)
    job_progress(job, 2, 5000)
    assert Job.objects.get(pk=job.pk).done == 1
    job_progress(job, 3, 5000)
    assert Job.objects.get(pk=job.pk).done == 3


def test_it_downloads_the_result_only_for_the_owner(client, ledger_job, users):
    client.force_login(users["town_a"])
    response = client.get(reverse("reports:job_file", args=[ledger_job.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"  # an .xlsx (zip) file

    page = client.get(reverse("admin:reports_job_change", args=[ledger_job.pk]))
    assert page.status_code == 200
    assert reverse("reports:job_file", args=[ledger_job.pk]) in page.content.decode()


@pytest.mark.parametrize("who", ["town_b", "admin", "superuser"])
def test_someone_else_gets_404_for_the_job_file(client, ledger_job, users, superuser, who):
    client.force_login(superuser if who == "superuser" else users[who])
    assert client.get(reverse("reports:job_file", args=[ledger_job.pk])).status_code == 404
    assert client.get(reverse("reports:job_status", args=[ledger_job.pk])).status_code == 404


@pytest.mark.parametrize("who", ["town_b", "admin"])
def test_someone_else_gets_404_for_the_job_page(client, ledger_job, users, who):
    client.force_login(users[who])
    assert client.get(reverse("admin:reports_job_change", args=[ledger_job.pk])).status_code == 404


def test_the_status_endpoint_shows_progress_to_the_owner(client, users):
    job = Job.objects.create(user=users["town_a"], kind="visit_ledger", status=JobStatus.RUNNING, done=250, total=1000)
    client.force_login(users["town_a"])
    response = client.get(reverse("reports:job_status", args=[job.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert (data["status"], data["done"], data["total"], data["percent"], data["finished"]) == (
        "running",
        250,
        1000,
        25,
        False,
    )


def test_the_running_job_page_loads_the_progress_script_without_inline_code(client, users):
    job = Job.objects.create(user=users["town_a"], kind="visit_ledger", status=JobStatus.RUNNING, done=5, total=10)
    client.force_login(users["town_a"])
    html = client.get(reverse("admin:reports_job_change", args=[job.pk])).content.decode()
    assert "js/job-progress.js" in html
    assert reverse("reports:job_status", args=[job.pk]) in html
    assert 'value="50"' in html
    panel = html[html.index("data-job-status-url") : html.index("js/job-progress.js")]
    assert "<script>" not in panel


def test_a_superuser_sees_all_jobs_in_the_admin_and_a_user_only_their_own(client, users, superuser):
    mine = Job.objects.create(user=users["town_a"], kind="visit_ledger")
    theirs = Job.objects.create(user=users["town_b"], kind="visit_ledger")
    url = reverse("admin:reports_job_changelist")

    client.force_login(superuser)
    shown = client.get(url).context["cl"].result_list
    assert set(shown) == {mine, theirs}
    assert client.get(reverse("admin:reports_job_change", args=[theirs.pk])).status_code == 200

    client.force_login(users["town_a"])
    assert list(client.get(url).context["cl"].result_list) == [mine]


def test_a_bad_region_file_fails_the_job_in_chinese_and_writes_nothing(superuser, regions):
    before = Region.objects.count()
    bad = "代码,名称\n141128102000,新镇\n12345,坏代码\n".encode()
    job = job_start(user=superuser, kind="load_regions", upload=ContentFile(bad, name="区划.csv"))

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "12345" in job.message or "12345" in str(job.report)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in job.message)  # Chinese text
    assert not job.result and not job.upload  # no result kept, the upload is deleted
    assert Region.objects.count() == before
    assert not Region.objects.filter(code="141128102000").exists()


def test_the_failed_job_page_shows_the_message_and_the_row_errors(client, superuser, regions):
    bad = "代码,名称\n12345,坏代码\n1411281030000,太长\n".encode()
    job = job_start(user=superuser, kind="load_regions", upload=ContentFile(bad, name="区划.csv"))
    client.force_login(superuser)
    html = client.get(reverse("admin:reports_job_change", args=[job.pk])).content.decode()
    assert "失败" in html
    assert "12345" in html and "1411281030000" in html
    assert "js/job-progress.js" not in html  # finished: nothing to refresh


def test_a_region_file_loads_through_a_job(superuser, regions):
    good = "代码,名称\n141128102000,新镇\n141128102001,新村\n".encode()
    job = job_start(user=superuser, kind="load_regions", upload=ContentFile(good, name="区划.csv"))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.report == {"created": 2, "updated": 0, "unchanged": 0}
    assert (job.done, job.total) == (2, 2)
    assert Region.objects.get(code="141128102001").parent.code == "141128102000"
    assert not job.upload


def test_an_unexpected_error_fails_the_job_and_never_leaves_it_running(users, monkeypatch):
    def broken(user, month, region, path, progress):
        progress(0, 10)
        raise RuntimeError("boom")

    monkeypatch.setitem(jobs.KINDS, "broken", jobs.KINDS["visit_ledger"])
    monkeypatch.setitem(ROW_EXPORTS, "broken", "activities.visit")  # may_export refuses unlisted kinds
    jobs.register_export("broken", "broken", broken)
    job = job_start(user=users["town_a"], kind="broken", params={"month": MONTH})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "内部错误" in job.message and str(job.pk) in job.message
    assert job.finished_at is not None and not job.result


def test_it_rejects_a_region_outside_the_users_scope_when_the_job_runs(users, regions):
    job = job_start(
        user=users["town_a"], kind="visit_ledger", params={"month": MONTH, "region": regions["town_b"].code}
    )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "你无权导出这个地区。"


def test_only_superusers_may_start_a_region_load(users):
    with pytest.raises(JobInputError):
        job_start(user=users["admin"], kind="load_regions", upload=ContentFile(b"x", name="a.csv"))
    assert not Job.objects.exists()


def test_the_start_page_starts_a_ledger_export_and_shows_its_page(client, world, users):
    client.force_login(users["town_a"])
    url = reverse("admin:reports_job_start", args=["visit_ledger"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"month": MONTH, "region": world["regions"]["town_a"].pk})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:reports_job_change", args=[job.pk])
    assert (job.user, job.status) == (users["town_a"], JobStatus.DONE)
    assert job.params == {"month": MONTH, "region": "141128100000"}


def test_the_start_page_refuses_another_townships_region_and_a_bad_month(client, world, users):
    client.force_login(users["town_a"])
    url = reverse("admin:reports_job_start", args=["visit_ledger"])
    response = client.post(url, {"month": "一月", "region": world["regions"]["town_b"].pk})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"month", "region"}
    assert not Job.objects.exists()


def test_the_start_page_of_a_region_load_is_forbidden_to_a_county_admin(client, users):
    client.force_login(users["admin"])
    assert client.get(reverse("admin:reports_job_start", args=["load_regions"])).status_code == 403


def _job(user, status, **ages):
    from datetime import timedelta

    from django.utils import timezone

    job = Job.objects.create(user=user, kind="visit_ledger", status=status)
    Job.objects.filter(pk=job.pk).update(
        **{field: timezone.now() - timedelta(seconds=seconds) for field, seconds in ages.items()}
    )
    return job


@pytest.mark.security
def test_fail_stale_jobs_fails_running_jobs_without_a_recent_heartbeat_and_long_queued_ones(users, settings):
    from django.core.management import call_command

    settings.JOB_STALE_AFTER_SECONDS = 300
    user = users["town_a"]
    silent = _job(user, JobStatus.RUNNING, created_at=400, started_at=400, heartbeat_at=301)
    beating = _job(user, JobStatus.RUNNING, created_at=7 * 3600, started_at=7 * 3600, heartbeat_at=20)
    never_beat = _job(user, JobStatus.RUNNING, created_at=600, started_at=600)
    old_queue = _job(user, JobStatus.QUEUED, created_at=7 * 3600)
    new_queue = _job(user, JobStatus.QUEUED, created_at=600)
    out = io.StringIO()
    call_command("fail_stale_jobs", "--hours", "6", stdout=out)
    status = {job.pk: Job.objects.get(pk=job.pk) for job in (silent, beating, never_beat, old_queue, new_queue)}
    assert [status[j.pk].status for j in (silent, beating, never_beat, old_queue, new_queue)] == [
        JobStatus.FAILED,
        JobStatus.RUNNING,
        JobStatus.FAILED,
        JobStatus.FAILED,
        JobStatus.QUEUED,
    ]
    assert "5 分钟没有心跳" in status[silent.pk].message and status[silent.pk].finished_at
    assert out.getvalue().startswith("已将 3 个")


@pytest.mark.security
def test_the_next_worker_start_fails_jobs_a_stopped_worker_left_running(users, settings):
    from reports.worker import ResilientWorker

    settings.JOB_STALE_AFTER_SECONDS = 300
    silent = _job(users["town_a"], JobStatus.RUNNING, started_at=900, heartbeat_at=600)
    beating = _job(users["town_a"], JobStatus.RUNNING, started_at=900, heartbeat_at=10)
    worker = ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=0,
        worker_id="start-check",
    )
    worker.fail_stale_jobs()
    silent.refresh_from_db()
    beating.refresh_from_db()
    assert (silent.status, beating.status) == (JobStatus.FAILED, JobStatus.RUNNING)
    assert "心跳" in silent.message


@pytest.mark.security
def test_the_job_page_says_when_no_worker_is_running(client, users, settings):
    settings.JOB_QUEUED_WARNING_SECONDS = 60
    settings.JOB_HEARTBEAT_SECONDS = 30
    client.force_login(users["town_a"])
    waiting = _job(users["town_a"], JobStatus.QUEUED, created_at=180)
    fresh = _job(users["town_a"], JobStatus.QUEUED, created_at=5)
    silent = _job(users["town_a"], JobStatus.RUNNING, started_at=400, heartbeat_at=200)
    page = client.get(reverse("admin:reports_job_change", args=[waiting.pk])).content.decode()
    assert "后台任务进程可能没有运行" in page and "3 分钟" in page
    status = client.get(reverse("reports:job_status", args=[waiting.pk])).json()
    assert "后台任务进程可能没有运行" in status["message"]
    assert client.get(reverse("reports:job_status", args=[fresh.pk])).json()["message"] == ""
    assert "没有心跳" in client.get(reverse("reports:job_status", args=[silent.pk])).json()["message"]


@pytest.mark.security
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the heartbeat writes from a second connection")
# Committed rows: the heartbeat thread has its own connection. Only these apps' tables are flushed.
@pytest.mark.django_db(transaction=True, available_apps=["reports", "django_tasks_db"])
def test_a_running_job_beats_while_it_works_without_progress(settings, monkeypatch):
    import time

    from django.contrib.auth.models import User

    settings.JOB_HEARTBEAT_SECONDS = 0.05
    seen = []

    def importer(data, filename, *, kind, user, progress):
        job = Job.objects.get(kind="probe")
        first = Job.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.5)  # one long step, no progress reported
        seen.append((first, Job.objects.get(pk=job.pk).heartbeat_at))
        return {}

    monkeypatch.setitem(jobs.KINDS, "probe", None)
    jobs.register_import("probe", "probe", importer)
    owner = User.objects.create(username="heartbeat-probe", is_staff=True)
    try:
        jobs.job_start(user=owner, kind="probe", upload=ContentFile(b"x", name="x.csv"))
    finally:
        Job.objects.filter(user=owner).delete()
        owner.delete()
    ((first, later),) = seen
    assert first is not None and later > first


def test_the_job_list_takes_a_fixed_number_of_queries(client, users, django_assert_max_num_queries):
    for _ in range(30):
        Job.objects.create(user=users["town_a"], kind="visit_ledger", done=10, total=20)
    client.force_login(users["town_a"])
    # session, user, staff profile (first-login check), 2 permission lookups, count, page,
    # session save (3 with savepoints); the header's unread-message count (notify) and the
    # township's 待办 count in the sidebar (the visit intervals, then one count; cached 60 s)
    with django_assert_max_num_queries(10 + 1 + 2):
        response = client.get(reverse("admin:reports_job_changelist"))
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 30
