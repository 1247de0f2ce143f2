"""A month's figures and ledger are as things stood on its last day (按月末口径).

January 2025 is long past (the tests run later): what is entered today, undated or dated today,
must leave it exactly as it was; only a row dated inside January changes January.
"""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from activities.models import VisitMode
from activities.services import visit_record
from children.models import CardChange, Child, ChildCategory
from children.services import child_change_colour, child_exit
from children.tests.factories import ChildFactory, make_id_number
from pairing.services import pairing_create, pairing_end
from reports.indicators import compute
from reports.ledger import write_ledger
from volunteers.tests.factories import VolunteerFactory, VolunteerTeamFactory

D = datetime.date
JAN, FEB, APR = D(2025, 1, 1), D(2025, 2, 1), D(2025, 4, 1)


def figures(user, month=JAN):
    f = compute(month=month, user=user)
    return f.summary_rows(), [vars(row) for row in f.townships]


def ledger(user, month=JAN) -> dict[str, list[tuple]]:
    """Every cell of every sheet, as a person opening the file reads it."""
    out = io.BytesIO()
    write_ledger(out, month=month, user=user, mask_for=user)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def snapshot(user):
    return figures(user), ledger(user)


def table(book, sheet) -> list[dict]:
    """The data rows of a sheet as {header: value}, below its header row (the one starting 序号)."""
    rows = book[sheet]
    start = next(i for i, row in enumerate(rows) if row and row[0] == "序号")
    header = rows[start]
    return [dict(zip(header, row, strict=True)) for row in rows[start + 1 :] if isinstance(row[0], int)]


def colours_in(book, sheet="基础台账") -> dict[str, str]:
    """{child's name: 三色卡} on a sheet listing children."""
    name = "姓名" if sheet == "基础台账" else "儿童姓名"
    return {row[name]: row["三色卡"] for row in table(book, sheet)}


def new_child(village, name="今天纳入") -> Child:
    """Registered today the ordinary way: no 纳入日期 given."""
    return Child.objects.create(
        name=name,
        id_number=make_id_number(),
        category=ChildCategory.objects.get(name="农村留守儿童"),
        region=village,
    )


def test_it_leaves_a_past_month_as_it_was_whatever_is_entered_today(casebook, users):
    admin, r, today = users["admin"], casebook["regions"], timezone.localdate()
    before = snapshot(admin)
    mode = VisitMode.objects.first()
    # A child registered today, paired and visited today.
    child = new_child(r["village_a1"])
    mother = VolunteerFactory(region=r["town_a"], joined_on=None)  # a mother registered today
    VolunteerFactory(region=r["town_b"], joined_on=today)
    VolunteerTeamFactory(region=r["town_a"], founded_on=None)  # a team registered today
    pairing_create(child=child, volunteers=[mother], started_on=today, by=admin)
    visit_record(child=child, visited_on=today, mode=mode, by=admin)
    # 黄童's colour changes today: January stays yellow, and overdue by the yellow interval.
    yellow = Child.objects.get(name="黄童")
    child_change_colour(child=yellow, to_colour="green", effective_on=today, reason="复评", by=admin)
    # A visit today, with a reassessment, for the never-visited red child.
    red = Child.objects.get(name="红童")
    visit_record(child=red, visited_on=today, mode=mode, reassessed_colour="yellow", by=admin)
    # 甲童's pairing ends today; 乙童 leaves the programme today.
    pairing_end(pairing=casebook["a"]["pairing"], reason="resolved", on=today, by=admin)
    child_exit(child=casebook["b"]["child"], reason="moved", on=today, by=admin)
    after = snapshot(admin)
    assert after[0] == before[0]
    assert after[1].keys() == before[1].keys()
    for sheet in before[1]:
        assert after[1][sheet] == before[1][sheet], sheet
    # The same changes show in the running month.
    now = compute(month=today, user=admin)
    assert now.children_total == compute(month=JAN, user=admin).children_total - 2 + 1  # two exits, one new


def test_a_visit_dated_in_the_month_changes_it_while_the_month_is_open(casebook, users):
    admin = users["admin"]
    before = compute(month=JAN, user=admin)
    red = Child.objects.get(name="红童")
    visit_record(child=red, visited_on=D(2025, 1, 20), mode=VisitMode.objects.first(), by=admin)
    after = compute(month=JAN, user=admin)
    assert (after.visits, after.children_visited) == (before.visits + 1, before.children_visited + 1)
    # Red, visited 01-20: next due 02-03, so no longer overdue at the month's end.
    assert (after.overdue, after.overdue_by_colour["red"]) == (before.overdue - 1, before.overdue_by_colour["red"] - 1)
    row = next(row for row in table(ledger(admin), "结对帮扶关爱台账") if row["儿童姓名"] == "红童")
    assert row["本月走访次数"] == 1 and row["本月走访记录"].startswith("1月20日")


