"""Job bodies that exist now: the visit ledger export and loading region codes from a file.

They follow the interfaces in reports/jobs.py, like the ledger import and the monthly ledger.
"""

from datetime import date

from django.utils.translation import gettext as _

from activities.models import Visit
from children.models import CardColour
from core.ledger.files import read_grid
from core.ledger.workbook import open_workbook
from core.masking import id_number_for
from core.signals import ledger_exported
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
    # Plain tuples, not model instances, and the mothers' names fetched per batch of rows: the
    # ORM's per-row object building cost more than writing the sheet.
    rows = visits.order_by("visited_on", "id").values_list(
        "id",
        "visited_on",
        "child__region__parent__name",
        "child__region__name",
        "child__name",
        "child__id_number",
        "mode__name",
        "staff_visitors",
        "findings",
        "help_given",
        "goods_value",
        "reassessed_colour",
    )
    colours = dict(CardColour.choices)
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
    workbook = open_workbook(str(path), {"constant_memory": True, "in_memory": False})
    done = 0
    try:
        sheet = workbook.add_worksheet(_("Visits %(month)s") % {"month": f"{month:%Y-%m}"})
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, headers, bold)
        sheet.set_column(0, 0, 12, date_format)
        sheet.set_column(3, 4, 20)
        for batch in _batches(rows.iterator(chunk_size=PROGRESS_ROWS), PROGRESS_ROWS):
            mothers = _mothers_of([row[0] for row in batch])
            for row in batch:
                done += 1
                (pk, visited_on, township, village, child, id_number, mode, staff, found, helped, goods, colour) = row
                # A date is an Excel serial number with a date format: much cheaper than write_datetime.
                sheet.write_number(done, 0, (visited_on - EXCEL_EPOCH).days, date_format)
                sheet.write_row(
                    done,
                    1,
                    [
                        township or "",
                        village,
                        child,
                        id_number_for(user, id_number),
                        mode,
                        "、".join(mothers.get(pk, ())),
                        staff,
                        found,
                        helped,
                        float(goods),
                        str(colours.get(colour, "")),
                    ],
                )
            progress(done, total)
    finally:
        workbook.close()
    progress(done, max(total, done))
    filters = {"month": f"{month:%Y-%m}", "region": region.code if region else ""}
    ledger_exported.send(sender=Visit, user=user, ledger="visits", rows=done, filters=filters)
    return {"rows": done}


EXCEL_EPOCH = date(1899, 12, 30)


def _batches(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _mothers_of(visit_ids) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    links = (
        Visit.visitors.through.objects.filter(visit_id__in=visit_ids)
        .order_by("volunteer__name")
        .values_list("visit_id", "volunteer__name")
    )
    for visit_id, name in links:
        names.setdefault(visit_id, []).append(name)
    return names


def load_regions_file(data: bytes, filename: str, *, kind, user, progress) -> dict:
    """Create or update regions from an uploaded (代码, 名称) file; a bad row means nothing is written."""
    rows = read_grid(data)
    total = max(len(rows) - 1, 0)
    progress(0, total)
    result = regions_load(rows=rows)
    progress(total, total)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
