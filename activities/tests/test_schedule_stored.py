"""The stored visit schedule (Child.last_visited_on, issue 16): every way a visit is written
keeps it equal to the child's visits, the drift check finds a row that is not, and the overdue
list reads it through an index instead of probing each child's visits."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Visit, VisitMode
from activities.schedule import schedule_drift, schedule_refresh_all, schedule_visits
from activities.services import visit_record
from activities.tests.test_visit_entry import ENTRY, post_data
from children.models import CardColour, Child
from closing import services as closing
from core.tests.ledger_helpers import counts, import_bytes, xlsx

pytestmark = pytest.mark.django_db

D = datetime.date
WORLD_VISIT = D(2025, 1, 10)  # VisitFactory's date: the world's one visit per child


def recomputed(child) -> datetime.date | None:
    return schedule_visits().filter(child=child).order_by("-visited_on").values_list("visited_on", flat=True).first()


def stored(child) -> datetime.date | None:
    return Child.objects.values_list("last_visited_on", flat=True).get(pk=child.pk)


def admin_form(child, *, visited_on, **extra):
    return {
        "child": child.pk,
        "visited_on": visited_on.isoformat(),
        "mode": VisitMode.objects.get(name="入户走访").pk,
        "staff_visitors": "县妇联李某",
        "findings": "后台补录",
        "help_given": "",
        "goods_value": "0",
        "reassessed_colour": "",
        "notes": "",
        **extra,
    }


def mode():
    return VisitMode.objects.get(name="入户走访")


# --- the writers: each writes visits its own way, returns {child: expected last visit} -------


def phone_page(world, users, client, django_user_model):
    child = world["a"]["child"]
    client.force_login(users["town_a"])
    response = client.post(reverse(ENTRY), post_data(child, visitors=[world["a"]["mother"].pk]))
    assert response.status_code == 302
    return {child: timezone.localdate()}


def admin_add(world, users, client, django_user_model):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    response = client.post(reverse("admin:activities_visit_add"), admin_form(child, visited_on=D(2025, 3, 3)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return {child: D(2025, 3, 3)}


def admin_edit_moves_the_latest_back(world, users, client, django_user_model):
    child = world["a"]["child"]
    later = visit_record(child=child, visited_on=D(2025, 5, 1), mode=mode(), staff_visitors="县妇联李某")
    assert stored(child) == D(2025, 5, 1)
    client.force_login(users["admin"])
    data = admin_form(child, visited_on=D(2024, 12, 1), findings=later.findings)
    response = client.post(reverse("admin:activities_visit_change", args=[later.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return {child: WORLD_VISIT}


def admin_edit_moves_it_to_another_child(world, users, client, django_user_model):
    a, b = world["a"]["child"], world["b"]["child"]
    moved = visit_record(child=a, visited_on=D(2025, 6, 1), mode=mode(), staff_visitors="县妇联李某")
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:activities_visit_change", args=[moved.pk]), admin_form(b, visited_on=D(2025, 6, 1))
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    return {a: WORLD_VISIT, b: D(2025, 6, 1)}


def admin_delete(world, users, client, django_user_model):
    child = world["a"]["child"]
    root = django_user_model.objects.create_superuser("root_schedule", "root@example.com", "Correct-horse-9")
    client.force_login(root)
    response = client.post(reverse("admin:activities_visit_delete", args=[world["a"]["visit"].pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Visit.objects.filter(child=child).exists()
    return {child: None}


def ledger_import(world, users, client, django_user_model):
    a, b = world["a"]["child"], world["b"]["child"]
    header = ["儿童姓名", "身份证号码", "走访日期", "走访方式", "走访人", "走访内容"]
    rows = [
        [a.name, a.id_number, "2025-04-01", "入户走访", "县妇联李某", "台账补录"],
        [a.name, a.id_number, "2025-02-01", "电话", "县妇联李某", "台账补录"],
        [b.name, b.id_number, "2025-07-07", "入户走访", "县妇联李某", "台账补录"],
    ]
    assert counts(import_bytes("visits", xlsx([header, *rows]), users["admin"]))["new"] == 3
    return {a: D(2025, 4, 1), b: D(2025, 7, 7)}


def correction_in_a_closed_month(world, users, client, django_user_model):
    child = world["a"]["child"]
    closing.month_close(region=world["regions"]["county"], month=D(2025, 1, 1), by=users["admin"])
    visit_record(
        child=child,
        visited_on=D(2025, 1, 20),
        mode=mode(),
        staff_visitors="县妇联李某",
        correction_reason="漏录补记",
        by=users["admin"],
    )
    return {child: D(2025, 1, 20)}


WRITERS = [
    phone_page,
    admin_add,
    admin_edit_moves_the_latest_back,
    admin_edit_moves_it_to_another_child,
    admin_delete,
    ledger_import,
    correction_in_a_closed_month,
]


@pytest.mark.parametrize("writer", WRITERS, ids=[w.__name__ for w in WRITERS])
def test_the_stored_last_visit_equals_the_visits_after_every_kind_of_write(
    writer, world, users, client, django_user_model
):
    expected = writer(world, users, client, django_user_model)
    for child, day in expected.items():
        assert stored(child) == recomputed(child) == day, child.name
    assert schedule_drift() == (0, [])


def test_the_world_starts_with_its_visits_stored(world):
    assert stored(world["a"]["child"]) == WORLD_VISIT


def test_a_child_saved_from_a_stale_copy_keeps_the_visit_saved_meanwhile(world):
    child = Child.objects.get(pk=world["a"]["child"].pk)  # a form or import loaded it here
    visit_record(child=child, visited_on=D(2025, 8, 8), mode=mode(), staff_visitors="县妇联李某")
    child.notes = "改了备注"
    child.save()
    assert stored(child) == D(2025, 8, 8)
    assert Child.objects.get(pk=child.pk).notes == "改了备注"


def test_the_service_refuses_a_visit_dated_after_today(world):
    child = world["a"]["child"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        visit_record(child=child, visited_on=tomorrow, mode=mode(), staff_visitors="县妇联李某")
    assert "走访日期不能晚于今天" in " ".join(refused.value.messages)
    assert not Visit.objects.filter(visited_on=tomorrow).exists()
    assert stored(child) == WORLD_VISIT


# --- the drift check -------------------------------------------------------------------------


def test_the_check_reports_a_tampered_row_and_exits_non_zero(world, capsys):
    child, other = world["a"]["child"], world["b"]["child"]
    Child.objects.filter(pk=child.pk).update(last_visited_on=D(2024, 1, 1))
    Child.objects.filter(pk=other.pk).update(last_visited_on=None)
    with pytest.raises(CommandError) as failed:
        call_command("check_visit_schedule")
    out = capsys.readouterr().out
    assert "2 " in str(failed.value)
    assert f"{child.pk}" in out and "2024-01-01" in out and "2025-01-10" in out
    assert schedule_drift()[0] == 2


def test_the_check_fixes_with_fix_and_then_passes(world, capsys):
    child = world["a"]["child"]
    Child.objects.filter(pk=child.pk).update(last_visited_on=D(2030, 1, 1))
    call_command("check_visit_schedule", "--fix")
    assert stored(child) == WORLD_VISIT
    call_command("check_visit_schedule")  # no drift: no CommandError
    assert "一致" in capsys.readouterr().out


def test_refreshing_every_child_also_clears_a_child_without_visits(world):
    child = world["a"]["child"]
    world["a"]["visit"].visitors.clear()
    Visit.objects.filter(child=child).delete()  # below the service: the stored date is stale
    assert stored(child) == WORLD_VISIT
    assert schedule_refresh_all() == 1
    assert stored(child) is None


# --- the overdue list reads the stored column, through an index ---------------------------


def overdue_page_sql(client, user) -> str:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:children_child_changelist") + "?visit_status=overdue")
    assert response.status_code == 200
    pages = [q["sql"] for q in queries.captured_queries if re.match(r'\s*SELECT .* FROM "children_child"', q["sql"])]
    assert pages, "the changelist read no children"
    return pages[-1]


def test_the_overdue_list_does_not_look_at_each_childs_visits(client, users, world):
    sql = overdue_page_sql(client, users["admin"])
    assert "activities_visit" not in sql
    assert "last_visited_on" in sql


def test_the_overdue_count_does_not_look_at_each_childs_visits(world):
    with CaptureQueriesContext(connection) as queries:
        Child.objects.overdue().count()
    assert not [q for q in queries.captured_queries if "activities_visit" in q["sql"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's planner")
@pytest.mark.parametrize("query", ["list", "count"])
def test_on_postgresql_the_overdue_filter_is_an_index_scan(query, users, world):
    # A test database is too small for the planner to choose an index over reading the table;
    # with sequential scans off it still picks one only if the condition can use it.
    overdue = Child.objects.for_user(users["admin"]).overdue()
    queryset = overdue.values("pk") if query == "count" else overdue.order_by("card_colour", "-days_overdue")[:50]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # On a test database's few rows the planner may take either index that starts with status
    # (child_visit_schedule or child_status_colour); at scale the dates narrow the first.
    assert "Seq Scan on children_child" not in plan and "children_child" in plan, plan
    assert "child_visit_schedule" in plan or "child_status_colour" in plan, plan
    assert "activities_visit" not in plan, plan
    # Sargable: the bare column against a date per colour, never a date computed from it.
    where = sql.split(" WHERE ", 1)[1].split(" ORDER BY ", 1)[0]
    assert len(re.findall(r'"last_visited_on" <= %s', where)) == len(CardColour.values), where
    assert not re.search(r'"last_visited_on" \+', where), where