def test_a_child_entered_after_the_month_is_not_counted_in_it(casebook, users):
    admin, r = users["admin"], casebook["regions"]
    jan, feb = compute(month=JAN, user=admin), compute(month=FEB, user=admin)
    ChildFactory(region=r["village_a1"], name="二月纳入", entered_on=D(2025, 2, 1))
    assert compute(month=JAN, user=admin).children_total == jan.children_total
    assert compute(month=FEB, user=admin).children_total == feb.children_total + 1
    assert "二月纳入" not in colours_in(ledger(admin))
    assert "二月纳入" in colours_in(ledger(admin, month=FEB))


def test_a_child_registered_today_is_entered_today(casebook):
    child = new_child(casebook["regions"]["village_a1"])
    assert child.entered_on == timezone.localdate()


def test_two_downloads_of_a_past_month_give_the_same_colours(casebook, users):
    admin, r = users["admin"], casebook["regions"]
    child = ChildFactory(region=r["village_a1"], name="变色童", card_colour="green")
    CardChange.objects.create(child=child, to_colour="green", effective_on=D(2024, 6, 1), reason="建档评估")
    first = ledger(admin)
    child_change_colour(child=child, to_colour="red", effective_on=D(2025, 3, 1), reason="复评", by=admin)
    child_change_colour(child=child, to_colour="yellow", effective_on=timezone.localdate(), reason="复评", by=admin)
    second = ledger(admin)
    assert colours_in(first) == colours_in(second)
    assert colours_in(second)["变色童"] == "绿"
    assert colours_in(second, "结对帮扶关爱台账")["变色童"] == "绿"
    assert colours_in(ledger(admin, month=APR))["变色童"] == "红"


@pytest.mark.parametrize(
    ("changes", "january"),
    [
        ([], "yellow"),  # no history: the current colour, the only one known
        ([("", "red", D(2024, 12, 1))], "red"),  # a first colour, effective before the month
        ([("", "red", D(2025, 3, 1))], "red"),  # a first colour recorded later stands for the time before
        ([("green", "red", D(2025, 3, 1))], "green"),  # before the first change, the colour it started from
        ([("", "green", D(2024, 6, 1)), ("green", "red", D(2025, 1, 31))], "red"),  # effective on the last day
        ([("", "green", D(2024, 6, 1)), ("green", "red", D(2025, 2, 1))], "green"),
    ],
)
def test_the_colour_at_the_months_end_comes_from_the_card_history(casebook, users, changes, january):
    before = compute(month=JAN, user=users["admin"]).children_by_colour
    child = ChildFactory(region=casebook["regions"]["village_a1"], name="史童", card_colour="yellow")
    for from_colour, to_colour, on in changes:
        CardChange.objects.create(
            child=child, from_colour=from_colour, to_colour=to_colour, effective_on=on, reason="复评"
        )
    assert Child.objects.with_colour_on(D(2025, 1, 31)).get(pk=child.pk).colour_on == january
    after = compute(month=JAN, user=users["admin"]).children_by_colour
    assert after == {**before, january: before[january] + 1}
    assert colours_in(ledger(users["admin"]))["史童"] == {"red": "红", "yellow": "黄", "green": "绿"}[january]


def test_overdue_uses_the_colour_and_contacts_at_the_months_end(casebook, users):
    """黄童, last visited 2024-12-01, was yellow (30 days) in January: overdue then, though green
    (90 days) since February would make it due only in March."""
    admin = users["admin"]
    yellow = Child.objects.get(name="黄童")
    child_change_colour(child=yellow, to_colour="green", effective_on=D(2025, 2, 1), reason="复评", by=admin)
    jan = compute(month=JAN, user=admin)
    assert (jan.overdue_by_colour["yellow"], jan.children_by_colour["yellow"]) == (1, 1)
    feb = compute(month=FEB, user=admin)
    assert feb.children_by_colour["yellow"] == 0
    row = next(row for row in table(ledger(admin), "基础台账") if row["姓名"] == "黄童")
    assert row["三色卡"] == "黄"
    assert row["下次走访"].date() == D(2024, 12, 31)
