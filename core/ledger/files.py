"""The guards every uploaded ledger passes before a cell is read.

An upload may be anything: a photo renamed .xlsx, a password-protected workbook, a zip
that expands to gigabytes. Each is refused with one clear message and nothing written.
"""

import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineWorkbook

from core.spreadsheet import SpreadsheetError, decode_csv

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
IMAGE_MAGIC = {
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"BM": "BMP",
    b"%PDF": "PDF",
    b"RIFF": "WEBP",
}


class LedgerFileError(Exception):
    """A file that cannot be imported at all; the message is for the person who sent it."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_upload_bytes() -> int:
    return _limit("LEDGER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)


def max_rows() -> int:
    return _limit("LEDGER_MAX_ROWS", 100_000)


def check_zip(data: bytes) -> None:
    """Refuse a zip whose members would expand past the limits, before anything is extracted."""
    total_limit = _limit("LEDGER_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
    ratio_limit = _limit("LEDGER_MAX_COMPRESSION_RATIO", 100)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise LedgerFileError(_("The file is damaged and cannot be opened.")) from None
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > ratio_limit:
            raise LedgerFileError(
                _("The file expands to far more than its size (a possible zip bomb) and was refused.")
            )
    if total > total_limit:
        raise LedgerFileError(
            _("The file would expand to %(size)d MB, more than the %(limit)d MB allowed.")
            % {"size": total // (1024 * 1024), "limit": total_limit // (1024 * 1024)}
        )


def _is_encrypted_ooxml(data: bytes) -> bool:
    # A password-protected .xlsx is not a zip but an OLE container holding "EncryptedPackage".
    return "EncryptedPackage".encode("utf-16-le") in data[: 1024 * 1024] or b"EncryptedPackage" in data[: 1024 * 1024]


def _read_workbook(data: bytes) -> list[list]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
    except Exception:  # calamine raises several unrelated types for unreadable files
        raise LedgerFileError(_("The file is damaged or not a spreadsheet and cannot be opened.")) from None
    if sheet.height > max_rows() + 20:
        raise LedgerFileError(_too_many_rows(sheet.height))
    return sheet.to_python(skip_empty_area=False)


def _too_many_rows(count: int) -> str:
    return _("The file has %(count)d rows, more than the %(limit)d allowed; split it into smaller files.") % {
        "count": count,
        "limit": max_rows(),
    }


def _read_csv(data: bytes) -> list[list]:
    import csv

    if b"\x00" in data[:4096]:
        raise LedgerFileError(_("The file is not a spreadsheet; upload an .xlsx, .xls or .csv file."))
    try:
        content = decode_csv(data)
    except SpreadsheetError as exc:
        raise LedgerFileError(str(exc)) from None
    rows = list(csv.reader(io.StringIO(content)))
    if len(rows) > max_rows() + 20:
        raise LedgerFileError(_too_many_rows(len(rows)))
    return rows


def read_grid(data: bytes) -> list[list]:
    """Every row of the first sheet as Python values, after all the guards; raises LedgerFileError."""
    if not data or not data.strip():
        raise LedgerFileError(_("The file is empty."))
    if len(data) > max_upload_bytes():
        raise LedgerFileError(
            _("The file is %(size).1f MB, more than the %(limit).0f MB allowed.")
            % {"size": len(data) / 1024 / 1024, "limit": max_upload_bytes() / 1024 / 1024}
        )
    for magic, kind in IMAGE_MAGIC.items():
        if data.startswith(magic):
            raise LedgerFileError(
                _("The file is a %(kind)s file, not a spreadsheet; upload an .xlsx, .xls or .csv file.")
                % {"kind": kind}
            )
    if data.startswith(OLE_MAGIC):
        if _is_encrypted_ooxml(data):
            raise LedgerFileError(
                _("The file is password-protected; remove the password in Excel or WPS and upload it again.")
            )
        rows = _read_workbook(data)
    elif data.startswith(ZIP_MAGIC):
        check_zip(data)
        rows = _read_workbook(data)
    else:
        rows = _read_csv(data)
    width = max((len(row) for row in rows), default=0)
    rows = [list(row) + [""] * (width - len(row)) for row in rows]
    if not any(any(str(cell).strip() for cell in row) for row in rows):
        raise LedgerFileError(_("The file is empty."))
    return rows
