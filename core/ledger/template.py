"""Blank ledger templates: the header row, drop-down lists, the ID column as text, instructions."""

from django.utils.translation import gettext
from xlsxwriter.utility import xl_col_to_name

from activities.models import ActivityType, VisitMode
from children.models import ChildCategory, DifficultyType
from regions.models import Level, Region
from volunteers.models import Sector

from .workbook import LedgerWriter, new_workbook

TEMPLATE_ROWS = 1000


def _names(model) -> list[str]:
    return list(model.objects.filter(is_active=True).values_list("name", flat=True))


def choice_lists(user) -> dict[str, list[str]]:
    """Drop-down values by column key, limited to the user's scope where they are places."""
    regions = Region.objects.for_user(user)
    return {
        "gender": ["男", "女"],
        "colour": ["红", "黄", "绿"],
        "category": _names(ChildCategory),
        "difficulties": _names(DifficultyType),
        "township": list(regions.filter(level=Level.TOWNSHIP).values_list("name", flat=True)),
        "village": list(regions.filter(level=Level.VILLAGE).values_list("name", flat=True).distinct()),
        "mode": _names(VisitMode),
        "activity_type": _names(ActivityType),
        "sector": _names(Sector),
    }


def build_template(resource_class, user) -> bytes:
    lists = choice_lists(user)
    if resource_class.ledger == "pairings":
        lists["mode"] = ["一对一", "多对一"]
    if resource_class.ledger == "children":  # the family's choices (issue 14)
        from children.ledger_family import TEMPLATE_CHOICES

        lists.update(TEMPLATE_CHOICES)
    buffer, workbook = new_workbook()
    headers = [c.label for c in resource_class.columns]
    writer = LedgerWriter(workbook, resource_class.title, headers)
    writer.finish()
    values_sheet = workbook.add_worksheet("选项")
    col = 0
    for position, column in enumerate(resource_class.columns):
        options = lists.get(column.key)
        if not options:
            continue
        values_sheet.write_string(0, col, column.label)
        for i, option in enumerate(options, start=1):
            values_sheet.write_string(i, col, option)
        letter = xl_col_to_name(col)
        source = f"=选项!${letter}$2:${letter}${len(options) + 1}"
        writer.sheet.data_validation(
            writer.header_row + 1,
            position,
            writer.header_row + TEMPLATE_ROWS,
            position,
            {
                "validate": "list",
                "source": source,
                "ignore_blank": True,
                "show_error": column.key != "difficulties",
            },  # several difficulties go in one cell
        )
        col += 1
    info = workbook.add_worksheet("填写说明")
    lines = [
        gettext("Fill one row per record below the header; do not change the header names."),
        gettext("Required columns: %(names)s.")
        % {"names": "、".join(c.label for c in resource_class.columns if c.required)},
        gettext("ID numbers and phone numbers are text: type them in full, never as numbers."),
        gettext("Dates: 2025-03-02, 2025/3/2, 2025.3.2 or 2025年3月2日."),
        gettext("Several difficulty types go in one cell, separated by 、"),
        gettext("Blank rows and signature rows (填表人, 审核人…) are ignored."),
        gettext("The same file can be imported again: rows already there are skipped, changed rows updated."),
    ]
    info.set_column(0, 0, 100)
    for i, line in enumerate(lines):
        info.write_string(i, 0, line)
    workbook.close()
    return buffer.getvalue()
