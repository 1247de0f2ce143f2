"""Look-ups are cached per file: checking rows costs no query per row, writing new rows a few per batch."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from children.models import Child

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
    assert counts(result) == {"new": 0, "updated": 0, "conflicts": 0, "skipped": 40, "errors": 0}
    assert many == few


@pytest.mark.django_db
def test_a_new_child_costs_at_most_three_queries(users):
    few, _ = queries("children", children_file(10), users["admin"], dry_run=True)
    many, _ = queries("children", children_file(40), users["admin"], dry_run=True)
    assert (many - few) <= 3 * 30


def new_children_file(n, born):
    """``n`` children with difficulties and a colour, one per birth day from ``born``."""
    rows = [
        child_row(
            i, name=f"童{i}", number=id_number(born=born + datetime.timedelta(days=i)), difficulty="重病、单亲家庭"
        )
        for i in range(1, n + 1)
    ]
    return xlsx([CHILD_HEADER, *rows])


@pytest.mark.django_db
def test_writing_new_children_costs_the_same_queries_for_20_or_200_rows(users):
    import_bytes("children", new_children_file(1, datetime.date(2010, 1, 1)), users["admin"], dry_run=True)
    few, small = queries("children", new_children_file(20, datetime.date(2012, 1, 1)), users["admin"])
    many, large = queries("children", new_children_file(200, datetime.date(2014, 1, 1)), users["admin"])
    assert counts(small)["new"] == 20 and counts(large)["new"] == 200
    assert Child.objects.count() == 220 and Child.history.count() == 220
    assert Child.difficulties.through.objects.count() == 2 * 220
    assert many == few < 120
