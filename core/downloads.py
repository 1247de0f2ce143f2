"""How every file the project sends is named: one rule for the name (``download_name``: region +
document + period) and one Content-Disposition for all downloads (``as_attachment``).

RFC 6266: an ASCII ``filename`` for old clients, and ``filename*`` with the real (Chinese)
name in UTF-8, which every current browser uses. A raw non-ASCII ``filename="…"`` makes
Django encode the whole header (RFC 2047) and browsers then save ``download.xlsx``.
"""

import datetime
import re
import unicodedata
from urllib.parse import quote


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-")


def attachment_header(filename: str) -> str:
    """The Content-Disposition value that makes a browser save ``filename`` under that name."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    fallback = (_ascii(stem) or "download") + (f".{_ascii(extension)}" if _ascii(extension) else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def as_attachment(response, filename: str):
    """``response`` sent as a download named ``filename``; returns the response."""
    response["Content-Disposition"] = attachment_header(filename)
    return response


# --- the one naming rule ----------------------------------------------------------------------

#: The documents the project makes, by kind: region name + this + （period）.
DOCUMENTS = {
    "monthly_ledger": "“爱心妈妈”结对关爱台账",
    "visit_ledger": "“爱心妈妈”走访台账",
}
#: Characters no file name may hold on Windows, macOS or Linux (and control characters).
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
MAX_NAME = 200  # reports.Job.result_name and closing.ClosedLedger.name hold this many


def region_label(region) -> str:
    """A region's name as files carry it: from the county down (离石区, 离石区吴城镇)."""
    if region is None:
        return ""
    if isinstance(region, str):
        return region
    return region.full_name()


def month_label(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月"


def day_label(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def document_title(*, region, kind: str, period=None) -> str:
    """区划名 + 文档名 + （period）, e.g. 离石区“爱心妈妈”结对关爱台账（2025年1月）.

    ``kind`` is a key of DOCUMENTS or a document's own name (a ledger's title); ``period`` is a
    month (a date: its month), a label already written (a str, e.g. day_label(today)) or None.
    """
    document = DOCUMENTS.get(kind, kind)
    if isinstance(period, datetime.date):
        period = month_label(period)
    title = f"{region_label(region)}{document}" + (f"（{period}）" if period else "")
    return _UNSAFE.sub("_", title).strip()


def download_name(*, region, kind: str, period=None, extension: str) -> str:
    """The name of every file the project sends or stores for download: document_title + extension."""
    extension = "." + extension.lstrip(".")
    return document_title(region=region, kind=kind, period=period)[: MAX_NAME - len(extension)] + extension
