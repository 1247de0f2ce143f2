"""django-import-export formats: read any ledger file through the guards, write safe .xlsx."""

from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import Format
from tablib import Dataset

from .files import read_grid
from .resources import ROW_NUMBER
from .workbook import dataset_to_xlsx


class LedgerFileFormat(Format):
    """.xlsx, .xls or .csv (UTF-8 with or without BOM, or GB18030), read with python-calamine.

    The dataset keeps every row (titles and footers too) with its Excel row number in the
    first column; the resource finds the header, because which names count depends on the ledger.
    """

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return _("Spreadsheet (.xlsx, .xls, .csv)")

    def create_dataset(self, in_stream):
        data = in_stream if isinstance(in_stream, bytes) else bytes(in_stream)
        grid = read_grid(data)
        width = len(grid[0]) if grid else 0
        dataset = Dataset(headers=[ROW_NUMBER, *(f"c{i}" for i in range(width))])
        # Each row is handed over as it is copied, so the file is not held twice.
        grid.reverse()
        number = 0
        while grid:
            number += 1
            row = grid.pop()
            row.insert(0, number)
            dataset.append(row)
        return dataset

    def get_extension(self):
        return "xlsx"

    def can_import(self):
        return True


class LedgerXlsxFormat(Format):
    """An .xlsx export with the title row, frozen header and text-safe cells."""

    CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return _("Excel workbook (.xlsx)")

    def export_data(self, dataset, **kwargs):
        return dataset_to_xlsx(dataset)

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return self.CONTENT_TYPE

    def can_export(self):
        return True
