"""How the monthly ledger looks on paper: formats, page set-up, titles, 合计 and signature lines.

The ledger is filed as printed, so the .xlsx carries its own print set-up (A4, 9 pt body text,
borders, repeated header row, page numbers) and the PDF is that same file rendered by
LibreOffice (``reports.pdf``): one source of truth.

Widths are in Excel's column units (the width of a digit of the workbook's default font,
Calibri 11). Excel counts a unit as 7 px (5.25 pt) plus 5 px of padding per column;
LibreOffice, which renders the PDF, as Carlito's real digit width (5.52 pt) plus 4.4 pt. Every
data sheet's columns add up to no more than the printable width of A4 landscape by the wider
of the two, so nothing is shrunk to fit: text that does not fit its column wraps, and the row
is made tall enough for its lines (xlsxwriter cannot measure text, so ``lines`` estimates them
from the characters and the narrower of the two widths).
"""

import datetime
import functools
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

# --- paper -----------------------------------------------------------------------------
A4 = 9  # Excel's paper code
A4_MM = (210.0, 297.0)
MARGIN_SIDE_IN = 0.2
MARGIN_TOP_IN = 0.4
MARGIN_BOTTOM_IN = 0.55
FOOTER_MARGIN_IN = 0.25
FOOTER = "&C第 &P 页 共 &N 页"
#: Rows after the data: 合计, a blank row to sign in, 填表人/审核人/负责人.
FOOTER_ROWS = 3

# --- type ------------------------------------------------------------------------------
FONT = "宋体"  # what Chinese forms are printed in; LibreOffice substitutes a CJK serif
BODY_PT = 9
TITLE_PT = 16
LINE_FACTOR = 1.45  # line height / font size of the CJK fonts (Noto CJK: 1.448; SimSun less)
CELL_PADDING_PT = 4
#: Points per column unit and padding per column: (Excel, LibreOffice).
PT_PER_UNIT = (5.25, 5.52)
PAD_PT = (3.75, 4.4)

# --- column kinds ----------------------------------------------------------------------
SERIAL, TEXT, SHORT, CODE, DATE, INT, MONEY, NUMBER = (
    "serial", "text", "short", "code", "date", "int", "money", "number",
)  # fmt: skip
#: Cell kinds for a row's own layout (汇总's two tables side by side): no cell, 合计 cells.
GAP, TOTAL, TOTAL_INT = "gap", "total", "total_int"
#: Kinds whose cells may wrap onto several lines (and make the row taller).
WRAPPING = (TEXT, SHORT)
#: ID and phone numbers (CODE) are never wrapped: their columns are wide enough for them.
#: Joins a cell's list (a pairing's mothers, their phones): one per line, so a phone number is
#: never broken across lines; the 、 stays, so the importer reads the list back.
LINES = "、\n"


@dataclass(frozen=True)
class Col:
    header: str
    width: float
    kind: str = TEXT
    total: bool = False  # summed on the 合计 row


def column_pt(width: float) -> float:
    """The widest a column of ``width`` units prints (LibreOffice's measure)."""
    return width * PT_PER_UNIT[1] + PAD_PT[1]


def room_pt(width: float) -> float:
    """The narrowest room for text in a column: Excel's (its padding is the cell's insets)."""
    return width * PT_PER_UNIT[0]


def columns_pt(columns) -> float:
    return sum(column_pt(c.width) for c in columns)


def printable_pt(*, portrait: bool = False) -> float:
    paper = A4_MM[0] if portrait else A4_MM[1]
    return paper * 72 / 25.4 - 2 * MARGIN_SIDE_IN * 72


