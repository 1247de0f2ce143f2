"""The 待办 page, the township's landing on it after login, its sidebar link and the county's panel."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.tests.factories import VisitFactory
from casework import services as casework
from casework.models import ActorKind, Department
from children.models import ChildCategory
from children.tests.factories import ChildFactory, make_id_number
from closing import services as closing
from core.tests.test_no_english import english_in
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from regions.tests.factories import staff_user
from safeguarding.services import report_file
from volunteers.tests.factories import VolunteerFactory

TODO = reverse("todo:index")
INDEX = reverse("admin:index")
LOGIN = reverse("admin:login")
PASSWORD = "Correct-horse-9"


def ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def first_of_last_month():
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def fill(world, users, n=1, village="village_a1"):
    """``n`` rows for every list of township A (or of B's ``village``)."""
    regions = world["regions"]
    town = "town_a" if village.startswith("village_a") else "town_b"
    soon = timezone.localdate() + datetime.timedelta(days=40)
    for i in range(n):
        child = ChildFactory(name=f"待访{village[-2:]}{i}", region=regions[village])  # never visited
        mother = VolunteerFactory(name=f"妈妈{village[-2:]}{i}", region=regions[town])
        pairing = PairingFactory(child=child, started_on=ago(100))
        PairingMemberFactory(pairing=pairing, volunteer=mother, joined_on=ago(100))
        need = casework.need_add(
            child=child,
            kind="living",
            description="冬衣不足",
            actor_kind=ActorKind.MOTHER,
            volunteer=mother,
            found_on=ago(30),
            due_on=ago(2),
        )
        casework.referral_create(
            need=need, department=Department.objects.get(name="民政"), referred_on=ago(10), request="申请临时救助"
        )
        ChildFactory(
            name=f"到龄{village[-2:]}{i}",
            region=regions[village],
            category=ChildCategory.objects.get(name="困境儿童"),
            id_number=make_id_number(regions[village].code, soon.replace(year=soon.year - 18, day=1)),
        )


@pytest.fixture
def returned_month(world, users):
    month = first_of_last_month()
    closing.month_submit(region=world["regions"]["town_a"], month=month, by=users["town_a"])
    return closing.month_return(
        region=world["regions"]["town_a"], month=month, by=users["admin"], reason="走访记录不全"
    )


def page(client, user):
    client.force_login(user)
    response = client.get(TODO)
    assert response.status_code == 200
    return response, response.content.decode()


# -- the page --------------------------------------------------------------------------------------


def test_township_staff_see_every_list_of_their_own_township_with_a_record_visit_button(
    client, world, users, returned_month
):
    fill(world, users)
    fill(world, users, village="village_b1")
    response, html = page(client, users["town_a"])
    for heading in [
        "7天内到期和逾期未走访",
        "已过期限的需求",
        "等待部门回复的转介",
        "30天未联系儿童的爱心妈妈",
        "60天内到龄",
    ]:
        assert heading in html
    assert "县（区）退回的月份" in html and "走访记录不全" in html
    assert "待访a10" in html and "妈妈a10" in html and "到龄a10" in html
    assert "待访b10" not in html and "妈妈b10" not in html and "到龄b10" not in html and "乙童" not in html
    sections = {s.key: s for s in response.context["sections"]}
    assert {key: s.total for key, s in sections.items()} == {
        "visits": 3,  # 待访a10 and 到龄a10 (never visited), and the world's 甲童 (visited in January 2025)
        "needs": 1,
        "referrals": 1,
        "mothers": 2,  # 妈妈a10 (never visited) and 甲妈妈
        "age_limit": 1,
        "months": 1,
        "proposals": 0,
    }
    child = world["a"]["child"]
    assert f'href="{reverse("activities:visit_entry")}?child={child.pk}"' in html
    assert "登记走访" in html
    need = sections["needs"].rows[0]["obj"]
    assert f'href="{reverse("admin:casework_need_change", args=[need.pk])}"' in html
    referral = sections["referrals"].rows[0]["obj"]
    assert f'href="{reverse("admin:casework_referral_change", args=[referral.pk])}"' in html


def test_an_empty_list_says_none(client, world, users):
    _response, html = page(client, users["town_b"])
    assert html.count('class="todo-empty">无<') >= 4  # needs, referrals, age limit, months


def test_a_viewer_sees_the_lists_without_the_record_visit_button(client, world, users):
    _response, html = page(client, users["viewer"])
    assert "甲童" in html and "乙童" in html
    assert "登记走访" not in html and reverse("activities:visit_entry") not in html


def test_the_page_needs_a_login(client, db):
    response = client.get(TODO)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_the_page_has_no_english_full_or_empty(client, world, users, returned_month):
    fill(world, users, 51)  # every list, and "the first 50 of …"
    for user in (users["town_a"], users["town_b"]):  # B's lists are mostly empty: 无
        _response, html = page(client, user)
        assert english_in(html) == []


def test_the_query_count_does_not_grow_with_the_rows(client, world, users):
    def queries():
        client.force_login(users["town_a"])
        client.get(TODO)  # the session's once-a-minute renewal
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(TODO).status_code == 200
        return len(ctx)

    fill(world, users, 2)
    few = queries()
    fill(world, users, 60)  # more than a list shows
    assert queries() == few
    # session, user, profile and region, permissions (2), visit intervals, seven lists
    assert few <= 13


def test_a_long_list_shows_its_first_50_and_says_how_many_there_are(client, world, users):
    fill(world, users, 51)
    response, html = page(client, users["town_a"])
    visits = response.context["sections"][0]
    assert len(visits.rows) == 50 and visits.total == 103  # 51 × 2 and 甲童
    assert "共 103 条，显示前 50 条。" in html


# -- the landing after login -----------------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"next": INDEX}])
def test_township_staff_land_on_the_todo_page_after_login(client, users, data):
    response = client.post(LOGIN, {"username": "town_a", "password": PASSWORD, **data})
    assert response.status_code == 302 and response["Location"] == TODO


def test_a_link_to_another_page_is_followed_as_it_is(client, users):
    wanted = reverse("admin:children_child_changelist")
    response = client.post(LOGIN, {"username": "town_a", "password": PASSWORD, "next": wanted})
    assert response["Location"] == wanted


@pytest.mark.parametrize("username", ["county_admin", "viewer", "town_viewer"])
def test_everyone_else_lands_on_the_dashboard(client, users, regions, username):
    staff_user("town_viewer", regions["town_a"], "viewer")
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == INDEX


def test_a_failed_login_stays_on_the_login_page(client, users):
    response = client.post(LOGIN, {"username": "town_a", "password": "wrong-horse-9"})
    assert response.status_code == 200


# -- the sidebar link ------------------------------------------------------------------------------


def test_township_staff_have_a_todo_link_with_the_count_in_the_sidebar(client, world, users):
    fill(world, users)
    client.force_login(users["town_a"])
    html = client.get(reverse("admin:children_child_changelist")).content.decode()
    assert 'id="nav-todo"' in html and f'href="{TODO}"' in html
    assert 'id="nav-todo-count">8<' in html  # 3 + 1 + 1 + 2 + 1 + 0
    client.force_login(users["admin"])
    assert 'id="nav-todo"' not in client.get(reverse("admin:children_child_changelist")).content.decode()


def test_the_sidebar_count_follows_the_page_which_counts_afresh(client, world, users):
    client.force_login(users["town_a"])
    client.get(INDEX)
    fill(world, users)  # the badge is kept for a minute…
    assert 'id="nav-todo-count">2<' in client.get(INDEX).content.decode()
    client.get(TODO)  # …but the page counts now and tells the badge
    assert 'id="nav-todo-count">8<' in client.get(INDEX).content.decode()


# -- the county's panel ----------------------------------------------------------------------------


def test_the_county_admin_has_a_todo_panel_on_the_dashboard(client, world, users):
    fill(world, users, 2)
    fill(world, users, 1, village="village_b1")
    month = first_of_last_month()
    closing.month_submit(region=world["regions"]["town_a"], month=month, by=users["town_a"])
    closing.month_submit(region=world["regions"]["town_b"], month=month, by=users["town_b"])
    closing.month_return(region=world["regions"]["town_b"], month=month, by=users["admin"], reason="数字不符")
    VisitFactory(child=world["b"]["child"], visited_on=timezone.localdate())  # 乙童 is not overdue any more
    report_file(
        child=world["a"]["child"],
        kind="neglect",
        observed="孩子独自在家",
        observed_at=timezone.now(),
        by=users["town_a"],
    )
    client.force_login(users["admin"])
    response = client.get(INDEX)
    panel = response.context["todo_panel"]
    assert [(row.name, row.overdue) for row, _url in panel["overdue"]] == [("圪洞镇", 5), ("大武镇", 2)]
    assert panel["overdue_total"] == 7
    assert panel["months_total"] == 1 and panel["months"][0]["close"].region.name == "圪洞镇"
    assert panel["safeguard_open"] == 1
    html = response.content.decode()
    assert 'id="dash-todo"' in html and "待审核的月份" in html and "未办结的强制报告" in html
    assert english_in(html) == []


def test_township_staff_and_viewers_have_no_county_panel(client, world, users):
    for user in (users["town_a"], users["viewer"]):
        client.force_login(user)
        response = client.get(INDEX)
        assert response.context["todo_panel"] is None
        assert 'id="dash-todo"' not in response.content.decode()
