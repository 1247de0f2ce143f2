"""The monthly ledger as it is filed: print set-up read back from the file, and the PDF.

The measures here are the tests' own (fonts' real widths and line heights), not the
constants of ``reports.ledger_print``, so a wrong constant there fails a test here.
"""

import datetime
import io
import math
import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl.cell.cell import MergedCell

from activities.tests.factories import VisitFactory
from reports import pdf
from reports.ledger import write_ledger

D = datetime.date
JAN = D(2025, 1, 1)
FILED = D(2025, 2, 3)
SHEETS = ["汇总", "基础台账", "家庭监护台账", "结对帮扶关爱台账", "活动台账", "培训台账"]
HEADER_ROW = 3  # title, 填报单位/填报日期, then the column headers
BODY_PT = 9
#: Noto CJK's line height is 1.448 em; SimSun's is less. A row must hold its lines at this.
LINE_PT = BODY_PT * 1.4
#: The widest digit of the fonts the ledger prints in (Noto Sans CJK: 0.555 em).
DIGIT_EM = 0.555
#: Printable width of A4 landscape / portrait with the ledger's 0.2 in side margins, in points.
PRINTABLE = {"landscape": 841.9 - 28.8, "portrait": 595.3 - 28.8}


def widths(sheet) -> dict[str, float]:
    """Each column's width as given to xlsxwriter (the file stores it plus 5 px of padding)."""
    out = {}
    for dimension in sheet.column_dimensions.values():
        for index in range(dimension.min, dimension.max + 1):
            out[openpyxl.utils.get_column_letter(index)] = dimension.width - 5 / 7
    return out


def excel_room_pt(width: float) -> float:
    """The text room of a column as Excel draws it: 7 px a unit (the padding is the insets)."""
    return width * 5.25


def libreoffice_pt(width: float) -> float:
    """A column's width as LibreOffice prints it (measured: 5.51 pt a unit plus 4.37 pt)."""
    return width * 5.52 + 4.4


def build(**kwargs) -> bytes:
    out = io.BytesIO()
    write_ledger(out, month=JAN, today=FILED, **kwargs)
    return out.getvalue()


@pytest.fixture
def two_visits(casebook):
    """甲童 visited twice in January: two lines in one cell on the pairing sheet."""
    VisitFactory(child=casebook["a"]["child"], visited_on=D(2025, 1, 22), goods_value=Decimal("80.50"))
    return casebook


@pytest.fixture
def book(two_visits, users):
    admin = users["admin"]
    admin.last_name, admin.first_name = "王", "秀英"
    admin.save()
    return openpyxl.load_workbook(io.BytesIO(build(user=admin, mask_for=admin)))


def body_rows(sheet):
    """The rows between the header row and the 合计 / signature rows."""
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
        first = row[0].value
        if first is None or str(first).startswith(("合计", "填表人")):
            return
        yield row


def last_body_row(sheet) -> int:
    rows = list(body_rows(sheet))
    return rows[-1][0].row if rows else HEADER_ROW


def test_each_sheet_is_titled_for_itself_with_the_month(book):
    titles = [sheet["A1"].value for sheet in book.worksheets]
    assert book.sheetnames == SHEETS
    assert len(set(titles)) == len(titles)
    for name, title in zip(SHEETS, titles, strict=True):
        assert title.startswith("方山县“爱心妈妈”") and name in title and title.endswith("（2025年1月）")
    assert titles[1] == "方山县“爱心妈妈”结对关爱基础台账（2025年1月）"


def test_unit_and_filing_date_under_the_title_and_signatures_at_the_end(book):
    for sheet in book.worksheets:
        line = [c.value for c in sheet[2] if c.value]
        assert line == ["填报单位（盖章）：方山县", "填报日期：2025年2月3日"]
        signatures = [c.value for c in sheet[sheet.max_row] if c.value]
        assert signatures == ["填表人：王秀英", "审核人：", "负责人："]


