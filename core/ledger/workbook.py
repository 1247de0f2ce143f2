"""Writing ledgers to .xlsx: exports and blank templates.

User text is always written as a string cell, never a formula; text that a spreadsheet
could read as a formula (= + - @ or a tab first) also gets Excel's quote prefix so it stays
text when someone edits the cell in Excel, WPS or LibreOffice.
"""

import datetime
import io
from decimal import Decimal

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Headers whose column holds digits that must stay text (ID numbers, phones).
TEXT_COLUMNS = ("身份证", "电话", "手机", "公民身份号码")


def _width(value) -> int:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


class LedgerWriter:
    """One sheet: an optional title row, a frozen header row, then data rows."""

    def __init__(self, workbook, name: str, headers: list[str], title: str = ""):
        self.workbook = workbook
        self.sheet = workbook.add_worksheet(name[:31])
        self.headers = headers
        self.bold = workbook.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2", "align": "center"})
        self.title_format = workbook.add_format({"bold": True, "font_size": 14})
        self.text = workbook.add_format({"num_format": "@"})
        self.quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.widths = [max(_width(h) + 2, 8) for h in headers]
        self.text_columns = {i for i, h in enumerate(headers) if any(t in h for t in TEXT_COLUMNS)}
        self.row = 0
        if title:
            self.sheet.write_string(0, 0, title, self.title_format)
            self.row = 1
        self.header_row = self.row
        for col, header in enumerate(headers):
            self.sheet.write_string(self.row, col, header, self.bold)
        self.sheet.freeze_panes(self.row + 1, 0)
        self.row += 1

    def write_row(self, values) -> None:
        for col, value in enumerate(values):
            self.write_cell(self.row, col, value)
            if col < len(self.widths):
                self.widths[col] = min(max(self.widths[col], _width(value) + 2), 60)
        self.row += 1

    def write_cell(self, row: int, col: int, value) -> None:
        sheet = self.sheet
        if value is None or value == "":
            sheet.write_blank(row, col, None, self.text if col in self.text_columns else None)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否")
        elif isinstance(value, (datetime.date, datetime.datetime)):
            sheet.write_datetime(row, col, value, self.date)
        elif isinstance(value, (int, float, Decimal)) and col not in self.text_columns:
            sheet.write_number(row, col, float(value))
        else:
            text = str(value)
            fmt = self.quoted if text.startswith(FORMULA_STARTS) else (self.text if col in self.text_columns else None)
            sheet.write_string(row, col, text, fmt)

    def finish(self) -> None:
        for col, width in enumerate(self.widths):
            fmt = self.text if col in self.text_columns else None
            self.sheet.set_column(col, col, width, fmt)


def new_workbook():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    return buffer, workbook


def dataset_to_xlsx(dataset, sheet_name: str = "") -> bytes:
    buffer, workbook = new_workbook()
    writer = LedgerWriter(
        workbook, sheet_name or "Sheet1", list(dataset.headers or []), getattr(dataset, "title", "") or ""
    )
    for row in dataset:
        writer.write_row(row)
    writer.finish()
    workbook.close()
    return buffer.getvalue()
