"""Small ledger files built by the tests themselves (xlsx with openpyxl, xls with xlwt, csv)."""

import csv
import datetime
import io
import json
from pathlib import Path

import openpyxl
import xlwt
from django.core.management import call_command

from core.idnumber import check_character
from regions.models import Region
from regions.tests.factories import staff_user

FIXTURES = Path(__file__).parent / "fixtures" / "ledgers"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
ORDER = [
    ("children", EXPECTED["children_file"]),
    ("volunteers", EXPECTED["volunteers_file"]),
    ("pairings", EXPECTED["pairings_file"]),
    ("visits", EXPECTED["visits_file"]),
    ("activities", EXPECTED["activities_file"]),
]


def sample(name: str) -> Path:
    return FIXTURES / name


def load_sample_regions():
    call_command("load_regions", str(FIXTURES / "regions.csv"), stdout=io.StringIO())


def county_admin(username="fs_admin"):
    return staff_user(username, Region.objects.get(code="141128000000"), "admin")


def id_number(born=datetime.date(2015, 3, 2), serial=1, male=True, region="141128") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:02d}{1 if male else 2}"
    return first17 + check_character(first17)


def xlsx(rows, title_rows=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [*title_rows, *rows]:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls(rows) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, xlwt.easyxf(num_format_str="YYYY-MM-DD"))
            else:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def import_bytes(kind, data, user, *, dry_run=False):
    """Run the shared engine as the command and the admin do; returns the import-export Result."""
    from core.ledger.formats import LedgerFileFormat
    from core.ledger.registry import resource_class

    dataset = LedgerFileFormat().create_dataset(data)
    return resource_class(kind)(user=user).import_data(dataset, dry_run=dry_run, file_name="test.xlsx")


def counts(result):
    from core.ledger.resources import summary_counts

    return summary_counts(result)


def errors(result):
    """{(excel row, column): [messages]} of a result."""
    out = {}
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            out[(row.number, column)] = messages
    return out