def test_the_reviewer_is_named_when_given_and_the_username_stands_in_for_a_missing_name(casebook, users):
    viewer = users["viewer"]
    viewer.first_name = viewer.last_name = ""
    viewer.save()
    book = openpyxl.load_workbook(io.BytesIO(build(user=viewer, mask_for=viewer, reviewer=users["admin"])))
    sheet = book["基础台账"]
    admin = users["admin"]
    expected = f"{admin.last_name}{admin.first_name}" or admin.username
    assert [c.value for c in sheet[sheet.max_row] if c.value] == ["填表人：viewer", f"审核人：{expected}", "负责人："]


def test_page_setup_a4_orientation_repeated_header_footer_and_no_shrinking(book):
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert str(setup.paperSize) == "9"
        assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        footer = sheet.oddFooter.center.text
        assert "&P" in footer and "&N" in footer and footer.startswith("第")
        if sheet.title == "汇总":
            assert setup.orientation == "portrait"
            assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1)
            assert setup.fitToHeight in (None, 1)
        else:
            assert setup.orientation == "landscape"
            assert not (sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage)
            assert setup.scale in (None, 100)


def test_the_columns_fit_the_page_width_at_full_size(book):
    """At 100 % (no fit-to-width), the columns must fit the paper by LibreOffice's wider measure."""
    for sheet in book.worksheets:
        orientation = sheet.page_setup.orientation
        used = [openpyxl.utils.get_column_letter(i) for i in range(1, sheet.max_column + 1)]
        assert sum(libreoffice_pt(widths(sheet)[letter]) for letter in used) <= PRINTABLE[orientation], sheet.title


def test_every_data_cell_has_a_border_and_text_of_at_least_nine_points(book):
    for sheet in book.worksheets:
        end = last_body_row(sheet) + (0 if sheet.title in ("汇总", "基础台账", "家庭监护台账") else 1)  # with 合计
        for row in sheet.iter_rows(min_row=HEADER_ROW, max_row=end):
            for cell in row:
                if isinstance(cell, MergedCell):
                    continue  # the cells that 合计 spans; the merged range is its first cell's
                if sheet.title == "汇总" and (cell.column_letter == "C" or cell.value is None):
                    continue  # the gap between 汇总's two tables, and below the shorter one
                assert cell.font.sz >= BODY_PT, (sheet.title, cell.coordinate)
                sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
                assert all(side.style for side in sides), (sheet.title, cell.coordinate)


def lines_needed(text: str, width: float) -> int:
    room_em = excel_room_pt(width) / BODY_PT
    em = lambda part: sum(1 if ord(ch) > 0x2E7F else 0.5 for ch in part)  # noqa: E731
    return sum(max(1, math.ceil(em(part) / room_em)) for part in text.split("\n"))


def test_multi_line_cells_wrap_and_their_rows_are_tall_enough(book):
    sheet = book["结对帮扶关爱台账"]
    row = next(r for r in body_rows(sheet) if r[1].value == "甲童")
    visits = row[11]
    assert visits.value.count("\n") == 1 and visits.alignment.wrap_text
    checked = 0
    for name in SHEETS[1:]:
        sheet = book[name]
        for cells in body_rows(sheet):
            height = sheet.row_dimensions[cells[0].row].height
            for cell in cells:
                if isinstance(cell.value, str) and cell.alignment.wrap_text:
                    width = widths(sheet)[cell.column_letter]
                    assert height >= lines_needed(cell.value, width) * LINE_PT, (name, cell.coordinate)
                    checked += 1
    assert checked > 50


