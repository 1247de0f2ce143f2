"""The date a ledger speaks for (台账日期): the 填报日期 in its title rows, or the one the user gives.

An import compares it with the history of each field it would change: a stored value that
changed after this date is newer than the file and is not overwritten without the user's say.
"""

import datetime
import re

from .values import text

_LABELS = r"(?:填报日期|填表日期|报送日期|统计日期|截至|截止|截止日期|截至日期)"
_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月?)"
_LEDGER_DATE = re.compile(_LABELS + r"\s*[:：]?\s*(?:到|至)?\s*" + _DATE)


def parse_ledger_date(line) -> datetime.date | None:
    """The date after 填报日期/填表日期/截至 in one line of a title, or None.

    A month without a day ("填报日期：2025年1月") counts as the first of that month: the file
    cannot be shown to know anything later, so what changed during the month stays a conflict.
    """
    match = _LEDGER_DATE.search(text(line).replace(" ", ""))
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def find_ledger_date(title_rows: list[list]) -> datetime.date | None:
    """The first ledger date found in the rows above the header."""
    for row in title_rows:
        for cell in row:
            found = parse_ledger_date(cell)
            if found is not None:
                return found
    return None
