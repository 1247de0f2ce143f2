"""Issue 13, item 16: one naming rule for every download (core.downloads.download_name).

The job's 月度台账-2025-01.xlsx and the dashboard's 离石区“爱心妈妈”结对关爱台账（2025年1月）.xlsx were
one file under two names. Every path a file leaves by is named 区划名 + 文档名 + （period）.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from children.resources import ChildResource
from closing import services as closing
from closing.models import ClosedLedger
from core.downloads import day_label, document_title, download_name
from reports.jobs import job_start
from reports.models import JobStatus

from .ledger_helpers import EXPECTED, county_admin, load_sample_regions, sample
from .test_downloads import saved_name

JAN = datetime.date(2025, 1, 1)
LEDGER = "方山县“爱心妈妈”结对关爱台账（2025年1月）"


def test_the_rule_is_region_document_and_period():
    assert download_name(region="离石区", kind="monthly_ledger", period=JAN, extension="xlsx") == (
        "离石区“爱心妈妈”结对关爱台账（2025年1月）.xlsx"
    )
    assert download_name(region="离石区", kind="monthly_ledger", period=JAN, extension=".pdf").endswith("）.pdf")
    assert document_title(region="方山县", kind="困境儿童基础台账", period=day_label(JAN)) == (
        "方山县困境儿童基础台账（2025年1月1日）"
    )
    assert download_name(region=None, kind="困境儿童基础台账模板", extension="xlsx") == "困境儿童基础台账模板.xlsx"
    # nothing a file system refuses, whatever a title holds
    assert download_name(region="A/B", kind='x:"y"', extension="xlsx") == "A_Bx__y_.xlsx"


@pytest.fixture
def admin_client(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["admin"])
    return client


def _fake_pdf(target, **kwargs):
    from reports.indicators import compute

    target.write(b"%PDF-1.4 test")
    return compute(month=kwargs["month"], user=kwargs["user"])


@pytest.mark.django_db
def test_the_dashboard_xlsx_and_pdf_carry_the_rules_name(admin_client, world, monkeypatch):
    monkeypatch.setattr("reports.views.write_ledger_pdf", _fake_pdf)
    xlsx = admin_client.get(reverse("reports_ledger"), {"month": "2025-01"})
    assert saved_name(xlsx["Content-Disposition"]) == f"{LEDGER}.xlsx"
    pdf = admin_client.get(reverse("reports:ledger_pdf"), {"month": "2025-01"})
    assert saved_name(pdf["Content-Disposition"]) == f"{LEDGER}.pdf"


@pytest.mark.django_db
def test_a_closed_months_stored_file_and_its_downloads_carry_the_rules_name(admin_client, world, users, monkeypatch):
    closing.month_close(region=world["regions"]["county"], month=JAN, by=users["admin"])
    assert {stored.name for stored in ClosedLedger.objects.all()} == {f"{LEDGER}.xlsx"}
    xlsx = admin_client.get(reverse("reports_ledger"), {"month": "2025-01"})
    assert saved_name(xlsx["Content-Disposition"]) == f"{LEDGER}.xlsx"
    monkeypatch.setattr("reports.views.xlsx_to_pdf", lambda path: b"%PDF-1.4 test")
    pdf = admin_client.get(reverse("reports:ledger_pdf"), {"month": "2025-01"})
    assert saved_name(pdf["Content-Disposition"]) == f"{LEDGER}.pdf"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind,document",
    [("monthly_ledger", "“爱心妈妈”结对关爱台账"), ("visit_ledger", "“爱心妈妈”走访台账")],
)
def test_export_jobs_carry_the_rules_name(admin_client, world, users, kind, document):
    job = job_start(user=users["admin"], kind=kind, params={"month": "2025-01", "region": ""})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert job.result_name == f"方山县{document}（2025年1月）.xlsx"
    response = admin_client.get(reverse("reports:job_file", args=[job.pk]))
    assert saved_name(response["Content-Disposition"]) == job.result_name
    # a job for one township is named after that township
    town = world["regions"]["town_a"]
    job = job_start(user=users["admin"], kind=kind, params={"month": "2025-01", "region": town.code})
    job.refresh_from_db()
    assert job.result_name == f"方山县圪洞镇{document}（2025年1月）.xlsx"


@pytest.mark.django_db
def test_the_monthly_ledger_job_and_the_dashboard_name_one_file_alike(admin_client, world, users):
    job = job_start(user=users["admin"], kind="monthly_ledger", params={"month": "2025-01", "region": ""})
    job.refresh_from_db()
    dashboard = admin_client.get(reverse("reports_ledger"), {"month": "2025-01"})
    assert saved_name(dashboard["Content-Disposition"]) == job.result_name


@pytest.mark.django_db
def test_export_ledger_writes_the_rules_name_by_default(world, users, tmp_path, monkeypatch):
    call_command("export_ledger", "--month", "2025-01", "--user", users["admin"].username, "-o", str(tmp_path))
    assert (tmp_path / f"{LEDGER}.xlsx").is_file()
    town = tmp_path / "town"
    town.mkdir()
    monkeypatch.chdir(town)
    call_command("export_ledger", "--month", "2025-01", "--region", world["regions"]["town_b"].code)
    assert [p.name for p in town.iterdir()] == ["方山县大武镇“爱心妈妈”结对关爱台账（2025年1月）.xlsx"]


@pytest.mark.django_db
def test_admin_exports_and_templates_carry_the_rules_name(admin_client, world):
    today = day_label(timezone.localdate())
    export = admin_client.post(reverse("admin:children_child_export"), {"format": "0", "resource": "0"})
    assert saved_name(export["Content-Disposition"]) == f"方山县{ChildResource.title}（{today}）.xlsx"
    template = admin_client.get(reverse("admin:children_child_download_ledger_template"))
    assert saved_name(template["Content-Disposition"]) == f"方山县{ChildResource.title}模板.xlsx"


@pytest.mark.django_db
def test_error_files_carry_the_rules_name(client, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path
    load_sample_regions()
    admin = county_admin()
    expected = f"方山县{ChildResource.title}待更正（{day_label(timezone.localdate())}）.xlsx"
    data = sample(EXPECTED["children_bad_file"]).read_bytes()
    client.force_login(admin)
    preview = client.post(
        reverse("admin:children_child_import"),
        {"format": "0", "resource": "0", "import_file": ContentFile(data, name="随便什么名字.xlsx")},
    )
    assert f'download="{expected}"' in preview.content.decode()
    job = job_start(user=admin, kind="import_children", upload=ContentFile(data, name="随便什么名字.xlsx"))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result_name == expected
    response = client.get(reverse("reports:job_file", args=[job.pk]))
    assert saved_name(response["Content-Disposition"]) == expected