def test_id_and_phone_numbers_fit_their_columns_unwrapped(book):
    for name, columns in [
        ("基础台账", ("身份证号", "监护人电话")),
        ("家庭监护台账", ("监护人电话",)),
        ("结对帮扶关爱台账", ("儿童身份证号",)),
    ]:
        sheet = book[name]
        headers = {c.value: c.column_letter for c in sheet[HEADER_ROW]}
        for header in columns:
            letter = headers[header]
            room = excel_room_pt(widths(sheet)[letter])
            digits = 18 if "身份证" in header else 11
            assert room >= digits * DIGIT_EM * BODY_PT, header
            for cells in body_rows(sheet):
                cell = next(c for c in cells if c.column_letter == letter)
                assert not cell.alignment.wrap_text and cell.number_format == "@"
    # Several mothers' phones: one to a line, so no number is broken across two lines.
    pairing = book["结对帮扶关爱台账"]
    yellow = next(r for r in body_rows(pairing) if r[1].value == "黄童")
    assert all(len(p) == 11 for p in yellow[8].value.split("、\n"))


def total_row(sheet):
    return next(r for r in sheet.iter_rows(min_row=HEADER_ROW + 1) if r[0].value == "合计")


def column_sum(sheet, index):
    return sum(r[index].value or 0 for r in body_rows(sheet))


@pytest.mark.parametrize(
    ("name", "columns"),
    [("结对帮扶关爱台账", (10, 12)), ("活动台账", (6, 7, 8, 9)), ("培训台账", (7,))],
)
def test_the_totals_are_the_sums_of_the_rows(book, name, columns):
    sheet = book[name]
    total = total_row(sheet)
    assert total[0].value == "合计"
    for index in columns:
        assert total[index].value == pytest.approx(float(column_sum(sheet, index))), (name, index)
    assert any(total[index].value for index in columns)


def test_the_pairing_totals_count_the_months_visits_and_goods(book):
    total = total_row(book["结对帮扶关爱台账"])
    # A and B visited 2025-01-10 (0 yuan), 甲童 again (80.50), the leaving child (50).
    assert total[10].value == 4 and total[12].value == pytest.approx(130.5)


def test_the_summary_township_table_has_its_total(book):
    sheet = book["汇总"]
    towns = [r for r in sheet.iter_rows(min_row=HEADER_ROW + 1) if r[3].value]
    total = towns[-1]
    assert total[3].value == "合计" and len(towns) == 4  # A, B, C and 合计
    for index in (4, 6, 7):
        assert total[index].value == sum(r[index].value for r in towns[:-1])


def test_a_long_sheet_continues_with_its_own_title_and_ends_with_its_signatures(casebook, users):
    book = openpyxl.load_workbook(io.BytesIO(build(user=users["admin"], max_rows=10)))
    first, second = book["基础台账"], book["基础台账（续1）"]
    assert second["A1"].value == "方山县“爱心妈妈”结对关爱基础台账（2025年1月）（续1）"
    assert second.max_row <= 10 and first.max_row <= 10
    assert [c.value for c in second[second.max_row] if c.value][0].startswith("填表人")


# --- PDF -------------------------------------------------------------------------------
def need_soffice():
    if pdf.soffice() and shutil.which("pdftotext"):
        return
    reason = "LibreOffice (soffice) or poppler-utils (pdftotext) missing: apt-get install libreoffice-calc-nogui"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, the PDF tests cannot be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


