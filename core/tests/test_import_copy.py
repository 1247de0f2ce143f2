"""Issue 16, target 4: new children, their history, difficulty rows and first card colours go in
with COPY on PostgreSQL (core/bulk.py). The rows must be the very rows the ORM path writes
(bulk_create and simple-history's bulk_create_with_history), the number of queries must not
grow with the rows, and a database refusal inside a COPY must leave nothing written."""

import datetime

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import core.bulk
from children.models import CardChange, Child
from children.resources import ChildResource
from children.tests.factories import ChildFactory
from core.ledger.resources import IMPORT_REASON, report_lines

from .ledger_helpers import counts, errors, id_number, import_bytes, xlsx
from .test_ledger_import import CHILD_HEADER, child_row

pytestmark = pytest.mark.django_db

#: Columns that differ between two runs by nature: keys and clock readings.
VOLATILE = {"id", "history_id", "created_at", "updated_at", "history_date", "child_id", "history_relation_id"}


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")


def _file(n):
    difficulties = ["重病", "", "单亲家庭、监护缺失", "监护缺失"]
    rows = [
        child_row(i, name=f"童{i}", number=id_number(serial=i), difficulty=difficulties[i % 4], colour="红黄绿"[i % 3])
        for i in range(1, n + 1)
    ]
    return xlsx([CHILD_HEADER, *rows])


def _rows(model, order_by):
    """Every row of ``model``'s table as dicts, without the volatile columns, keyed by the child's ID."""
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in model.objects.values().order_by(*order_by)]


def _tables():
    numbers = dict(Child.objects.values_list("pk", "id_number"))
    history_child = Child.history.model
    history_change = CardChange.history.model
    m2m_history = apps.get_model("children", "HistoricalChild_difficulties")
    children = [c.id for c in Child.objects.order_by("id_number")]
    return {
        "child": _rows(Child, ["id_number"]),
        "child history": [
            {**row, "child": numbers[row_id]}
            for row, row_id in zip(
                _rows(history_child, ["id_number", "history_date", "history_id"]),
                history_child.objects.order_by("id_number", "history_date", "history_id").values_list("id", flat=True),
                strict=True,
            )
        ],
        "child history matches child": all(
            h.created_at == Child.objects.get(pk=h.id).created_at for h in history_child.objects.all()
        ),
        "difficulties": sorted(
            (numbers[child], name)
            for child, name in Child.difficulties.through.objects.values_list("child_id", "difficultytype__name")
        ),
        "difficulty history": m2m_history.objects.count(),
        "card changes": [
            {**row, "child": numbers[c]}
            for row, c in zip(
                _rows(CardChange, ["child__id_number"]),
                CardChange.objects.order_by("child__id_number").values_list("child_id", flat=True),
                strict=True,
            )
        ],
        "card change history": [
            {**row, "child": numbers[c]}
            for row, c in zip(
                _rows(history_change, ["child__id_number"]),
                history_change.objects.order_by("child__id_number").values_list("child_id", flat=True),
                strict=True,
            )
        ],
        "count": len(children),
    }


class _Undo(Exception):
    pass


def test_the_copy_path_writes_exactly_the_rows_the_orm_path_writes(users, regions, monkeypatch):
    _postgres_only()
    ChildFactory(name="旧名", id_number=id_number(serial=2), region=regions["village_a1"], card_colour="green")
    data = _file(12)
    with monkeypatch.context() as orm:
        orm.setattr(core.bulk, "copies", lambda: False)
        try:
            with transaction.atomic():
                assert counts(import_bytes("children", data, users["admin"]))["new"] == 11
                by_orm = _tables()
                raise _Undo
        except _Undo:
            pass
    assert Child.objects.count() == 1
    with CaptureQueriesContext(connection) as queries:
        assert counts(import_bytes("children", data, users["admin"]))["new"] == 11
    assert any(q["sql"].startswith('COPY "children_historicalchild"') for q in queries.captured_queries)
    by_copy = _tables()
    assert by_copy == by_orm
    assert by_copy["count"] == 12 and by_copy["child history matches child"]
    new = [row for row in by_copy["child history"] if row["history_type"] == "+" and row["name"] != "旧名"]
    assert len(new) == 11
    assert {(row["history_user_id"], row["history_change_reason"]) for row in new} == {
        (users["admin"].pk, IMPORT_REASON)
    }
    # The first colour of each new child (the factory's child has none).
    assert {row["child"] for row in by_copy["card changes"]} == {id_number(serial=i) for i in range(1, 13) if i != 2}


def test_it_writes_json_fields_as_json_not_as_arrays(users):
    _postgres_only()
    import_bytes("children", _file(2), users["admin"])
    assert [list(v) for v in Child.objects.values_list("income_sources", "aid_received")] == [[[], []], [[], []]]
    assert [list(v) for v in Child.history.values_list("income_sources", "aid_received")] == [[[], []], [[], []]]


def test_the_number_of_queries_does_not_grow_with_the_rows(users, monkeypatch):
    def queries(n, born):
        rows = [child_row(i, name=f"童{i}", number=id_number(born=born, serial=i)) for i in range(1, n + 1)]
        with CaptureQueriesContext(connection) as ctx:
            result = import_bytes("children", xlsx([CHILD_HEADER, *rows]), users["admin"])
        assert counts(result)["new"] == n, errors(result)
        return len(ctx.captured_queries)

    queries(3, datetime.date(2014, 1, 1))  # the first import of a process fills caches (categories, settings…)
    few, many = queries(20, datetime.date(2015, 3, 2)), queries(90, datetime.date(2016, 5, 5))
    assert few == many
    # Ten batches of savepoint, COPY of the children, their history, difficulties, first colours
    # and their history (90), and the file's look-ups.
    # Plus the probable-duplicate look-up (one per 1,000 names, children.duplicates) and the
    # stored figures' marks (reports.summary.rows_created).
    assert many <= 115


def test_a_refusal_inside_copy_is_a_chinese_row_message_and_nothing_is_written(users, regions, monkeypatch):
    """The database itself refuses the COPY (a child the look-ups were made to miss): the batch
    is rolled back, the row the database refuses is named in Chinese, and nothing is kept."""
    _postgres_only()
    taken = ChildFactory(name="旧名", id_number=id_number(serial=3), region=regions["village_a1"])
    original = ChildResource.prepare

    def prepare_missing_the_register(self, rows):
        original(self, rows)
        self.existing = {}  # so row 3's child looks new and the unique key refuses it

    monkeypatch.setattr(ChildResource, "prepare", prepare_missing_the_register)
    before = (Child.objects.count(), Child.history.count(), CardChange.objects.count())
    result = import_bytes("children", _file(5), users["admin"])
    assert list(errors(result)) == [(4, "整行")]
    assert "已有记录冲突" in errors(result)[(4, "整行")][0]
    assert counts(result)["new"] == 0
    assert not any("duplicate" in line or "COPY" in line for line in report_lines(result))
    assert (Child.objects.count(), Child.history.count(), CardChange.objects.count()) == before
    assert Child.objects.get().pk == taken.pk
