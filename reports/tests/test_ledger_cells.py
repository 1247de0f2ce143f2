"""The ledger's data rows as cells: the same values and formats whichever way a row is written.

``RowPlan`` (formats and wrapping worked out once per sheet) and the worksheet's fast ``<c>``
writer (core.ledger.workbook) are speed-ups only: a row written through them must give the
bytes ``write_data_row`` and xlsxwriter's own cell writer give, and a real ledger's key cells
keep their values, number formats, borders and wrapping.
"""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter

from core.ledger.workbook import open_workbook
from reports import ledger_print
from reports.ledger import CHILD_COLUMNS, PAIRING_COLUMNS, write_ledger

D = datetime.date

#: One row for each column kind, with the awkward values: blanks, None, XML and control
#: characters, xlsxwriter's own _xHHHH_ escape, leading spaces, a formula-looking text, a long
#: wrapping text, Decimals, a bool.
PAIRING_ROW = [
    7, "甲童" * 30, "1401021990010112 34", " 乡镇 ", "", None, "一对一", "王秀英、\n李丽", "<13800>&\"1\"",
    D(2025, 1, 3), 2, "1月10日 入户走访，发现" + "情况" * 40 + "\n1月22日 电话", Decimal("80.50"), "=1+1\x01_x0041_",
]  # fmt: skip
CHILD_ROW = [
    1, "乙童", True, "140102199001011234", D(2012, 5, 1), "留守儿童", "", "红", "城关镇", "一村", "x" * 90,
    "学校", "三年级", "张三", "祖父母", "13800000000", None, datetime.datetime(2025, 1, 9, 8, 30), 1.5,
]  # fmt: skip


def sheet_xml(write, *, safe=True) -> bytes:
    """The worksheet XML of a streamed workbook whose one sheet ``write(sheet, formats)`` fills."""
    out = io.BytesIO()
    options = {"constant_memory": True, "in_memory": False}
    book = open_workbook(out, options) if safe else xlsxwriter.Workbook(out, options)
    formats = ledger_print.Formats(book)
    sheet = book.add_worksheet("s")
    write(sheet, formats)
    book.close()
    with zipfile.ZipFile(out) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize(("columns", "row"), [(PAIRING_COLUMNS, PAIRING_ROW), (CHILD_COLUMNS, CHILD_ROW)])
def test_a_planned_row_writes_the_cells_write_data_row_writes(columns, row):
    def planned(sheet, formats):
        plan = ledger_print.RowPlan(formats, columns)
        for r in range(3, 6):
            plan.write(sheet, r, row)

    def generic(sheet, formats):
        for r in range(3, 6):
            ledger_print.write_data_row(sheet, formats, r, row, columns)

    assert sheet_xml(planned) == sheet_xml(generic)


def test_the_fast_cell_writer_writes_xlsxwriters_own_bytes():
    """Strings (spaces kept, XML and control characters escaped), numbers, dates, blanks, with and
    without a format, compared with plain xlsxwriter (no formula guard: no text here needs it)."""
    values = [" a ", "<b>&\"c\"", "d\x02_x0041_e", "\ufffe", "中文\n两行", 3, 2.5, Decimal("0.10"), 10**17,
              D(2025, 1, 3), datetime.datetime(2025, 1, 3, 4, 5), None, "", True]  # fmt: skip

    def write(sheet, formats):
        for r, cell_format in enumerate([formats.by_kind[ledger_print.TEXT], formats.by_kind[ledger_print.DATE], None]):
            sheet.set_row(r, 20)
            for c, value in enumerate(values):
                sheet.write(r, c, value, cell_format)
        sheet.write_rich_string(4, 0, "x", formats.header, "y", formats.by_kind[ledger_print.TEXT])

    assert sheet_xml(write) == sheet_xml(write, safe=False)


def cell(sheet, row: int, header: str):
    headers = [c.value for c in sheet[3]]
    return sheet.cell(row=row, column=headers.index(header) + 1)


def test_a_ledgers_key_cells_keep_their_values_and_formats(casebook, users):
    out = io.BytesIO()
    write_ledger(out, month=D(2025, 1, 1), today=D(2025, 2, 3), user=users["admin"])
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    children, pairings = book["基础台账"], book["结对帮扶关爱台账"]
    first = 4
    assert cell(children, first, "序号").value == 1
    number = cell(children, first, "身份证号")
    assert isinstance(number.value, str) and len(number.value) == 18
    assert number.number_format == "@" and number.alignment.horizontal == "center"
    born = cell(children, first, "出生日期")
    assert isinstance(born.value, datetime.datetime) and born.number_format == "yyyy-mm-dd"
    address = cell(children, first, "家庭住址")
    assert address.alignment.wrap_text and address.alignment.horizontal == "left"
    assert address.border.left.style == "thin" and address.font.name == "宋体" and address.font.sz == 9
    notes = cell(children, first, "备注")  # blank, still bordered
    assert notes.value is None and notes.border.bottom.style == "thin"
    assert children.row_dimensions[first].height >= 9 * 1.45 + 4
    goods = cell(pairings, first, "物资折价（元）")
    assert goods.number_format == "#,##0.00" and goods.alignment.horizontal == "right"
    visits = cell(pairings, first, "本月走访次数")
    assert visits.value == 1 and visits.number_format == "0"
    assert cell(pairings, first, "结对时间").number_format == "yyyy-mm-dd"
