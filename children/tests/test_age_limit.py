"""Issue 13, item 17: 到龄 — children past 18 (农村留守儿童: 16) are listed, never exited by themselves."""

import calendar
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from children.filters import AgeLimitFilter
from children.models import AGE_LIMIT, AGE_LIMITS_BY_CATEGORY, Child, ChildCategory
from children.tests.factories import ChildFactory, make_id_number

D = datetime.date
CHANGELIST = reverse("admin:children_child_changelist")


def born(regions, day, category="困境儿童", *, village="village_a1", **kwargs):
    village = regions[village]
    return ChildFactory(
        region=village,
        id_number=make_id_number(village.code, day),
        category=ChildCategory.objects.get(name=category),
        **kwargs,
    )


def month_shift(day, months, *, years=0, last=False):
    index = (day.year - years) * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return D(year, month, calendar.monthrange(year, month)[1] if last else 1)


def names(queryset):
    return set(queryset.values_list("name", flat=True))


def test_the_limits_are_in_one_place():
    assert AGE_LIMIT == 18 and AGE_LIMITS_BY_CATEGORY == {"留守": 16}


def test_a_child_reaches_the_limit_in_the_month_of_the_birthday_18_or_16_for_a_left_behind_child(regions):
    on = D(2025, 6, 15)
    born(regions, D(2007, 6, 30), name="六月满18")  # turns 18 on 30 June: counted from 1 June
    born(regions, D(2007, 5, 31), name="五月满18")
    born(regions, D(2007, 7, 1), name="七月满18")
    born(regions, D(2009, 1, 1), name="困境16岁")  # 16, but the 16 limit is the left-behind children's
    born(regions, D(2009, 6, 1), "农村留守儿童", name="留守六月满16")
    born(regions, D(2009, 8, 1), "农村留守儿童", name="留守八月满16")
    born(regions, D(2009, 9, 1), "农村留守儿童", name="留守九月满16")
    born(regions, D(2010, 1, 1), "农村留守儿童", name="留守15岁")
    assert names(Child.objects.past_age_limit(on=on)) == {"六月满18", "五月满18", "留守六月满16"}
    # 60 days after 15 June is 14 August: those reaching the limit in July or August.
    assert names(Child.objects.reaching_age_limit(within_days=60, on=on)) == {"七月满18", "留守八月满16"}


def test_the_list_changes_only_when_the_month_does_so_it_dates_no_birthday(regions):
    """A masked role sees the birth year only (core.idnumber.mask_id_number); a list that
    changed on the birthday would give the birth date away. Counted by month it gives the month."""
    for day in range(1, 31):
        born(regions, D(2007, 6, day), name=f"六月{day}日")
        born(regions, D(2009, 8, day), "农村留守儿童", name=f"留守八月{day}日")
    june = {frozenset(names(Child.objects.past_age_limit(on=D(2025, 6, day)))) for day in range(1, 31)}
    assert june == {frozenset(names(Child.objects.filter(name__startswith="六月")))}
    assert not Child.objects.past_age_limit(on=D(2025, 5, 31)).exists()
    # 60 days ahead reaches into August from 2 June on: a whole birth month joins at once.
    august = frozenset(names(Child.objects.filter(name__startswith="留守八月")))
    soon = {frozenset(names(Child.objects.reaching_age_limit(on=D(2025, 6, day)))) for day in range(1, 31)}
    assert soon == {frozenset(), august}


def test_the_leap_day_birthday_reaches_the_limit_in_february(regions):
    born(regions, D(2008, 2, 29), name="闰日")
    assert names(Child.objects.past_age_limit(on=D(2026, 2, 1))) == {"闰日"}
    assert not Child.objects.past_age_limit(on=D(2026, 1, 31)).exists()


@pytest.fixture
def ages(regions):
    """Relative to today: who is past the limit, who reaches it within 60 days, who neither."""
    today = timezone.localdate()
    soon_month = today + datetime.timedelta(days=60)
    born(regions, month_shift(today, 0, years=18, last=True), name="本月满18")
    born(regions, month_shift(today, -3, years=16), "农村留守儿童", name="留守已满16")
    born(regions, D(soon_month.year - 18, soon_month.month, 1), name="即将满18")
    born(regions, month_shift(today, 4, years=18), name="四个月后满18")
    born(regions, month_shift(today, -3, years=16), name="困境16岁")
    born(
        regions,
        month_shift(today, -6, years=18),
        name="已退出",
        status="exited",
        exit_reason="aged_out",
        exited_on=today,
    )
    born(regions, month_shift(today, -6, years=18), name="乙镇满18", village="village_b1")
    return today


def listed(client, user, value):
    client.force_login(user)
    response = client.get(CHANGELIST, {AgeLimitFilter.parameter_name: value})
    assert response.status_code == 200
    return {child.name for child in response.context["cl"].result_list}


def test_the_age_limit_filter_lists_children_on_the_books_past_or_soon_past_the_limit(client, users, ages):
    assert listed(client, users["admin"], "past") == {"本月满18", "留守已满16", "乙镇满18"}
    assert listed(client, users["admin"], "soon") == {"即将满18"}
    # The township sees its own only; nothing exits by itself.
    assert listed(client, users["town_a"], "past") == {"本月满18", "留守已满16"}
    assert Child.objects.filter(status="active").count() == 6
    html = client.get(CHANGELIST).content.decode()
    assert "到龄" in html and "已到龄" in html and "60天内到龄" in html


def test_the_age_limit_filter_query_count_stays_flat(client, users, ages, regions):
    client.force_login(users["admin"])
    client.get(CHANGELIST)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CHANGELIST, {"age_limit": "past"}).status_code == 200
        return len(ctx)

    few = queries()
    for n in range(15):
        born(regions, month_shift(ages, -n, years=18), name=f"又一个满18的{n}")
    assert queries() == few


def test_the_dashboard_counts_them_and_links_to_the_filter(client, users, ages):
    client.force_login(users["admin"])
    html = client.get(reverse("admin:index")).content.decode()
    card = re.search(r'<a class="dash-card[^"]*" id="dash-age-limit" href="([^"]+)">(.*?)</a>', html, re.S)
    assert card is not None
    assert re.search(r"<strong>3</strong>", card[2]) and "另有 1 名60天内到龄" in card[2]
    assert {c.name for c in client.get(card[1].replace("&amp;", "&")).context["cl"].result_list} == {
        "本月满18",
        "留守已满16",
        "乙镇满18",
    }
    client.force_login(users["town_a"])
    town = client.get(reverse("admin:index")).context["dashboard_age_limit"]
    assert town == {"past": 2, "soon": 1}