def pdf_pages(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")[:-1]


def words(path):
    """Every word on every page: (page, xMin, yMin, xMax, yMax, text)."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page, body in enumerate(html.split("<page ")[1:], start=1):
        for match in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', body):
            x0, y0, x1, y1 = map(float, match.groups()[:4])
            out.append((page, x0, y0, x1, y1, match.group(5)))
    return out


def overlaps(page_words):
    """Pairs of words whose boxes overlap by more than a sliver: text printed over text."""
    found = []
    boxes = sorted(page_words, key=lambda w: w[2])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if b[2] >= a[4] - 1:
                break
            if min(a[3], b[3]) - max(a[1], b[1]) > 1 and min(a[4], b[4]) - max(a[2], b[2]) > 1:
                found.append((a[5], b[5]))
    return found


@pytest.fixture
def ledger_pdf(book, two_visits, users, tmp_path):
    need_soffice()
    target = tmp_path / "ledger.pdf"
    call_command("export_ledger", "--month", "2025-01", "--user", users["admin"].username, "-o", str(target))
    return target


def test_the_pdf_prints_every_sheet_at_full_size_without_overlapping_text(ledger_pdf):
    pages = pdf_pages(ledger_pdf)
    # One page each: 汇总 (portrait), then the five landscape sheets of this small county.
    assert len(pages) == 6
    for page, name in zip(pages, SHEETS, strict=True):
        assert "方山县“爱心妈妈”" in page and name in page and "（2025年1月）" in page
        assert "填报单位（盖章）：方山县" in page and "填表人：" in page and "负责人：" in page
        assert re.search(r"第 ?\d+ ?页 ?共 ?6 ?页", page)
    # Every column on the page (nothing pushed onto a second page across).
    assert "备注" in pages[1] and "身份证号" in pages[1] and "享受救助" in pages[2]
    assert "物资折价" in pages[3] and "未完成帮扶需求" in pages[3]
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "6", str(ledger_pdf)], capture_output=True, text=True).stdout
    sizes = re.findall(r"size:\s+([\d.]+) x ([\d.]+)", info)
    assert float(sizes[0][0]) < float(sizes[0][1]) and all(float(w) > float(h) for w, h in sizes[1:])
    all_words = words(ledger_pdf)
    for page in range(1, 7):
        on_page = [w for w in all_words if w[0] == page]
        assert not overlaps(on_page), page
        # 9 pt text in Noto CJK has boxes about 11.7 pt tall; shrunk to 90 % it would be 10.5.
        assert min(w[4] - w[2] for w in on_page) >= 11.3, page


def test_the_dashboard_offers_the_pdf_of_the_month_picked(casebook, users, client):
    from reports.tests.test_month_picker import FormReader

    client.force_login(users["admin"])
    reader = FormReader()
    reader.feed(client.get(reverse("admin:index"), {"month": "2025-03"}).content.decode())
    # A button of the month form (it sends the month picked), not a link carrying the month shown.
    assert reader.buttons["月度台账（PDF）"] == reverse("reports:ledger_pdf")
    assert not [link for link in reader.links if link.startswith(reverse("reports:ledger_pdf"))]


def test_the_pdf_download(casebook, users, client):
    need_soffice()
    client.force_login(users["admin"])
    response = client.get(reverse("reports:ledger_pdf"), {"month": "2025-01"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment") and ".pdf" in response["Content-Disposition"]


def test_without_libreoffice_the_page_says_so_instead_of_failing(casebook, users, client, monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    client.force_login(users["admin"])
    response = client.get(reverse("reports:ledger_pdf"), {"month": "2025-01"})
    assert response.status_code == 302 and response["Location"].endswith("?month=2025-01")
    shown = [str(m) for m in messages.get_messages(response.wsgi_request)]
    assert shown == ["本服务器未安装 PDF 导出组件（缺少 LibreOffice），请改为下载 .xlsx 台账。"]


def test_a_conversion_that_hangs_is_stopped_with_a_message(tmp_path, monkeypatch):
    def hang(*args, timeout, **kwargs):
        raise subprocess.TimeoutExpired(args[0], timeout)

    monkeypatch.setattr(pdf, "soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(pdf.subprocess, "run", hang)
    source = tmp_path / "a.xlsx"
    source.write_bytes(b"x")
    with pytest.raises(pdf.PdfUnavailable, match="180 秒"):
        pdf.xlsx_to_pdf(source)


def test_the_command_picks_the_format_from_the_suffix(casebook, tmp_path, monkeypatch):
    with pytest.raises(CommandError, match=r"\.xlsx 或 \.pdf"):
        call_command("export_ledger", "--month", "2025-01", "-o", str(tmp_path / "ledger.csv"))
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="缺少 LibreOffice"):
        call_command("export_ledger", "--month", "2025-01", "-o", str(tmp_path / "ledger.PDF"))
    assert not (tmp_path / "ledger.PDF").exists()
    call_command("export_ledger", "--month", "2025-01", "-o", str(tmp_path / "ledger.xlsx"))
    assert zipfile.is_zipfile(tmp_path / "ledger.xlsx")
