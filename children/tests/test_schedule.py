"""Next-due dates by card colour, the visit policy, and the 走访状态 / 未结对 filters."""

import datetime

import pytest
from django.urls import reverse

from activities.tests.factories import VisitFactory
from children.models import Child, VisitPolicy
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from volunteers.tests.factories import VolunteerFactory

D = datetime.date
TODAY = D(2025, 6, 30)


def visited(regions, colour, day, **kwargs):
    child = ChildFactory(region=regions["village_a1"], card_colour=colour, **kwargs)
    if day is not None:
        VisitFactory(child=child, visited_on=day)
    return child


@pytest.mark.parametrize(("colour", "interval"), [("red", 14), ("yellow", 30), ("green", 90)])
def test_next_due_is_last_contact_plus_the_colour_interval(regions, colour, interval):
    child = visited(regions, colour, D(2025, 6, 1))
    VisitFactory(child=child, visited_on=D(2025, 5, 1))
    row = Child.objects.with_visit_schedule(today=TODAY).get(pk=child.pk)
    assert row.last_contact == D(2025, 6, 1)
    assert row.next_due == D(2025, 6, 1) + datetime.timedelta(days=interval)
    assert row.days_overdue == (TODAY - row.next_due).days


def test_never_visited_is_due_today_and_overdue(regions):
    child = visited(regions, "green", None)
    row = Child.objects.with_visit_schedule(today=TODAY).get(pk=child.pk)
    assert (row.next_due, row.days_overdue) == (TODAY, 0)
    assert Child.objects.overdue(today=TODAY).filter(pk=child.pk).exists()


def test_a_policy_change_moves_the_next_due_date(regions):
    child = visited(regions, "yellow", D(2025, 6, 1))
    VisitPolicy.objects.filter(card_colour="yellow").update(interval_days=10)
    row = Child.objects.with_visit_schedule(today=TODAY).get(pk=child.pk)
    assert row.next_due == D(2025, 6, 11)
    assert Child.objects.overdue(today=TODAY).filter(pk=child.pk).exists()


def test_visits_after_the_day_do_not_count(regions):
    child = visited(regions, "red", D(2025, 5, 1))
    VisitFactory(child=child, visited_on=D(2025, 7, 15))
    row = Child.objects.with_visit_schedule(today=TODAY).get(pk=child.pk)
    assert row.last_contact == D(2025, 5, 1)


@pytest.fixture
def schedule(regions):
    today = datetime.date.today()
    day = datetime.timedelta(days=1)
    return {
        "overdue_red": visited(regions, "red", today - 20 * day),
        "overdue_green": visited(regions, "green", today - 100 * day),
        "never": visited(regions, "yellow", None),
        "soon": visited(regions, "yellow", today - 25 * day),
        "due_today": visited(regions, "red", today - 14 * day),
        "ok": visited(regions, "green", today - 10 * day),
        "exited": visited(regions, "red", today - 60 * day, status="exited", exit_reason="moved"),
        "other_town": ChildFactory(region=regions["village_b1"], card_colour="red"),
    }


def changelist_names(client, query):
    response = client.get(reverse("admin:children_child_changelist") + query)
    assert response.status_code == 200
    return [c.name for c in response.context["cl"].result_list]


def test_the_visit_status_filter_counts(client, users, schedule):
    client.force_login(users["town_a"])
    overdue = changelist_names(client, "?visit_status=overdue")
    assert set(overdue) == {schedule[k].name for k in ["overdue_red", "overdue_green", "never"]}
    assert overdue[0] == schedule["overdue_red"].name  # red first
    soon = changelist_names(client, "?visit_status=due_soon")
    assert set(soon) == {schedule["soon"].name, schedule["due_today"].name}
    assert changelist_names(client, "?visit_status=ok") == [schedule["ok"].name]


def test_the_unpaired_filter_lists_active_children_without_an_open_pairing(client, users, schedule, regions):
    paired = schedule["ok"]
    PairingMemberFactory(pairing=PairingFactory(child=paired), volunteer=VolunteerFactory(region=regions["town_a"]))
    client.force_login(users["town_a"])
    unpaired = set(changelist_names(client, "?pairing=unpaired"))
    assert unpaired == {c.name for k, c in schedule.items() if k not in {"ok", "exited", "other_town"}}
    assert changelist_names(client, "?pairing=paired") == [paired.name]


def test_days_overdue_is_a_sortable_column(client, users, schedule):
    client.force_login(users["admin"])
    response = client.get(reverse("admin:children_child_changelist"))
    columns = response.context["cl"].list_display
    index = columns.index("overdue_display")
    names = changelist_names(client, f"?visit_status=overdue&o=-{index}")
    assert names[0] == schedule["overdue_green"].name  # 10 days overdue beats red's 6


def test_federation_admins_may_edit_the_visit_policy_and_township_staff_may_not(client, users):
    policy = VisitPolicy.objects.get(card_colour="red")
    url = reverse("admin:children_visitpolicy_change", args=[policy.pk])
    client.force_login(users["town_a"])
    assert client.post(url, {"card_colour": "red", "interval_days": 7}).status_code == 403
    client.force_login(users["admin"])
    response = client.post(url, {"card_colour": "red", "interval_days": 7})
    assert response.status_code == 302
    assert VisitPolicy.intervals()["red"] == 7
