"""Every download keeps its Chinese name: RFC 6266 filename* on each path a file is sent from."""

from urllib.parse import unquote

import pytest
from django.urls import reverse

from core.downloads import attachment_header
from reports.jobs import job_start


def saved_name(header: str) -> str:
    """The name a browser saves under (RFC 6266: filename* wins over the ASCII filename)."""
    assert "=?" not in header, f"RFC 2047-encoded: {header}"
    disposition, *params = (part.strip() for part in header.split(";"))
    params = dict(param.split("=", 1) for param in params)
    assert disposition == "attachment" and params["filename"].isascii()
    charset, _language, value = params["filename*"].split("'", 2)
    assert charset.lower() == "utf-8"
    return unquote(value)


def test_the_header_carries_the_name_and_an_ascii_fallback():
    header = attachment_header("儿童基础台账-20260101.xlsx")
    assert saved_name(header) == "儿童基础台账-20260101.xlsx"
    assert header.isascii()
    assert 'filename="20260101.xlsx"' in header


def test_an_all_chinese_name_falls_back_to_download():
    assert 'filename="download.xlsx"' in attachment_header("月度台账.xlsx")


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


@pytest.mark.django_db
def test_an_admin_export_keeps_its_name(admin_client, world):
    response = admin_client.post(reverse("admin:children_child_export"), {"format": "0", "resource": "0"})
    assert response.status_code == 200
    name = saved_name(response["Content-Disposition"])
    assert name.endswith(".xlsx") and "儿童" in name


@pytest.mark.django_db
def test_a_blank_template_keeps_its_name(admin_client, world):
    response = admin_client.get(reverse("admin:children_child_download_ledger_template"))
    assert saved_name(response["Content-Disposition"]).endswith("模板.xlsx")


@pytest.mark.django_db
def test_the_dashboard_ledger_keeps_its_name(admin_client, world):
    response = admin_client.get(reverse("reports_ledger"), {"month": "2025-01"})
    assert response.status_code == 200
    name = saved_name(response["Content-Disposition"])
    assert name.endswith(".xlsx") and "台账" in name


@pytest.mark.django_db
def test_a_job_result_keeps_its_name(client, world, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = job_start(user=users["admin"], kind="visit_ledger", params={"month": "2025-01", "region": ""})
    client.force_login(users["admin"])
    response = client.get(reverse("reports:job_file", args=[job.pk]))
    assert saved_name(response["Content-Disposition"]) == "方山县“爱心妈妈”走访台账（2025年1月）.xlsx"
