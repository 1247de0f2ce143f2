"""How every file the project sends is named: one Content-Disposition for all downloads.

RFC 6266: an ASCII ``filename`` for old clients, and ``filename*`` with the real (Chinese)
name in UTF-8, which every current browser uses. A raw non-ASCII ``filename="…"`` makes
Django encode the whole header (RFC 2047) and browsers then save ``download.xlsx``.
"""

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