# --- measuring text --------------------------------------------------------------------
def text_em(text: str) -> float:
    """The width of ``text`` in ems: CJK and full-width 1, digits 0.56 (Noto CJK's), others 0.6."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.56 if ch.isdigit() else 0.6 for ch in text)


@functools.lru_cache(maxsize=1 << 14)
def lines(value, width: float, pt: float = BODY_PT) -> int:
    """How many lines ``value`` takes in a wrapping column ``width`` units wide.

    Slightly pessimistic (LibreOffice and WPS keep punctuation off a line's start and break
    Latin text at spaces), so a row is never too short for its text. Cached: most cells of a
    ledger repeat (townships, villages, categories), and a province's ledger has 10⁶ of them.
    """
    if not isinstance(value, str) or not value:
        return 1
    room = max(room_pt(width) / pt, 1.0) * 0.95
    return sum(max(1, math.ceil(text_em(part) / room)) for part in value.split("\n"))


def line_pt(pt: float = BODY_PT) -> float:
    return pt * LINE_FACTOR


def row_height(values, widths, kinds, pt: float = BODY_PT) -> float:
    """The height in points a row needs for its tallest wrapped cell."""
    most = max(
        (
            lines(v, w, pt)
            for v, w, k in zip(values, widths, kinds, strict=False)
            if k in WRAPPING and v.__class__ is str
        ),
        default=1,
    )
    return round(most * line_pt(pt) + CELL_PADDING_PT, 1)


# --- names on the sheet ----------------------------------------------------------------
#: What each sheet is called in its title: 「<region>“爱心妈妈”<this>（<month>）」.
TITLES = {
    "汇总": "结对关爱工作汇总表",
    "基础台账": "结对关爱基础台账",
    "家庭监护台账": "结对关爱家庭监护台账",
    "结对帮扶关爱台账": "结对帮扶关爱台账",
    "活动台账": "结对关爱活动台账",
    "培训台账": "结对关爱培训台账",
}


def sheet_title(region_name: str, sheet_name: str, month_label: str) -> str:
    base, _, rest = sheet_name.partition("（")
    suffix = f"（{rest}" if rest else ""
    return f"{region_name}“爱心妈妈”{TITLES.get(base, base)}（{month_label}）{suffix}"


def person_name(user) -> str:
    """How an account signs a ledger: its name (family name first), else its username."""
    if user is None:
        return ""
    if isinstance(user, str):
        return user
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


def filed_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- formats ---------------------------------------------------------------------------
class Formats:
    """The workbook's formats, made once (xlsxwriter keeps one record per distinct format)."""

    def __init__(self, workbook):
        def fmt(**props):
            return workbook.add_format({"font_name": FONT, "font_size": BODY_PT, "valign": "vcenter", **props})

        cell = {"border": 1}
        self.title = fmt(bold=True, font_size=TITLE_PT, align="center")
        self.unit = fmt(font_size=10, align="left")
        self.date_line = fmt(font_size=10, align="right")
        self.signature = fmt(font_size=10, align="left")
        self.header = fmt(bold=True, bg_color="#F2F2F2", align="center", text_wrap=True, **cell)
        self.total_label = fmt(bold=True, align="center", **cell)
        self.by_kind = {
            SERIAL: fmt(align="center", **cell),
            TEXT: fmt(align="left", text_wrap=True, **cell),
            SHORT: fmt(align="center", text_wrap=True, **cell),
            CODE: fmt(align="center", num_format="@", **cell),
            DATE: fmt(align="center", num_format="yyyy-mm-dd", **cell),
            INT: fmt(align="center", num_format="0", **cell),
            MONEY: fmt(align="right", num_format="#,##0.00", **cell),
            NUMBER: fmt(align="center", **cell),
            TOTAL: fmt(bold=True, align="center", **cell),
            TOTAL_INT: fmt(bold=True, align="center", num_format="0", **cell),
        }
        self.total_by_kind = {
            INT: fmt(bold=True, align="center", num_format="0", **cell),
            MONEY: fmt(bold=True, align="right", num_format="#,##0.00", **cell),
            NUMBER: fmt(bold=True, align="center", **cell),
        }
        self.blank = fmt(**cell)


# --- the parts of a sheet --------------------------------------------------------------
def set_up_page(sheet, columns, *, portrait: bool, header_row: int) -> None:
    """A4, margins, page numbers, the header row on every page; one page for a portrait sheet."""
    sheet.set_paper(A4)
    if portrait:
        sheet.set_portrait()
        # 汇总 is one page: a county's table fits at 100 %, a wider scope's is scaled down.
        sheet.fit_to_pages(1, 1)
    else:
        sheet.set_landscape()
        # Columns add up to the page width (tests/test_ledger_print checks), so 100 %: the
        # body stays 9 pt instead of being shrunk to fit.
        sheet.set_print_scale(100)
    sheet.set_margins(left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=MARGIN_TOP_IN, bottom=MARGIN_BOTTOM_IN)
    sheet.set_footer(FOOTER, {"margin": FOOTER_MARGIN_IN})
    sheet.center_horizontally()
    sheet.repeat_rows(header_row)
    for i, column in enumerate(columns):
        sheet.set_column(i, i, column.width)


