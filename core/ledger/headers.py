"""Finding the header row and matching header names to fields.

Names are compared after NFKC (full-width brackets and letters become half-width) and with
every space removed, so 乡镇（街道）, 乡镇(街道) and 乡 镇（街道） are one name.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

#: How many rows from the top may hold titles and "填报单位…" lines above the header.
HEADER_SEARCH_ROWS = 10
#: A row is the header when at least this many of its cells are known names (or all of them).
MIN_HEADER_MATCHES = 3

SERIAL_NAMES = ("序号",)
#: How a signature or note line under the table begins (after NFKC, so "：" is ":").
FOOTER_PREFIXES = (
    "填表人",
    "填报人",
    "审核人",
    "复核人",
    "审批人",
    "负责人",
    "单位负责人",
    "分管领导",
    "制表",
    "统计人",
    "经办人",
    "联系人",
    "联系电话:",
    "填报日期",
    "填表日期",
    "制表日期",
    "报送日期",
    "签字",
    "签名",
    "注:",
    "说明:",
    "备注:",
)

_SPACES = re.compile(r"\s+")


def normalise_header(value) -> str:
    if value is None:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value)))


@dataclass(frozen=True)
class Column:
    """One column a ledger reads: its field key, the header it exports under and the names it accepts."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    names: frozenset = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "names", frozenset(normalise_header(n) for n in (self.label, *self.aliases)))


class HeaderError(Exception):
    pass


def find_header(rows: list[list], columns: list[Column]) -> tuple[int, dict[str, int]]:
    """The index of the header row and {column key: cell index}; raises HeaderError."""
    known = {name: column for column in columns for name in column.names}
    best = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [normalise_header(cell) for cell in row]
        matches = sum(1 for name in names if name in known)
        if matches >= min(MIN_HEADER_MATCHES, len([c for c in columns if c.required])) and matches:
            best = index
            break
    if best is None:
        raise HeaderError(
            _("No header row was found in the first %(count)d rows; the header needs names such as %(names)s.")
            % {"count": HEADER_SEARCH_ROWS, "names": "、".join(c.label for c in columns if c.required)}
        )
    mapping: dict[str, int] = {}
    for position, cell in enumerate(rows[best]):
        column = known.get(normalise_header(cell))
        if column is not None and column.key not in mapping:
            mapping[column.key] = position
    missing = [c.label for c in columns if c.required and c.key not in mapping]
    if missing:
        found = "、".join(str(c).strip() for c in rows[best] if str(c).strip()) or "—"
        raise HeaderError(
            _("Required column %(missing)s is missing. Headers found: %(found)s.")
            % {"missing": "、".join(missing), "found": found}
        )
    return best, mapping


def is_footer(row: list) -> bool:
    """Whether a row under the header is a signature or note line (填表人：… 审核人：… 填报日期：…):
    its first filled cell, wherever it stands, begins like one."""
    for cell in row:
        value = normalise_header(cell)
        if value:
            return value.startswith(FOOTER_PREFIXES)
    return False


def footer_start(rows: list[list]) -> int | None:
    """The index of the first signature line under the header; it and every row after it are
    the footer (the table ends at its signatures), whatever the columns they fall in."""
    for index, row in enumerate(rows):
        if is_footer(row):
            return index
    return None


def footer_text(row: list) -> str:
    """A footer row as one line, its filled cells in order."""
    return "  ".join(str(cell).strip() for cell in row if str(cell or "").strip())
