"""The one reader of uploaded spreadsheets, with every guard inside.

An upload may be anything: a photo renamed .xlsx, a password-protected workbook, a zip
that expands to gigabytes, a 1.7 KB workbook whose only cell sits at XFD100000. python-calamine
builds a dense grid of every cell between A1 and the last one (for .xls while opening the file),
so the size of that grid is bounded from the file's own cell records — scanned without building
anything — before calamine sees the file. Each bad file is refused with one clear message and
nothing written. Ledger imports, region files and background jobs all read through ``read_grid``.
"""

import csv
import io
import operator
import posixpath
import re
import string
import struct
import zipfile
from xml.parsers import expat

import olefile
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineWorkbook

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
#: Title rows above the header and signature rows below the table, beyond LEDGER_MAX_ROWS.
ROW_SLACK = 20
#: Longest CSV line: a line of N characters can hold N fields, so this bounds a row before the
#: csv module builds it. 200 columns of 1,000 characters each is far beyond any real ledger.
MAX_CSV_LINE_CHARS = 256 * 1024
SCAN_CHUNK = 1024 * 1024


class LedgerFileError(Exception):
    """A file that cannot be imported at all; the message is for the person who sent it."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_upload_bytes() -> int:
    """The one upload limit: the admin import, the job upload form and this reader use it."""
    return _limit("LEDGER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)


def max_rows() -> int:
    return _limit("LEDGER_MAX_ROWS", 100_000)


def max_columns() -> int:
    return _limit("LEDGER_MAX_COLUMNS", 200)


def max_cells() -> int:
    return _limit("LEDGER_MAX_CELLS", 5_000_000)


def too_large_message(size: int) -> str:
    return _("The file is %(size).1f MB, more than the %(limit).0f MB allowed.") % {
        "size": size / 1024 / 1024,
        "limit": max_upload_bytes() / 1024 / 1024,
    }


def _damaged() -> LedgerFileError:
    return LedgerFileError(_("The file is damaged or not a spreadsheet and cannot be opened."))


def _too_many_rows(count: int) -> str:
    return _("The file has %(count)d rows, more than the %(limit)d allowed; split it into smaller files.") % {
        "count": count,
        "limit": max_rows(),
    }


class GridBounds:
    """The grid a reader would build (A1 to the furthest cell), checked as each cell is seen."""

    def __init__(self, *, spent: int = 0):
        # ``spent``: cells already taken by other sheets that the reader builds at the same time.
        self.rows_limit, self.columns_limit = max_rows() + ROW_SLACK, max_columns()
        self.cells_limit = max_cells() - spent
        self.rows = self.columns = 0

    def cell(self, row: int, col: int) -> None:
        """Record a cell at 0-based (row, col); raises LedgerFileError once a bound is passed."""
        if col >= self.columns:
            self.columns = col + 1
            if self.columns > self.columns_limit:
                raise LedgerFileError(
                    _(
                        "The file has %(count)d columns, more than the %(limit)d allowed; "
                        "delete the columns right of the table or split the file."
                    )
                    % {"count": self.columns, "limit": self.columns_limit}
                )
        if row >= self.rows:
            self.rows = row + 1
            if self.rows > self.rows_limit:
                raise LedgerFileError(_too_many_rows(self.rows))
        if self.rows * self.columns > self.cells_limit:
            raise LedgerFileError(
                _(
                    "The table is %(rows)d rows by %(columns)d columns, more than the %(limit)d cells "
                    "allowed; split it into smaller files."
                )
                % {"rows": self.rows, "columns": self.columns, "limit": max_cells()}
            )


# --- .xlsx ------------------------------------------------------------------------------------

CELL_REF = re.compile(r"([A-Za-z]{1,10})([0-9]{1,10})")


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


def _xml_parser(start=None):
    """expat calling ``start(local_name, attrs)`` if given; a DTD (and so any entity) is refused."""
    parser = expat.ParserCreate()
    if start is not None:
        parser.StartElementHandler = lambda name, attrs: start(name.rpartition(":")[2], attrs)

    def refuse_doctype(*args):
        raise _damaged()

    parser.StartDoctypeDeclHandler = refuse_doctype
    return parser


def _parse_xml(stream, start) -> None:
    parser = _xml_parser(start)
    try:
        while chunk := stream.read(SCAN_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise _damaged() from None


def _attr(attrs: dict, local: str) -> str | None:
    for key, value in attrs.items():
        if key.rpartition(":")[2] == local:
            return value
    return None


def _sheet_parts(archive: zipfile.ZipFile) -> set[str]:
    """Every member calamine could read as a worksheet: each .xml part, xl/worksheets/* and each
    sheet's target, whatever its name.

    Targets are resolved every way a reader might (relative to xl/, absolute, case-insensitive)
    so that a file cannot point calamine at a part this scan skipped.
    """
    by_lower = {name.lower(): name for name in archive.namelist() if not name.endswith("/")}
    parts = {name for lower, name in by_lower.items() if lower.startswith("xl/worksheets/") or lower.endswith(".xml")}
    sheet_ids: set[str] = set()
    targets: dict[str, str] = {}

    def on_workbook(name, attrs):
        if name == "sheet" and (rid := _attr(attrs, "id")):
            sheet_ids.add(rid)

    def on_rels(name, attrs):
        if name == "Relationship" and attrs.get("TargetMode") != "External":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    for part, handler in (("xl/workbook.xml", on_workbook), ("xl/_rels/workbook.xml.rels", on_rels)):
        if part in by_lower:
            with archive.open(by_lower[part]) as stream:
                _parse_xml(stream, handler)
    for rid in sheet_ids:
        target = targets.get(rid, "").replace("\\", "/")
        for candidate in (target, "xl/" + target, posixpath.normpath("xl/" + target)):
            name = by_lower.get(candidate.lstrip("/").lower())
            if name:
                parts.add(name)
    return parts


#: Where a cell element starts, with any namespace prefix (quick-xml, in calamine, matches the local name).
CELL_START = re.compile(rb"<(?:[^\s<>/:=\"']+:)?c[\s/>]")
#: A cell as Excel, WPS, LibreOffice, openpyxl and xlsxwriter write it: ``r`` first, in capitals.
CANONICAL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
CANONICAL_WIDE_COLUMN = {width: re.compile(rb'<c r="([A-Z]{%d})[0-9]' % width) for width in (3, 2)}
# Right-aligned, a larger row number sorts after a smaller one (" 99" < "100"), so max() finds
# the furthest row in C, without a Python loop over millions of cells.
_RIGHT_ALIGNED = operator.methodcaller("rjust", 7)


def _scan_sheet(archive: zipfile.ZipFile, part: str) -> None:
    """Bound the grid of one worksheet part from its cell references, without building it.

    Every cell counts, even a styled empty one: an upper bound is all the guard needs. Most
    files write each cell as ``<c r="B7"``, which regular expressions read a megabyte at a time;
    a file with any other spelling is read again element by element. expat checks the part is
    well-formed XML (so ``<`` starts every tag and each attribute occurs once) and has no DTD.
    """
    bounds = GridBounds()
    parser = _xml_parser()
    carry = b""
    with archive.open(part) as stream:
        try:
            while chunk := stream.read(SCAN_CHUNK):
                parser.Parse(chunk, False)
                buffer = carry + chunk
                cut = buffer.rfind(b"<")  # tags before the last "<" are whole
                whole, carry = (buffer[:cut], buffer[cut:]) if cut > 0 else (b"", buffer)
                if len(carry) > SCAN_CHUNK:
                    raise _damaged()
                if not _bound_canonical(whole, bounds):
                    return _scan_sheet_slowly(archive, part)
            parser.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError):
            raise _damaged() from None
    if not _bound_canonical(carry, bounds):
        _scan_sheet_slowly(archive, part)


def _bound_canonical(data: bytes, bounds: "GridBounds") -> bool:
    """Record the furthest cell of ``data``; False if some cell is not written the usual way."""
    rows = CANONICAL_ROW.findall(data)
    starts = data.count(b"<c ")
    if data.count(b"<c") != starts or b":c" in data:  # <col>, <c/>, a prefix…: count them exactly
        starts = len(CELL_START.findall(data))
    if len(rows) != starts:
        return False
    if rows:
        bounds.cell(int(max(map(_RIGHT_ALIGNED, rows))) - 1, _furthest_column(data))
    return True


def _furthest_column(data: bytes) -> int:
    for pattern in CANONICAL_WIDE_COLUMN.values():  # longest names first
        if pattern.search(data) and (letters := pattern.findall(data)):
            return _column_index(max(letters).decode())
    for letter in reversed(string.ascii_uppercase):  # most ledgers stay within A to Z
        if b'<c r="%s' % letter.encode() in data:
            return _column_index(letter)
    return 0


def _scan_sheet_slowly(archive: zipfile.ZipFile, part: str) -> None:
    """The same bound, element by element: a cell without ``r`` sits right of the previous one
    and a row without ``r`` follows the previous row, the way calamine places them."""
    bounds = GridBounds()
    state = {"in_data": False, "row": -1, "col": -1}

    def start(name, attrs):
        if name == "sheetData":
            state["in_data"] = True
        elif not state["in_data"]:
            return
        elif name == "row":
            number = attrs.get("r")
            state["row"] = int(number) - 1 if number and number.isdigit() else state["row"] + 1
            state["col"] = -1
        elif name == "c":
            ref = _attr(attrs, "r")
            if ref is None:
                state["col"] += 1
                row = state["row"]
            else:
                match = CELL_REF.fullmatch(ref)
                if not match:
                    raise _damaged()
                state["col"] = _column_index(match.group(1))
                row = int(match.group(2)) - 1
            bounds.cell(row, state["col"])

    with archive.open(part) as stream:
        _parse_xml(stream, start)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def check_xlsx(data: bytes) -> None:
    """Refuse an .xlsx whose first sheets would build too large a grid; then calamine may read it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [name.lower() for name in archive.namelist()]
            if len(set(names)) != len(names):
                raise _damaged()  # two members of one name: readers disagree on which is read
            if "content.xml" in names or "xl/workbook.bin" in names:
                raise LedgerFileError(
                    _("The file is an OpenDocument or binary Excel workbook; save it as .xlsx and upload it again.")
                )
            if "xl/workbook.xml" not in names:
                raise _damaged()
            for part in sorted(_sheet_parts(archive)):
                _scan_sheet(archive, part)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError):  # damaged, encrypted member, odd method
        raise _damaged() from None


# --- .xls -------------------------------------------------------------------------------------

BIFF_BOF = {0x0009, 0x0209, 0x0409, 0x0809}
BIFF_EOF = 0x000A
BIFF_BOUNDSHEET = 0x0085
BIFF_MULTIPLE = {0x00BD, 0x00BE}  # MULRK, MULBLANK: one row, a run of columns
#: Records that place a cell (BIFF2 to BIFF8): each begins with its row and column.
BIFF_CELLS = {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0201, 0x0203, 0x0204, 0x0205}
BIFF_CELLS |= {0x0206, 0x0406, 0x027E, 0x00D6, 0x00FD} | BIFF_MULTIPLE


def _biff_records(stream: bytes, offset: int):
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        body = offset + 4
        if body + length > len(stream):
            return  # a truncated record: calamine refuses the file, and there is nothing to bound
        yield kind, body, length
        if kind == BIFF_EOF:
            return
        offset = body + length


def _scan_biff_sheet(stream: bytes, offset: int, *, spent: int) -> tuple[int, int]:
    """Bound one substream from ``offset``; returns where it ends and the cells its grid takes."""
    bounds = GridBounds(spent=spent)
    end = len(stream)
    for kind, body, length in _biff_records(stream, offset):
        end = body + length
        if kind in BIFF_CELLS and length >= 4:
            row, col = struct.unpack_from("<HH", stream, body)
            bounds.cell(row, col)
            if kind in BIFF_MULTIPLE and length >= 6:
                (last,) = struct.unpack_from("<H", stream, body + length - 2)
                width = 6 if kind == 0x00BD else 2
                bounds.cell(row, max(last, col + (length - 6) // width - 1))
    return end, bounds.rows * bounds.columns


def check_xls(data: bytes) -> None:
    """Refuse an .xls whose sheets would build too large grids: calamine builds every sheet on open,
    so the cells of all sheets together are bounded.

    The stream is walked end to end, and each sheet also from where the workbook's sheet list
    says it starts (as calamine reads it), so no sheet can hide inside another record.
    """
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        streams = [ole.openstream(name).read() for name in ("Workbook", "Book") if ole.exists(name)]
    except Exception:  # olefile raises several unrelated types for damaged containers
        raise _damaged() from None
    for stream in streams:
        listed = {
            struct.unpack_from("<I", stream, body)[0]
            for kind, body, length in _biff_records(stream, 0)
            if kind == BIFF_BOUNDSHEET and length >= 4
        }
        offset, spent, walked = 0, 0, set()
        while offset + 4 <= len(stream):
            walked.add(offset)
            offset, cells = _scan_biff_sheet(stream, offset, spent=spent)
            spent += cells
        for start in sorted(listed - walked):
            spent += _scan_biff_sheet(stream, start, spent=spent)[1]


def _is_encrypted_ooxml(data: bytes) -> bool:
    # A password-protected .xlsx is not a zip but an OLE container holding "EncryptedPackage".
    return "EncryptedPackage".encode("utf-16-le") in data[: 1024 * 1024] or b"EncryptedPackage" in data[: 1024 * 1024]


# --- reading ----------------------------------------------------------------------------------


def _read_workbook(data: bytes) -> list[list]:
    """The first sheet from A1 (as ``to_python(skip_empty_area=False)``), a row at a time: each
    text is kept once as it is read (``_same``), so the sheet never exists twice as Python lists."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        if sheet.start is None:  # no cell at all
            return []
        top, left = sheet.start
        if top + sheet.height > max_rows() + ROW_SLACK:
            raise LedgerFileError(_too_many_rows(top + sheet.height))
        width, same = left + sheet.width, {}
        rows = [[""] * width for _ in range(top)]
        for row in sheet.iter_rows():
            for pos, cell in enumerate(row):
                if cell.__class__ is str:
                    row[pos] = same.setdefault(cell, cell)
            rows.append([*([""] * left), *row] if left else row)
    except LedgerFileError:
        raise
    except Exception:  # calamine raises several unrelated types for unreadable files
        raise _damaged() from None
    return rows


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def _csv_lines(text: str):
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_CSV_LINE_CHARS:
            raise LedgerFileError(
                _("Line %(line)d of the file is longer than %(limit)d characters; it is not a ledger table.")
                % {"line": number, "limit": MAX_CSV_LINE_CHARS}
            )
        yield line


def _read_csv(data: bytes) -> list[list]:
    if b"\x00" in data[:4096]:
        raise LedgerFileError(_("The file is not a spreadsheet; upload an .xlsx, .xls or .csv file."))
    bounds = GridBounds()
    rows = []
    try:
        for number, row in enumerate(csv.reader(_csv_lines(decode_csv(data)))):
            if row:
                bounds.cell(number, len(row) - 1)
            rows.append(row)
    except csv.Error:
        raise LedgerFileError(_("The file is not a spreadsheet; upload an .xlsx, .xls or .csv file.")) from None
    return rows


def read_grid(data: bytes) -> list[list]:
    """Every row of the first sheet as Python values, after all the guards; raises LedgerFileError."""
    if not data or not data.strip():
        raise LedgerFileError(_("The file is empty."))
    if len(data) > max_upload_bytes():
        raise LedgerFileError(too_large_message(len(data)))
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
        check_xls(data)
        rows = _read_workbook(data)
    elif data.startswith(ZIP_MAGIC):
        check_zip(data)
        check_xlsx(data)
        rows = _read_workbook(data)
    else:
        rows = _read_csv(data)
    width = max((len(row) for row in rows), default=0)
    # One object per distinct text (a ledger repeats its townships, categories and carers on
    # every row): a 50,000-row file then holds a third of the strings while it is imported.
    same = {}
    for row in rows:
        for pos, cell in enumerate(row):
            if cell.__class__ is str:
                row[pos] = same.setdefault(cell, cell)
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    if not any(any(str(cell).strip() for cell in row) for row in rows):
        raise LedgerFileError(_("The file is empty."))
    return rows