def write_heading(sheet, formats: Formats, columns, *, title: str, unit: str, filed_on: datetime.date) -> int:
    """Title, then 填报单位（盖章）and 填报日期, then the column headers; returns the next row."""
    last = max(len(columns) - 1, 1)
    sheet.set_row(0, TITLE_PT * 2)
    sheet.merge_range(0, 0, 0, last, title, formats.title)
    split = (last + 1) // 2
    sheet.set_row(1, 20)
    sheet.merge_range(1, 0, 1, split - 1, f"填报单位（盖章）：{unit}", formats.unit)
    sheet.merge_range(1, split, 1, last, f"填报日期：{filed_date(filed_on)}", formats.date_line)
    headers = [c.header for c in columns]
    sheet.set_row(2, row_height(headers, [c.width for c in columns], [SHORT] * len(columns)))
    for i, header in enumerate(headers):
        if header:
            sheet.write_string(2, i, header, formats.header)
    return 3


class RowPlan:
    """How one sheet writes its data rows, worked out once per sheet rather than once per cell.

    Each column's format, the wrapping columns and their widths, and a row height per line count
    are fixed by the sheet's columns; each cell is handed to the worksheet's own write function
    for its value's type (what ``Worksheet.write`` would pick), skipping its per-cell dispatch.
    The cells written are the same as ``write_data_row``'s.
    """

    def __init__(self, formats: Formats, columns):
        self.size = len(columns)
        self.cells = [(i, formats.by_kind[c.kind]) for i, c in enumerate(columns) if c.kind != GAP]
        self.wrapping = [(i, c.width) for i, c in enumerate(columns) if c.kind in WRAPPING]
        self.heights = {}

    def height(self, values) -> float:
        most = 1
        for i, width in self.wrapping:
            value = values[i]
            if value.__class__ is str:
                n = lines(value, width)
                if n > most:
                    most = n
        height = self.heights.get(most)
        if height is None:
            height = self.heights[most] = round(most * line_pt() + CELL_PADDING_PT, 1)
        return height

    def write(self, sheet, row: int, values: list) -> None:
        sheet.set_row(row, self.height(values))
        by_type = _writers(sheet)
        for i, cell_format in self.cells:
            value = values[i]
            write = by_type.get(value.__class__)
            if write is None:
                sheet._write(row, i, value, cell_format)
            else:
                write(row, i, value, cell_format)


def _writers(sheet) -> dict:
    """The worksheet's undecorated write function for each plain value type (``Worksheet._write``'s
    choice; "" is a blank cell, as there); other types go through ``_write`` itself."""
    writers = sheet.__dict__.get("_ledger_writers")
    if writers is None:
        blank, string = sheet._write_blank, sheet._write_string

        def text(row, col, value, cell_format):
            return string(row, col, value, cell_format) if value else blank(row, col, None, cell_format)

        number, when = sheet._write_number, sheet._write_datetime
        writers = sheet._ledger_writers = {
            str: text,
            type(None): blank,
            bool: sheet._write_boolean,
            int: number,
            float: number,
            Decimal: number,
            datetime.date: when,
            datetime.datetime: when,
        }
    return writers


def write_data_row(sheet, formats: Formats, row: int, values, columns, kinds=None) -> None:
    """One row, every cell bordered in its column's format (or ``kinds``), as tall as its text."""
    values = list(values)
    kinds = list(kinds or [c.kind for c in columns[: len(values)]])
    kinds += [TEXT] * (len(values) - len(kinds))
    widths = [c.width for c in columns] + [10] * (len(values) - len(columns))
    sheet.set_row(row, row_height(values, widths, kinds))
    for i, (value, kind) in enumerate(zip(values, kinds, strict=False)):
        if kind != GAP:
            sheet.write(row, i, value, formats.by_kind[kind])


