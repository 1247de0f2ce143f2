"""Memory bombs: tiny files that ask a naive reader for gigabytes are refused before anything is built.

The dangerous files are read in a child process limited to 1 GB of address space: if a guard
breaks, calamine's allocation fails there (the child dies) and the test fails instead of pytest.
"""

import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlwt
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from children.models import Child
from core.ledger.files import LedgerFileError, read_grid
from reports.jobs import job_start
from reports.models import JobStatus

from . import hostile_files as hostile
from .ledger_helpers import county_admin, load_sample_regions

pytestmark = pytest.mark.security

MEMORY_LIMIT = 1024**3
CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
import django
django.setup()
from django.utils import translation
from core.ledger.files import LedgerFileError, read_grid
data = open(sys.argv[1], "rb").read()
with translation.override("zh-hans"):
    try:
        read_grid(data)
    except LedgerFileError as error:
        print(error)
        sys.exit(0)
print("read without a guard")
sys.exit(3)
"""


def read_in_child(tmp_path: Path, data: bytes) -> str:
    """The reader's message for ``data``, read in a process that cannot take more than 1 GB."""
    path = tmp_path / "upload"
    path.write_bytes(data)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(limit=MEMORY_LIMIT), str(path)],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"reader died or read the file (rc {done.returncode}): {done.stderr[-2000:]}"
    return done.stdout.strip()


