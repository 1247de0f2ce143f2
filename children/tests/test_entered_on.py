"""纳入日期 (``Child.entered_on``): read from the children's ledger, else the day of registration;
existing rows get the day they were registered."""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from children.models import Child
from core.tests.concurrency import restore_seeded_rows  # noqa: F401 (a fixture)
from core.tests.ledger_helpers import counts, errors, id_number, import_bytes, xlsx
from core.tests.test_ledger_import import CHILD_HEADER, child_row

D = datetime.date


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["纳入日期", "纳入时间", "建档日期"])
def test_it_reads_the_date_entered_from_the_ledger(users, header):
    rows = [[*CHILD_HEADER, header], [*child_row(1), "2024年3月5日"], [*child_row(2), D(2023, 9, 1)]]
    result = import_bytes("children", xlsx(rows), users["admin"])
    assert counts(result)["new"] == 2
    entered = dict(Child.objects.values_list("id_number", "entered_on"))
    assert entered == {id_number(serial=1): D(2024, 3, 5), id_number(serial=2): D(2023, 9, 1)}


@pytest.mark.django_db
def test_without_the_column_a_new_child_is_entered_today_and_a_known_one_keeps_its_date(users):
    import_bytes("children", xlsx([[*CHILD_HEADER, "纳入日期"], [*child_row(1), "2024-03-05"]]), users["admin"])
    result = import_bytes("children", xlsx([CHILD_HEADER, child_row(1), child_row(2)]), users["admin"])
    assert counts(result)["new"] == 1
    entered = dict(Child.objects.values_list("id_number", "entered_on"))
    assert entered == {id_number(serial=1): D(2024, 3, 5), id_number(serial=2): timezone.localdate()}


@pytest.mark.django_db
def test_a_date_entered_in_the_ledger_corrects_the_stored_one(users):
    def file(day):
        return xlsx([[*CHILD_HEADER, "纳入日期"], [*child_row(1), day]])

    import_bytes("children", file("2024-03-05"), users["admin"])
    result = import_bytes("children", file("2024-02-01"), users["admin"])
    assert counts(result)["updated"] == 1
    assert Child.objects.get().entered_on == D(2024, 2, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["明天", "2024-02-30", "FUTURE"])
def test_a_bad_or_future_date_entered_is_a_row_error_and_writes_nothing(users, value):
    if value == "FUTURE":
        value = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    result = import_bytes("children", xlsx([[*CHILD_HEADER, "纳入日期"], [*child_row(1), value]]), users["admin"])
    assert counts(result)["errors"] == 1
    [(where, messages)] = errors(result).items()
    assert where[1] == "纳入日期" and messages
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_the_export_writes_the_date_entered_under_the_header_the_import_reads(users):
    from children.resources import ChildResource

    import_bytes("children", xlsx([[*CHILD_HEADER, "纳入日期"], [*child_row(1), "2024-03-05"]]), users["admin"])
    resource = ChildResource(user=users["admin"])
    dataset = resource.export(Child.objects.all())
    assert dataset.dict[0]["纳入日期"] == D(2024, 3, 5)


BEFORE, AFTER = ("children", "0006_add_entered_on"), ("children", "0007_backfill_entered_on")


# serialized_rollback: this test's flush must not run post_migrate, or the next test that restores
# Django's snapshot (the browser and concurrency tests) finds its content types already there.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_seeded_rows")
def test_the_backfill_gives_existing_children_the_day_they_were_registered(regions):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        apps = executor.loader.project_state([BEFORE]).apps
        Child, History = apps.get_model("children", "Child"), apps.get_model("children", "HistoricalChild")
        village = apps.get_model("regions", "Region").objects.get(pk=regions["village_a1"].pk)
        category = apps.get_model("children", "ChildCategory").objects.get(name="农村留守儿童")

        def child(n, created):
            made = Child.objects.create(
                name=f"旧童{n}",
                id_number=id_number(serial=n),
                gender="M",
                birth_date=D(2015, 3, 2),
                category=category,
                region=village,
            )
            Child.objects.filter(pk=made.pk).update(created_at=created)
            return made

        utc = datetime.UTC
        # 20:00 UTC on 31 March is 1 April in China: the local day counts.
        late_evening = child(1, datetime.datetime(2024, 3, 31, 20, 0, tzinfo=utc))
        # Its history says it was written before its row's timestamp (a restored backup): the earlier.
        restored = child(2, datetime.datetime(2025, 6, 1, 2, 0, tzinfo=utc))
        History.objects.create(
            id=restored.pk,
            name=restored.name,
            id_number=restored.id_number,
            gender="M",
            birth_date=D(2015, 3, 2),
            category=category,
            region=village,
            card_colour="green",
            status="active",
            created_at=restored.created_at,
            history_date=datetime.datetime(2024, 5, 2, 3, 0, tzinfo=utc),
            history_type="+",
        )
        given = child(3, datetime.datetime(2025, 6, 1, 2, 0, tzinfo=utc))
        Child.objects.filter(pk=given.pk).update(entered_on=D(2023, 1, 1))

        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        apps = executor.loader.project_state([AFTER]).apps
        Child, History = apps.get_model("children", "Child"), apps.get_model("children", "HistoricalChild")
        expected = {late_evening.pk: D(2024, 4, 1), restored.pk: D(2024, 5, 2), given.pk: D(2023, 1, 1)}
        assert dict(Child.objects.values_list("pk", "entered_on")) == expected
        assert dict(History.objects.values_list("id", "entered_on")) == {restored.pk: D(2024, 5, 2)}
        # Run again: nothing changes.
        importlib.import_module("children.migrations.0007_backfill_entered_on").backfill(apps, None)
        assert dict(Child.objects.values_list("pk", "entered_on")) == expected
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