def side_by_side(left: list[list], right: list[list], left_kinds: list[str], right_kinds: list[str]):
    """Rows of two tables next to each other, a gap column between: (values, kinds) per row."""
    width = len(left_kinds)
    for i in range(max(len(left), len(right))):
        values, kinds = ([*left[i]], [*left_kinds]) if i < len(left) else ([""] * width, [GAP] * width)
        values.append("")
        kinds.append(GAP)
        if i < len(right):
            values += right[i]
            kinds += right_kinds if right[i][0] != "合计" else [TOTAL, *(TOTAL_INT for _ in right_kinds[1:])]
        yield values, kinds


def write_total_row(sheet, formats: Formats, row: int, totals: dict[int, object], columns) -> None:
    """合计 in the first cell (or two), the column sums under their columns, every cell bordered."""
    sheet.set_row(row, line_pt() + CELL_PADDING_PT)
    label_end = 0 if 1 in totals else 1
    if label_end:
        sheet.merge_range(row, 0, row, label_end, "合计", formats.total_label)
    else:
        sheet.write_string(row, 0, "合计", formats.total_label)
    for i in range(label_end + 1, len(columns)):
        if i in totals:
            sheet.write_number(row, i, totals[i], formats.total_by_kind.get(columns[i].kind, formats.total_label))
        else:
            sheet.write_blank(row, i, None, formats.blank)


def write_signatures(sheet, formats: Formats, row: int, columns, *, preparer: str, reviewer: str) -> None:
    """填表人 / 审核人 / 负责人 across the page (thirds of its width), after a blank row."""
    texts = [f"填表人：{preparer}", f"审核人：{reviewer}", "负责人："]
    sheet.set_row(row + 1, 28)
    for (first, end), text in zip(thirds(columns), texts, strict=True):
        if end > first:
            sheet.merge_range(row + 1, first, row + 1, end, text, formats.signature)
        else:
            sheet.write_string(row + 1, first, text, formats.signature)


def thirds(columns) -> list[tuple[int, int]]:
    """Three runs of columns of about equal width (each at least one column)."""
    total = sum(c.width for c in columns)
    starts, edge = [0], 0.0
    for i, column in enumerate(columns):
        edge += column.width
        if len(starts) < 3 and edge >= total * len(starts) / 3 and i + 1 < len(columns):
            starts.append(i + 1)
    while len(starts) < 3:  # one very wide column: the last run is the last column
        starts.append(min(max(starts[-1] + 1, len(columns) - 1), len(columns) - 1))
    ends = [starts[1] - 1, starts[2] - 1, len(columns) - 1]
    return list(zip(starts, ends, strict=True))


@dataclass
class Heading:
    """What every sheet of one ledger says above and below its rows."""

    region_name: str = ""
    month_label: str = ""
    filed_on: datetime.date | None = None
    preparer: str = ""
    reviewer: str = ""

    @classmethod
    def of(cls, figures, *, preparer=None, reviewer=None, filed_on: datetime.date | None = None) -> "Heading":
        """The heading of ``figures``' ledger, filed today unless ``filed_on`` says otherwise."""
        return cls(
            region_name=figures.region_name,
            month_label=figures.month_label,
            filed_on=filed_on or timezone.localdate(),
            preparer=person_name(preparer),
            reviewer=person_name(reviewer),
        )

    def start(self, sheet, formats: Formats, name: str, writer) -> int:
        """Set up a new sheet (or continuation) and write its heading; returns the first data row."""
        header_row = 2
        set_up_page(sheet, writer.columns, portrait=writer.portrait, header_row=header_row)
        title = sheet_title(self.region_name, name, self.month_label)
        first = write_heading(
            sheet,
            formats,
            writer.columns,
            title=title,
            unit=self.region_name,
            filed_on=self.filed_on or timezone.localdate(),
        )
        sheet.freeze_panes(first, 0)
        return first

    def end(self, sheet, formats: Formats, row: int, writer) -> None:
        if writer.totals:
            write_total_row(sheet, formats, row, writer.totals, writer.columns)
            row += 1
        write_signatures(sheet, formats, row, writer.columns, preparer=self.preparer, reviewer=self.reviewer)
