"""Small hostile spreadsheets built by the tests: each is a few KB and asks a naive reader for GBs."""

import io
import struct
import zipfile

import xlwt

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def workbook_rels(target: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="{target}"/></Relationships>'
    )


def xlsx_with_sheet(
    sheet_data: str, *, dimension: str | None = None, target="worksheets/sheet1.xml", doctype=""
) -> bytes:
    """A minimal .xlsx whose first sheet's <sheetData> is ``sheet_data``."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels(target))
        archive.writestr("xl/" + target.lstrip("/").removeprefix("xl/"), sheet)
    return buffer.getvalue()


def header_row() -> str:
    return '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'


def xlsx_far_cell(ref="XFD100000", **kwargs) -> bytes:
    """The outside test's file: a header and one number at ``ref`` (52 GB for calamine at XFD100000)."""
    return xlsx_with_sheet(header_row() + f'<row><c r="{ref}"><v>1</v></c></row>', **kwargs)


def xlsx_implicit_wide(columns=16384) -> bytes:
    """Cells without ``r``: each sits right of the previous one, so the width is their count."""
    cells = "<c><v>1</v></c>" * columns
    return xlsx_with_sheet(f'<row>{cells}</row><row r="5000"><c r="A5000"><v>1</v></c></row>')


def xls_far_cell(row=65535, col=255) -> bytes:
    """An .xls with a header and one number record moved to (row, col) — beyond xlwt's own limits."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, "姓名")
    sheet.write(1, 1, 0.123456789123)  # not representable as RK: written as a NUMBER record
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    record = struct.pack("<HHHH", 0x0203, 14, 1, 1)
    at = data.find(record)
    assert at > 0
    data[at + 4 : at + 8] = struct.pack("<HH", row, col)
    return bytes(data)


def csv_wide_header(commas=2_000_000) -> bytes:
    return ("姓名" + "," * commas + "\r\n张三\r\n").encode("utf-8")


def csv_long_line(chars=9 * 1024 * 1024) -> bytes:
    return ("姓名,身份证号码\r\n" + "x" * chars + "\r\n").encode("utf-8")
