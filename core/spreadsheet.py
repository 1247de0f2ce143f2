"""Reading rows out of the spreadsheets staff actually have: .xlsx, .xls and .csv.

python-calamine reads all three spreadsheet kinds much faster than openpyxl; CSV files come
in UTF-8 (with or without BOM) or GB18030, the encoding Excel and WPS use on Chinese Windows.
"""

import csv
import io
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineWorkbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


class SpreadsheetError(Exception):
    """A file that cannot be read as a table; the message is for the person who sent it."""


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def read_rows(data: bytes, filename: str) -> list[list]:
    """All rows of the first sheet, as lists of Python values."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return [list(row) for row in csv.reader(io.StringIO(decode_csv(data)))]
    if suffix not in SPREADSHEET_SUFFIXES:
        raise SpreadsheetError(
            _("%(name)s is not a spreadsheet; upload an .xlsx, .xls or .csv file.") % {"name": filename}
        )
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several unrelated types for unreadable files
        raise SpreadsheetError(
            _("%(name)s cannot be read as a spreadsheet (damaged, encrypted or not a spreadsheet).")
            % {"name": filename}
        ) from exc
