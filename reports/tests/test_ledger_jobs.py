"""The ledger import and the monthly ledger run as background jobs, with progress and a result."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from children.models import Child
from core.tests.ledger_helpers import FIXTURES, county_admin, load_sample_regions
from reports import jobs
from reports.jobs import job_start
from reports.models import JobStatus


@pytest.fixture
def progress_steps(monkeypatch, progress_writes):
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_ROWS", 10)
    return progress_writes


def _upload(name):
    return ContentFile((FIXTURES / name).read_bytes(), name=name)


@pytest.mark.django_db
def test_a_children_ledger_imports_as_a_job_with_progress(progress_steps):
    load_sample_regions()
    admin = county_admin()
    job = job_start(user=admin, kind="import_children", upload=_upload("方山县困境儿童基础台账.xlsx"))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert job.report["new"] == 40 and job.report["errors"] == 0
    assert Child.objects.count() == 40
    # Progress moved through the rows, not only at the end.
    done, total = progress_steps[-1]
    assert len(progress_steps) >= 4 and done == total >= 40


@pytest.mark.django_db
def test_a_bad_ledger_fails_the_job_with_every_row_error_and_writes_nothing():
    load_sample_regions()
    job = job_start(user=county_admin(), kind="import_children", upload=_upload("方山县困境儿童基础台账-有错误.xlsx"))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "错误 4" in job.message
    rows = " ".join(job.report["errors"])
    assert all(f"第{n}行" in rows for n in (5, 6, 7, 8))
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_the_monthly_ledger_runs_as_a_job_and_only_its_owner_downloads_it(client, world, users):
    job = job_start(user=users["town_a"], kind="monthly_ledger", params={"month": "2025-01", "region": ""})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    with job.result.open("rb") as handle:
        sheets = CalamineWorkbook.from_filelike(handle).sheet_names
    assert sheets == ["汇总", "活动台账"]  # township staff: figures and activities (core.permissions)
    client.force_login(users["town_b"])
    assert client.get(reverse("reports:job_file", args=[job.pk])).status_code == 404
    client.force_login(users["town_a"])
    assert client.get(reverse("reports:job_file", args=[job.pk])).status_code == 200
