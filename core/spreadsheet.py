"""The error of an unreadable spreadsheet, under the name the job runner catches.

Every upload (ledgers, region files, job uploads) is read by ``core.ledger.files.read_grid``,
the one reader, with the size, column and cell guards inside.
"""

from core.ledger.files import LedgerFileError as SpreadsheetError

__all__ = ["SpreadsheetError"]
