"""Issue 11, items 11 and 15: how the import engine reports what the database does to a write.

A lost connection is no row's fault: one file-level Chinese message, nothing written (the report
blamed "第9944行 整行 数据库拒绝保存此行：the connection is closed"). A refused row gets a Chinese
row message without the database's English text. A ValidationError raised while an update row
is written is that row's error, and the whole file is rolled back.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, connection

from children.models import Child
from children.resources import ChildResource
from children.tests.factories import ChildFactory
from core.ledger.resources import report_lines

from .ledger_helpers import counts, errors, id_number, import_bytes, xlsx
from .test_ledger_import import CHILD_HEADER, child_row

pytestmark = [pytest.mark.security]

LOST = "数据库连接中断，未导入任何数据，请稍后重试"


def _ascii_words(lines):
    """Runs of Latin letters in the report: the database's English would show up here."""
    import re

    return [word for line in lines for word in re.findall(r"[A-Za-z]{3,}", line)]


def _file(n=5):
    return xlsx([CHILD_HEADER, *[child_row(i, name=f"童{i}", number=id_number(serial=i)) for i in range(1, n + 1)]])


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize("rows", ["new", "updated"])
def test_it_reports_a_lost_connection_once_for_the_file_and_writes_nothing(users, regions, monkeypatch, error, rows):
    if rows == "updated":  # update rows are written one by one (save_child), new ones in batches
        for i in range(1, 6):
            ChildFactory(name=f"旧{i}", id_number=id_number(serial=i), region=regions["village_a1"])
    where = "save_child" if rows == "updated" else "create_many"
    original = getattr(ChildResource, where)
    calls = []

    def write_then_lose_the_connection(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise error("the connection is closed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ChildResource, where, write_then_lose_the_connection)
    monkeypatch.setattr(ChildResource, "batch_size", 1)
    before = sorted(Child.objects.values_list("name", flat=True))
    result = import_bytes("children", _file(), users["admin"])
    assert len(calls) == 2
    assert report_lines(result) == [LOST]
    assert result.invalid_rows == []
    assert counts(result)["errors"] == 1 and counts(result)["new"] == 0
    assert sorted(Child.objects.values_list("name", flat=True)) == before


@pytest.mark.django_db
def test_it_survives_the_database_ending_its_connection_mid_import(users):
    """The real thing on PostgreSQL: the server terminates the import's backend mid-write.

    The test's own transaction dies with the backend, so what is checked here is the report;
    that nothing is written is checked by the simulated losses above.
    """
    if connection.vendor != "postgresql":
        pytest.skip("terminating a backend needs PostgreSQL")
    original = ChildResource.create_many

    def terminated_before_writing(self, plans):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return original(self, plans)

    ChildResource.create_many = terminated_before_writing
    try:
        result = import_bytes("children", _file(), users["admin"])
    finally:
        ChildResource.create_many = original
    assert report_lines(result) == [LOST]
    assert result.invalid_rows == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error,words",
    [
        (IntegrityError('duplicate key value violates unique constraint "child_id_number"'), "已有记录冲突"),
        (DataError("value too long for type character varying(50)"), "过长"),
    ],
    ids=["integrity", "data"],
)
def test_it_names_the_refused_row_in_chinese_without_the_database_text(users, monkeypatch, error, words):
    original = ChildResource.save_child

    def refuse_the_third(self, child, *args):
        if child.name == "童3":
            raise error
        return original(self, child, *args)

    def batch_refused(self, plans):
        raise error

    monkeypatch.setattr(ChildResource, "save_child", refuse_the_third)
    monkeypatch.setattr(ChildResource, "create_many", batch_refused)
    result = import_bytes("children", _file(), users["admin"])
    found = errors(result)
    assert list(found) == [(4, "整行")]
    assert words in found[(4, "整行")][0]
    assert _ascii_words(report_lines(result)) == []
    assert Child.objects.count() == 0


@pytest.mark.django_db
def test_it_reports_a_validation_error_while_writing_an_update_row_and_writes_nothing(users, regions, monkeypatch):
    village = regions["village_a1"]
    existing = ChildFactory(name="旧名", id_number=id_number(serial=1), card_colour="green", region=village)

    def colour_refused(**kwargs):
        raise ValidationError("这次变色不合规则")

    monkeypatch.setattr("children.resources.child_change_colour", colour_refused)
    rows = [CHILD_HEADER, child_row(1, name="新名", number=existing.id_number, colour="红"), child_row(2, name="新童")]
    result = import_bytes("children", xlsx(rows), users["admin"])
    assert errors(result) == {(2, "整行"): ["这次变色不合规则"]}
    existing.refresh_from_db()
    assert (existing.name, existing.card_colour) == ("旧名", "green")
    assert list(Child.objects.values_list("name", flat=True)) == ["旧名"]
