"""Look-ups are cached per file: checking rows costs no query per row, writing a few."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .ledger_helpers import counts, id_number, import_bytes, xlsx
from .test_ledger_import import CHILD_HEADER, child_row


def children_file(n):
    return xlsx([CHILD_HEADER, *[child_row(i, name=f"童{i}", number=id_number(serial=i)) for i in range(1, n + 1)]])


def queries(kind, data, user, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        result = import_bytes(kind, data, user, **kwargs)
    return len(captured), result


@pytest.mark.django_db
def test_checking_an_unchanged_file_costs_the_same_queries_for_10_or_40_rows(users):
    small, large = children_file(10), children_file(40)
    import_bytes("children", large, users["admin"])
    few, result = queries("children", small, users["admin"])
    many, result = queries("children", large, users["admin"])
    assert counts(result) == {"new": 0, "updated": 0, "skipped": 40, "errors": 0}
    assert many == few


@pytest.mark.django_db
def test_a_new_child_costs_at_most_three_queries(users):
    few, _ = queries("children", children_file(10), users["admin"], dry_run=True)
    many, _ = queries("children", children_file(40), users["admin"], dry_run=True)
    assert (many - few) <= 3 * 30