HOSTILE = {
    "xlsx-cell-at-XFD100000": (lambda: hostile.xlsx_far_cell("XFD100000"), "16384 列"),
    "xlsx-cell-at-XFD5000": (lambda: hostile.xlsx_far_cell("XFD5000"), "16384 列"),
    "xlsx-lying-dimension": (lambda: hostile.xlsx_far_cell(dimension="A1:B2"), "16384 列"),
    "xlsx-cells-without-r": (lambda: hostile.xlsx_implicit_wide(), "201 列"),
    "xlsx-prefixed-cells": (
        lambda: hostile.xlsx_with_sheet(
            hostile.header_row() + '<x:row xmlns:x="urn:x"><x:c r="XFD100000"><x:v>1</x:v></x:c></x:row>'
        ),
        "16384 列",
    ),
    "xlsx-r-not-first": (
        lambda: hostile.xlsx_with_sheet(hostile.header_row() + '<row><c s="0" r="XFD100000"><v>1</v></c></row>'),
        "16384 列",
    ),
    "xlsx-sheet-outside-worksheets": (lambda: hostile.xlsx_far_cell(target="/xl/hidden/data"), "16384 列"),
    "xlsx-too-many-cells": (lambda: hostile.xlsx_far_cell("GR30000"), "单元格"),
    "xls-cell-at-IV65536": (lambda: hostile.xls_far_cell(65535, 255), "256 列"),
    "xls-column-65535": (lambda: hostile.xls_far_cell(65535, 65535), "65536 列"),
    "xls-too-many-cells": (lambda: hostile.xls_far_cell(65535, 150), "单元格"),
    "csv-2M-commas": (lambda: hostile.csv_wide_header(), "超过"),
    "csv-one-enormous-line": (lambda: hostile.csv_long_line(), "超过"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_gets_a_chinese_message_and_the_reader_lives(name, tmp_path):
    make, words = HOSTILE[name]
    message = read_in_child(tmp_path, make())
    assert words in message, message


def message_of(data) -> str:
    with translation.override("zh-hans"), pytest.raises(LedgerFileError) as caught:
        read_grid(data)
    return str(caught.value)


def test_the_cells_of_all_xls_sheets_count_together():
    # calamine builds every sheet of an .xls when it opens the file, not only the first.
    book = xlwt.Workbook()
    for name in ("一", "二"):
        sheet = book.add_sheet(name)
        sheet.write(0, 0, "姓名")
        sheet.write(19_999, 199, 1)  # 20,000 × 200 = 4 million cells each
    buffer = io.BytesIO()
    book.save(buffer)
    assert "单元格" in message_of(buffer.getvalue())


@pytest.mark.parametrize(
    "data,words",
    [
        (hostile.xlsx_with_sheet('<row><c r="A1" r="XFD9"><v>1</v></c></row>'), "损坏"),
        (hostile.xlsx_with_sheet("<row/>", doctype='<!DOCTYPE w [<!ENTITY e "x">]>'), "损坏"),
        (hostile.xlsx_with_sheet('<row><c r="$A$1"><v>1</v></c></row>'), "损坏"),
    ],
    ids=["duplicate-r", "doctype", "unreadable-reference"],
)
def test_a_sheet_that_readers_could_read_differently_is_refused(data, words):
    assert words in message_of(data)


def test_an_opendocument_file_is_refused_before_calamine_guesses_its_kind():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", '<office:document-content xmlns:office="urn:o"/>')
    assert ".xlsx" in message_of(buffer.getvalue())


def test_ordinary_files_and_styled_empty_cells_still_read():
    rows = read_grid(hostile.xlsx_with_sheet(hostile.header_row() + '<row r="2"><c r="B2"><v>7</v></c></row>'))
    assert rows == [["姓名", ""], ["", 7.0]]


# A file just past the column limit is harmless to read even if the guard broke, so these run
# in-process and fail on their assertions rather than by killing pytest.
def wide_xlsx() -> bytes:
    return hostile.xlsx_far_cell("GS2")  # column 201


@pytest.mark.django_db
def test_the_admin_refuses_a_wide_file_in_chinese_and_keeps_no_copy(client, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path
    load_sample_regions()
    client.force_login(county_admin())
    upload = io.BytesIO(wide_xlsx())
    upload.name = "台账.xlsx"
    response = client.post(
        reverse("admin:children_child_import"), {"format": "0", "resource": "0", "import_file": upload}
    )
    assert response.status_code == 200
    assert "201 列" in response.content.decode()
    assert list(tmp_path.iterdir()) == []
    assert Child.objects.count() == 0


@pytest.mark.django_db
def test_an_import_job_fails_on_a_wide_file_and_deletes_the_upload(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_sample_regions()
    job = job_start(user=county_admin(), kind="import_children", upload=ContentFile(wide_xlsx(), name="台账.xlsx"))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "201 列" in job.message
    assert not job.upload
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_without_the_guard_the_child_dies_so_these_tests_can_fail(tmp_path):
    # calamine reading the outside test's file unguarded: the child must die, not pytest.
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(hostile.xlsx_far_cell("XFD100000"))
    code = (
        "import io, resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
        "from python_calamine import CalamineWorkbook\n"
        "CalamineWorkbook.from_filelike(io.BytesIO(open(sys.argv[1], 'rb').read())).get_sheet_by_index(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=300)
    assert done.returncode != 0


@pytest.mark.django_db
def test_one_upload_limit_refuses_a_file_the_same_way_in_the_admin_and_as_a_job(client, settings, tmp_path):
    # 12 MB: between the old reader limit (10 MB) and the old job form limit (20 MB).
    settings.LEDGER_UPLOAD_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path
    data = b"a,b\r\n" * (12 * 1024 * 1024 // 5)
    expected = "文件大小 12.0 MB，超过允许的 10 MB。"
    load_sample_regions()
    client.force_login(county_admin())

    def post(url, field):
        upload = io.BytesIO(data)
        upload.name = "台账.csv"
        return client.post(url, {"format": "0", "resource": "0", field: upload}).content.decode()

    assert expected in post(reverse("admin:children_child_import"), "import_file")
    assert expected in post(reverse("admin:reports_job_start", args=["import_children"]), "file")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_truncated_xls_record_is_a_damaged_file_not_a_crash():
    data = bytearray(hostile.xls_far_cell(1, 1))
    at = data.find(struct.pack("<HHHH", 0x0203, 14, 1, 1))
    data[at + 2 : at + 4] = struct.pack("<H", 0xFFFF)  # a record running past the end of the stream
    assert "损坏" in message_of(bytes(data))


def test_a_cell_record_cut_off_at_the_end_of_the_stream_is_not_read_past():
    from core.ledger.files import _scan_biff_sheet

    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HH", 0x0600, 0x0010) + b"\x00" * 12
    stream = bof + struct.pack("<HH", 0x0203, 14)  # a NUMBER record's header, and then nothing
    assert _scan_biff_sheet(stream, 0, spent=0) == (len(bof), 0)
