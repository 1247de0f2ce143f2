"""The uploaded ledger handed back with a 错误原因 column and its bad rows marked (issue 12).

A WPS user corrects the marked rows in place and uploads the same file again: every row of the
original is kept where it was (titles with the 填报日期, the header, footers), so it re-imports
like the original once fixed; the 错误原因 column is not a column any ledger reads.
"""

from django.utils import timezone
from django.utils.translation import gettext

from core.downloads import day_label, download_name
from regions.scoping import user_region

from .headers import normalise_header
from .values import text
from .workbook import LedgerWriter, new_workbook

REASON_HEADER = "错误原因"
#: the fill of a row with errors (light red, readable when printed in black and white)
ERROR_FILL = "#FFC7CE"


def error_file_name(user, title: str, *, day=None) -> str:
    """The file to correct, named by the one rule: the user's region + the ledger's title and
    待更正 + the day it was checked, e.g. 方山县困境儿童基础台账待更正（2025年1月10日）.xlsx."""
    return download_name(
        region=user_region(user),
        kind=gettext("%(title)s to correct") % {"title": title},
        period=day_label(day or timezone.localdate()),
        extension="xlsx",
    )


def row_reasons(result) -> dict[int, str]:
    """{Excel row number: every error of the row as one line}."""
    reasons = {}
    for row in result.invalid_rows:
        parts = [f"{column}：{message}" for column, messages in row.error_dict.items() for message in messages]
        reasons[row.number] = "；".join(parts)
    return reasons


def error_workbook(dataset, result, *, sheet_name: str = "") -> bytes | None:
    """The file with a 错误原因 column; None when the result has no row errors to mark."""
    reasons = row_reasons(result)
    header_number = getattr(result, "header_number", None)
    if not reasons or header_number is None:
        return None
    grid = [list(r) for r in dataset]
    numbers = [int(r[0]) for r in grid]
    cells = [r[1:] for r in grid]
    header_at = numbers.index(header_number)
    header = cells[header_at]
    # A file that was already handed back keeps one 错误原因 column, the new one.
    keep = [i for i, name in enumerate(header) if normalise_header(name) != REASON_HEADER]
    title = "  ".join(str(c).strip() for row in cells[:header_at] for c in row if text(c))
    buffer, workbook = new_workbook()
    writer = LedgerWriter(
        workbook,
        sheet_name or gettext("To correct"),
        [text(header[i]) for i in keep] + [REASON_HEADER],
        title,
    )
    marked = workbook.add_format({"bg_color": ERROR_FILL, "text_wrap": True, "border": 1})
    for number, row in zip(numbers[header_at + 1 :], cells[header_at + 1 :], strict=True):
        reason = reasons.get(number, "")
        at = writer.row
        writer.write_row([row[i] for i in keep] + [""])
        if reason:
            writer.sheet.set_row(at, None, marked)
            writer.sheet.write_string(at, len(keep), reason, marked)
    writer.finish()
    writer.sheet.set_column(len(keep), len(keep), 60)
    workbook.close()
    return buffer.getvalue()
