"""A file with row errors comes back with a 错误原因 column and its bad rows marked (issue 12)."""

import base64
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from children.models import Child
from core.downloads import day_label
from core.ledger.error_file import ERROR_FILL, REASON_HEADER

from .ledger_helpers import EXPECTED, counts, county_admin, import_bytes, load_sample_regions, sample


def to_correct():
    """The error file's name by core.downloads' rule."""
    return f"方山县困境儿童基础台账待更正（{day_label(timezone.localdate())}）.xlsx"


def run(user, path, *extra):
    out = io.StringIO()
    try:
        call_command("import_ledger", "--kind", "children", "--user", user.username, *extra, str(path), stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def marked_rows(sheet):
    header = [c.value for c in sheet[2]]
    reason_col = header.index(REASON_HEADER) + 1
    out = {}
    for row in sheet.iter_rows(min_row=3):
        cell = row[reason_col - 1]
        if cell.value:
            assert cell.fill.fgColor.rgb.endswith(ERROR_FILL.lstrip("#"))
            out[row[0].row] = (row[header.index("序号")].value, cell.value)
    return out


def fix(sheet):
    """What a clerk does in WPS: correct each marked row (here: by copying the good file's row)."""
    good = openpyxl.load_workbook(sample(EXPECTED["children_file"])).active
    by_serial = {row[0].value: [c.value for c in row] for row in good.iter_rows(min_row=4)}
    for row in sheet.iter_rows(min_row=3):
        if row[-1].value:
            for cell, value in zip(row, by_serial[row[0].value], strict=False):
                cell.value = value
            row[-1].value = None


@pytest.mark.django_db
def test_it_writes_the_error_file_and_the_fixed_file_imports_cleanly(tmp_path):
    load_sample_regions()
    user = county_admin()
    out_file = tmp_path / "待更正.xlsx"

    code, out = run(user, sample(EXPECTED["children_bad_file"]), "--errors-out", str(out_file))

    assert code == 1 and Child.objects.count() == 0
    book = openpyxl.load_workbook(out_file)
    sheet = book.active
    assert "填报日期：2025年1月" in sheet["A1"].value  # the title rows are kept, with the ledger's date
    marked = marked_rows(sheet)
    assert sorted(marked) == [n - 1 for n in EXPECTED["children_bad_rows"]]  # two title rows became one
    assert all("：" in reason for _, reason in marked.values())
    fix(sheet)
    fixed = tmp_path / "已更正.xlsx"
    book.save(fixed)

    code, out = run(user, fixed)

    assert code == 0, out
    assert Child.objects.count() == EXPECTED["children_valid"]
    assert "台账日期：2025-01-01" in out


@pytest.mark.django_db
def test_a_file_that_comes_back_twice_keeps_one_reason_column(tmp_path):
    load_sample_regions()
    user = county_admin()
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    run(user, sample(EXPECTED["children_bad_file"]), "--errors-out", str(first))
    run(user, first, "--errors-out", str(second))
    header = [c.value for c in openpyxl.load_workbook(second).active[2]]
    assert header.count(REASON_HEADER) == 1


@pytest.mark.django_db
def test_the_preview_offers_the_error_file(client, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
    load_sample_regions()
    client.force_login(county_admin())
    data = sample(EXPECTED["children_bad_file"]).read_bytes()
    upload = SimpleUploadedFile("方山县.xlsx", data)

    response = client.post(
        reverse("admin:children_child_import"), {"format": "0", "resource": "0", "import_file": upload}
    )

    link = response.context["error_file"]
    assert link.startswith("data:application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(link.split(",", 1)[1]))).active
    assert sorted(marked_rows(sheet)) == [n - 1 for n in EXPECTED["children_bad_rows"]]
    assert f'download="{to_correct()}"' in response.content.decode()
    assert list((tmp_path / "uploads").iterdir()) == []  # still no copy kept


@pytest.mark.django_db
def test_a_clean_file_has_no_error_file(tmp_path):
    load_sample_regions()
    user = county_admin()
    out_file = tmp_path / "x.xlsx"
    code, _ = run(user, sample(EXPECTED["children_file"]), "--dry-run", "--errors-out", str(out_file))
    assert code == 0 and not out_file.exists()
    assert counts(import_bytes("children", sample(EXPECTED["children_file"]).read_bytes(), user))["errors"] == 0


@pytest.mark.django_db
def test_a_failed_import_job_offers_the_file_to_correct_to_its_owner_only(client, settings, tmp_path, users):
    from django.core.files.base import ContentFile

    from reports.jobs import job_start
    from reports.models import JobStatus

    settings.MEDIA_ROOT = tmp_path
    load_sample_regions()
    admin = county_admin()
    data = sample(EXPECTED["children_bad_file"]).read_bytes()
    job = job_start(user=admin, kind="import_children", upload=ContentFile(data, name="方山县.xlsx"))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result_name == to_correct()
    client.force_login(users["admin"])
    assert client.get(reverse("reports:job_file", args=[job.pk])).status_code == 404
    client.force_login(admin)
    page = client.get(reverse("admin:reports_job_change", args=[job.pk])).content.decode()
    assert reverse("reports:job_file", args=[job.pk]) in page
    response = client.get(reverse("reports:job_file", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sorted(marked_rows(sheet)) == [n - 1 for n in EXPECTED["children_bad_rows"]]
