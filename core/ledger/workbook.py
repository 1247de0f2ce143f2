"""The one way the project writes .xlsx: admin exports, templates, the monthly and visit ledgers.

Every workbook is opened by ``open_workbook``: text is always a string cell, never a formula,
a link or a number, whatever it looks like. Text that a spreadsheet could read as a formula once
someone edits the cell (= + - @, a tab or CR first, or their full-width forms ＝ ＋ － ＠, which
NFKC folds into them) also gets Excel's quote prefix, in the worksheet's own write functions, so
no caller can forget it. core/tests/test_workbook.py fails if code opens a workbook any other way.
"""

import datetime
import io
import re
import unicodedata
from decimal import Decimal

import xlsxwriter
from xlsxwriter.utility import _preserve_whitespace, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Options no caller may turn on: user text must stay text.
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


#: Whether a text starting with this character looks like a formula (every start is one character,
#: so the first character decides; NFKC is worked out once per character, not once per cell).
_FORMULA_FIRST: dict[str, bool] = {}


def looks_like_formula(text: str) -> bool:
    first = text[:1]
    known = _FORMULA_FIRST.get(first)
    if known is None:
        known = first.startswith(FORMULA_STARTS) or unicodedata.normalize("NFKC", first).startswith(FORMULA_STARTS)
        if len(_FORMULA_FIRST) < 65536:
            _FORMULA_FIRST[first] = known
    return known


#: What xlsxwriter's control-character escape would change (a superset: "_x" starts its escapes).
_NEEDS_CONTROL_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x")
_NUMBERS = (CellNumberTuple, CellDatetimeTuple)


class SafeWorksheet(Worksheet):
    """A worksheet whose every string write (write, write_row, write_string, merge_range…) is guarded."""

    quoted = None  # set by SafeWorkbook: cell format -> the same format with a quote prefix

    def _write_string(self, row, col, string, cell_format=None):
        if looks_like_formula(string):
            cell_format = self.quoted(cell_format)
        return super()._write_string(row, col, string, cell_format)

    def _write_cell(self, row, col, cell):
        """xlsxwriter's ``<c>`` element, the same bytes, for the formatted strings, numbers, dates and
        blanks a streamed ledger is made of (a million of them for a province), without building and
        escaping an attribute list per cell. Anything else is xlsxwriter's own."""
        kind, cell_format = cell.__class__, cell.format
        if cell_format is None or not self.constant_memory:
            return super()._write_cell(row, col, cell)
        if kind is CellStringTuple:
            string = cell.string
            if _NEEDS_CONTROL_ESCAPE.search(string):
                string = self._escape_control_characters(string)
            if string.startswith("<r>") and string.endswith("</r>"):
                return super()._write_cell(row, col, cell)
            space = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}" t="inlineStr">'
                f"<is><t{space}>{self._escape_data(string)}</t></is></c>"
            )
        elif kind in _NUMBERS:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}">'
                f"<v>{cell.number:.16G}</v></c>"
            )
        elif kind is CellBlankTuple:
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}"/>')
        else:
            return super()._write_cell(row, col, cell)
        return None


class SafeWorkbook(xlsxwriter.Workbook):
    def __init__(self, target, options=None):
        self._properties, self._quoted = {}, {}
        super().__init__(target, {**(options or {}), **SAFE_OPTIONS})

    def add_format(self, properties=None):
        cell_format = super().add_format(properties)
        self._properties[id(cell_format)] = {k: v for k, v in (properties or {}).items() if k != "xf_index"}
        return cell_format

    def add_worksheet(self, name=None, worksheet_class=None):
        sheet = super().add_worksheet(name, worksheet_class=SafeWorksheet)
        sheet.quoted = self.quoted_format
        return sheet

    def quoted_format(self, cell_format):
        key = id(cell_format) if cell_format is not None else None
        if key not in self._quoted:
            properties = self._properties.get(key, {}) if key is not None else {}
            self._quoted[key] = self.add_format({**properties, "quote_prefix": True})
        return self._quoted[key]


def open_workbook(target, options=None) -> SafeWorkbook:
    """An xlsxwriter workbook (a path, a file or a buffer) with the formula guard inside."""
    return SafeWorkbook(target, options)


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
            sheet.write_string(row, col, str(value), self.text if col in self.text_columns else None)

    def finish(self) -> None:
        for col, width in enumerate(self.widths):
            fmt = self.text if col in self.text_columns else None
            self.sheet.set_column(col, col, width, fmt)


def new_workbook():
    buffer = io.BytesIO()
    workbook = open_workbook(buffer, {"in_memory": True})
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
