"""Bad files get one clear Chinese error, write nothing and never a 500."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation

from children.models import Child
from core.ledger.files import OLE_MAGIC, LedgerFileError, read_grid

from .ledger_helpers import counts, csv_bytes, import_bytes, xlsx

HEADER = ["序号", "姓名", "身份证号码", "乡镇", "村", "儿童类别"]


def message_of(data) -> str:
    with translation.override("zh-hans"), pytest.raises(LedgerFileError) as caught:
        read_grid(data)
    return str(caught.value)


def encrypted_xlsx() -> bytes:
    # What Excel writes for a password-protected workbook: an OLE compound file whose
    # directory holds the EncryptedInfo/EncryptedPackage streams (names in UTF-16).
    body = bytearray(OLE_MAGIC + b"\x00" * 504)
    body += "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    body += b"\x00" * 2048
    return bytes(body)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data,words",
    [
        (b"", "空"),
        (b"   \n  ", "空"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "JPEG"),
        (b"%PDF-1.7 something", "PDF"),
        (b"\x00\x01\x02binary\x00junk", "不是表格"),
        (b"PK\x03\x04 this zip is cut short", "损坏"),
        (OLE_MAGIC + b"\x00" * 600, "损坏"),
    ],
    ids=["empty", "blank", "png", "jpeg", "pdf", "binary", "corrupt-zip", "corrupt-ole"],
)
def test_it_refuses_files_that_are_not_readable_spreadsheets(data, words):
    assert words in message_of(data)


def test_it_recognises_a_password_protected_workbook():
    assert "密码" in message_of(encrypted_xlsx())


def test_it_refuses_a_zip_that_would_expand_too_far_before_reading_it():
    assert "压缩" in message_of(zip_bomb()) or "炸弹" in message_of(zip_bomb())


def test_it_refuses_files_over_the_size_limit(settings):
    settings.LEDGER_MAX_UPLOAD_BYTES = 1000
    assert "MB" in message_of(xlsx([HEADER] + [["1", "张三"] * 3] * 200))


def test_it_refuses_files_over_the_row_limit(settings):
    settings.LEDGER_MAX_ROWS = 50
    assert "50" in message_of(xlsx([HEADER] + [["x"]] * 200))
    assert "50" in message_of(csv_bytes([HEADER] + [["x"]] * 200))


@pytest.mark.django_db
def test_a_file_without_a_recognisable_header_is_one_error(users):
    result = import_bytes("children", xlsx([["a", "b", "c"], ["1", "2", "3"]]), users["admin"])
    assert counts(result)["errors"] == 1 and result.base_errors
    assert Child.objects.count() == 0


@pytest.mark.django_db
def test_the_admin_shows_the_reason_for_a_renamed_image_and_keeps_no_file(client, users, settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path
    client.force_login(users["admin"])
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    upload.name = "台账.xlsx"
    response = client.post(
        reverse("admin:children_child_import"), {"format": "0", "resource": "0", "import_file": upload}
    )
    assert response.status_code == 200
    assert "PNG" in response.content.decode()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_it_purges_uploads_older_than_a_day(settings, tmp_path):
    import os
    import time

    from django.core.management import call_command

    settings.LEDGER_UPLOAD_DIR = tmp_path
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_bytes(b"id numbers")
    new.write_bytes(b"id numbers")
    os.utime(old, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    call_command("purge_ledger_uploads", stdout=io.StringIO())
    assert not old.exists() and new.exists()


@pytest.mark.django_db
def test_the_admin_names_a_missing_column_without_a_traceback(client, users):
    client.force_login(users["admin"])
    upload = io.BytesIO(xlsx([["序号", "姓名", "身份证号码", "乡镇", "村"], [1, "张三", "x", "圪洞镇", "东村"]]))
    upload.name = "台账.xlsx"
    response = client.post(
        reverse("admin:children_child_import"), {"format": "0", "resource": "0", "import_file": upload}
    )
    page = response.content.decode()
    assert "缺少必填列：儿童类别" in page
    assert "Traceback" not in page and "HeaderError" not in page
