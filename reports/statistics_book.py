"""The period statistics workbook (阶段统计): the page's tables, one sheet each, through the
project's one writer (``core.ledger.workbook``). Every download is logged as an export."""

from django.utils.translation import gettext as _

from core.downloads import day_label, download_name
from core.ledger.workbook import LedgerWriter, open_workbook
from core.signals import ledger_exported

from .statistics import SHEETS, PeriodFigures


def statistics_file_name(figures: PeriodFigures) -> str:
    """离石区“爱心妈妈”阶段统计（2025年1月1日至2025年3月31日）.xlsx (``core.downloads``' one rule)."""
    period = f"{day_label(figures.start)}至{day_label(figures.end)}"
    return download_name(region=figures.region_name, kind="“爱心妈妈”阶段统计", period=period, extension="xlsx")


def write_statistics(target, figures: PeriodFigures, *, user=None) -> None:
    """Write ``figures`` to ``target`` (a path or a binary file) and log the export as ``user``."""
    book = open_workbook(target)
    red = book.add_format({"font_color": "#C00000", "bold": True})
    title = _("%(region)s period statistics, %(period)s") % {
        "region": figures.region_name or _("all regions"),
        "period": figures.period_label,
    }
    tables = figures.tables()
    for sheet in SHEETS:
        first, *more = tables[sheet]
        writer = LedgerWriter(book, sheet, first.headers, title=title)
        for row in first.rows:
            writer.write_row(row)
        for table in more:
            writer.row += 1
            writer.sheet.write_string(writer.row, 0, table.caption, writer.title_format)
            writer.row += 1
            for col, header in enumerate(table.headers):
                writer.sheet.write_string(writer.row, col, header, writer.bold)
            writer.row += 1
            for row in table.rows:
                writer.write_row(row)
        if sheet == "流动" and not figures.flow_holds:  # the check, in red
            writer.sheet.write_string(writer.row - 1, 1, figures.flow_text(), red)
        if sheet == "简报":
            writer.sheet.set_column(0, 0, 120, book.add_format({"text_wrap": True, "valign": "top"}))
        else:
            writer.finish()
    book.close()
    ledger_exported.send(
        sender=PeriodFigures,
        user=user,
        ledger="statistics",
        rows=figures.closing,
        filters={
            "from": f"{figures.start:%Y-%m-%d}",
            "to": f"{figures.end:%Y-%m-%d}",
            "region": figures.region_code,
        },
    )
