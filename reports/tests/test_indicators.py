import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.tests.factories import ActivityFactory, VisitFactory
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from reports.indicators import compute, parse_month
from volunteers.tests.factories import VolunteerFactory

D = datetime.date
JAN, FEB = D(2025, 1, 1), D(2025, 2, 1)


def test_the_county_figures_for_january(casebook, users):
    f = compute(month=JAN, user=users["admin"])
    assert f.as_of == D(2025, 1, 31)
    # Mothers: 甲/乙妈妈, m1, m2 serve; one left in 2024, one joins in March.
    assert f.mothers_total == 4
    assert dict(f.mothers_by_sector) == {"教师": 3, "律师": 1}
    assert f.teams == 3
    # Children on the books: 甲童, 乙童, 红童, 黄童, the February leaver, 丙童.
    assert f.children_total == 6
    assert dict(f.children_by_category) == {"农村留守儿童": 6}
    assert f.children_by_colour == {"red": 2, "yellow": 1, "green": 3}
    # Paired then: 甲童, 乙童 (1:1), 黄童 (2 mothers), the leaver (1 mother left on 01-20).
    assert (f.paired, f.unpaired, f.one_to_one, f.many_to_one) == (4, 2, 3, 1)
    assert f.paired_pct == 66.7
    assert (f.visits, f.children_visited, f.visit_goods) == (3, 3, Decimal("50"))
    # Overdue on 01-31: 红童 never visited, 黄童 (due 12-31). 丙童 is green, due in March.
    assert f.overdue == 2
    assert f.overdue_by_colour == {"red": 1, "yellow": 1, "green": 0}
    assert (f.activities.month, f.activities.ytd) == (3, 3)
    assert (f.person_times.month, f.person_times.ytd) == (45, 45)
    assert f.activity_goods.month == Decimal("300")
    assert (f.trainings.month, f.trainings.ytd) == (1, 1)
    assert (f.training_attendance.month, f.training_attendance.ytd) == (3, 3)


def test_february_counts_the_year_so_far(casebook, users):
    f = compute(month=FEB, user=users["admin"])
    assert f.children_total == 5  # the leaver exited on 02-10
    assert (f.activities.month, f.activities.ytd) == (1, 4)
    assert (f.person_times.month, f.person_times.ytd) == (7, 52)
    assert (f.activity_goods.month, f.activity_goods.ytd) == (Decimal("100"), Decimal("400"))
    assert (f.trainings.month, f.trainings.ytd) == (1, 2)
    assert (f.training_attendance.month, f.training_attendance.ytd) == (1, 4)


def test_the_township_table_flags_townships_without_activity(casebook, users):
    rows = {r.name: r for r in compute(month=JAN, user=users["admin"]).townships}
    assert set(rows) == {"圪洞镇", "大武镇", "马坊镇"}
    a = rows["圪洞镇"]
    assert (a.children, a.paired, a.overdue, a.activities, a.no_activity) == (4, 3, 2, 1, False)
    assert (rows["大武镇"].activities, rows["大武镇"].paired_pct) == (2, 100.0)
    assert rows["马坊镇"].no_activity and rows["马坊镇"].paired_pct == 0.0


def test_a_township_user_only_counts_their_township(casebook, users):
    f = compute(month=JAN, user=users["town_b"])
    assert (f.children_total, f.paired, f.activities.month, f.mothers_total) == (1, 1, 2, 1)
    assert [r.name for r in f.townships] == ["大武镇"]


def test_a_user_without_a_region_counts_nothing(casebook, users):
    f = compute(month=JAN, user=users["nobody"])
    assert (f.children_total, f.mothers_total, f.activities.ytd, f.townships) == (0, 0, 0, [])


def test_a_region_scope_equals_the_user_scope(casebook, users):
    by_user = compute(month=JAN, user=users["town_a"])
    by_region = compute(month=JAN, region=casebook["regions"]["town_a"])
    assert by_user.summary_rows() == by_region.summary_rows()


def add_rows(regions, n):
    town, village = regions["town_a"], regions["village_a1"]
    mothers = [VolunteerFactory(region=town) for _ in range(n)]
    for i in range(n):
        child = ChildFactory(region=village, card_colour=["red", "yellow", "green"][i % 3])
        pairing = PairingFactory(child=child)
        PairingMemberFactory(pairing=pairing, volunteer=mothers[i])
        VisitFactory(child=child, visited_on=D(2025, 1, 1 + i % 28))
        ActivityFactory(region=town)


def test_the_number_of_queries_does_not_grow_with_the_data(casebook, users):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            compute(month=JAN, user=users["admin"])
        return len(ctx)

    few = queries()
    add_rows(casebook["regions"], 30)
    assert queries() == few
    assert few <= 12


@pytest.mark.parametrize("text", ["2025-13", "25-01", "January", "2025/01"])
def test_a_bad_month_is_a_clear_error(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)


def test_a_month_parses_to_its_first_day():
    assert parse_month("2025-1") == JAN
    assert parse_month(None, default=D(2025, 2, 17)) == FEB


@pytest.mark.parametrize(("colour", "interval"), [("red", 14), ("yellow", 30), ("green", 90)])
def test_a_child_due_today_is_not_overdue_on_the_dashboard(regions, users, colour, interval):
    """Issue 11, item 15 (b): the boundary is the next-due date itself, as in the child list."""
    today = D(2025, 6, 30)
    for name, days_ago in [("今天到期", interval), ("昨天到期", interval + 1), ("明天到期", interval - 1)]:
        child = ChildFactory(name=name, card_colour=colour, region=regions["village_a1"])
        VisitFactory(child=child, visited_on=today - datetime.timedelta(days=days_ago))
    f = compute(month=today.replace(day=1), user=users["admin"], today=today)
    assert f.overdue == 1
    assert f.overdue_by_colour[colour] == 1
    from children.models import Child

    assert list(Child.objects.overdue(today=today).values_list("name", flat=True)) == ["昨天到期"]
