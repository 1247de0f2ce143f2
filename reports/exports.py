"""Job bodies that exist now: the visit ledger export and loading region codes from a file.

They follow the interfaces in reports/jobs.py, like the ledger import and the monthly ledger.
"""

from datetime import date

import xlsxwriter
from django.utils.translation import gettext as _

from activities.models import Visit
from core.masking import id_number_for
from core.spreadsheet import read_rows
from regions.services import regions_load

PROGRESS_ROWS = 1000


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def write_visit_ledger(user, month: date, region, path, progress) -> dict:
    """Every visit the user may see in ``month`` (optionally within ``region``) as one .xlsx sheet.

    xlsxwriter in constant_memory mode writes row by row, so memory stays flat for any size.
    """
    visits = Visit.objects.for_user(user).filter(visited_on__gte=month, visited_on__lt=_next_month(month))
    if region is not None:
        visits = visits.in_region(region)
    total = visits.count()
    progress(0, total)
    visits = (
        visits.select_related("child__region__parent", "mode")
        .prefetch_related("visitors")
        .order_by("visited_on", "id")
    )
    headers = [
        _("Visit date"),
        _("Township"),
        _("Village"),
        _("Child"),
        _("ID number"),
        _("Visit mode"),
        _("Caring mothers"),
        _("Staff"),
        _("What was found"),
        _("Help given"),
        _("Value of goods (yuan)"),
        _("Card colour reassessment"),
    ]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False})
    try:
        sheet = workbook.add_worksheet(_("Visits %(month)s") % {"month": f"{month:%Y-%m}"})
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, headers, bold)
        sheet.set_column(0, 0, 12)
        sheet.set_column(3, 4, 20)
        done = 0
        for done, visit in enumerate(visits.iterator(chunk_size=PROGRESS_ROWS), start=1):
            child = visit.child
            village = child.region
            township = village.parent if village.parent_id else None
            sheet.write_datetime(done, 0, visit.visited_on, date_format)
            sheet.write_row(
                done,
                1,
                [
                    township.name if township else "",
                    village.name,
                    child.name,
                    id_number_for(user, child.id_number),
                    visit.mode.name,
                    "、".join(sorted(v.name for v in visit.visitors.all())),
                    visit.staff_visitors,
                    visit.findings,
                    visit.help_given,
                    float(visit.goods_value),
                    visit.get_reassessed_colour_display(),
                ],
            )
            if done % PROGRESS_ROWS == 0:
                progress(done, total)
    finally:
        workbook.close()
    progress(done, max(total, done))
    return {"rows": done}


def load_regions_file(data: bytes, filename: str, *, kind, user, progress) -> dict:
    """Create or update regions from an uploaded (代码, 名称) file; a bad row means nothing is written."""
    rows = read_rows(data, filename)
    total = max(len(rows) - 1, 0)
    progress(0, total)
    result = regions_load(rows=rows)
    progress(total, total)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
