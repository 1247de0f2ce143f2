"""A mother's work on the mothers' list (issue 15, item 8): open pairings, contacts this year,
last contact, trainings attended, and the 30天未联系 filter shared with 待办."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.tests.factories import VisitFactory
from children.tests.factories import ChildFactory
from pairing.models import PairingMember
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from todo import lists
from volunteers.models import Training, Volunteer
from volunteers.tests.factories import VolunteerFactory

D = datetime.date
TODAY = D(2025, 6, 3)
LONG_AGO = D(2024, 6, 1)
MARCH = D(2025, 3, 1)


def pair(mother, village, *, joined=LONG_AGO, ended=None, name=None):
    child = ChildFactory(region=village, **({"name": name} if name else {}))
    pairing = PairingFactory(child=child, started_on=joined, ended_on=ended)
    PairingMemberFactory(pairing=pairing, volunteer=mother, joined_on=joined)
    return child


def visit(child, mother, on):
    v = VisitFactory(child=child, visited_on=on)
    v.visitors.add(mother)
    return v


def training(mother, region, on=MARCH, hours=2):
    t = Training.objects.create(title=f"培训{on}", held_on=on, region=region, hours=hours)
    t.attendees.add(mother)
    return t


@pytest.fixture
def mother(regions):
    m = VolunteerFactory(region=regions["town_a"], name="许秀英")
    a1 = pair(m, regions["village_a1"])
    a2 = pair(m, regions["village_a1"])
    pair(m, regions["village_a1"], ended=D(2025, 1, 1))  # ended: not open
    visit(a1, m, D(2024, 12, 31))  # last year
    visit(a1, m, D(2025, 1, 1))
    visit(a2, m, D(2025, 5, 20))
    visit(a2, m, D(2025, 6, 10))  # after "today": not yet
    VisitFactory(child=a2, visited_on=D(2025, 6, 1))  # staff only: not hers
    training(m, regions["county"])  # a county training counts for her too
    training(m, regions["town_a"], D(2024, 9, 1))
    return m


def work(user, pk, today=TODAY):
    return Volunteer.objects.for_user(user).with_work(user=user, today=today).get(pk=pk)


def test_it_counts_open_pairings_contacts_this_year_last_contact_and_trainings(mother, users):
    row = work(users["admin"], mother.pk)
    assert row.open_pairings == 2
    assert row.contacts_this_year == 2
    assert row.last_contact == D(2025, 5, 20)
    assert row.trainings_attended == 2


def test_a_mother_with_nothing_shows_zeros(regions, users):
    row = work(users["admin"], VolunteerFactory(region=regions["town_a"]).pk)
    assert (row.open_pairings, row.contacts_this_year, row.last_contact, row.trainings_attended) == (0, 0, None, 0)


def test_the_childrens_rows_count_only_inside_the_users_scope(mother, regions, users):
    """Her pairing and visit with a child of township B are B's rows: township A does not count them."""
    elsewhere = pair(mother, regions["village_b1"])
    visit(elsewhere, mother, D(2025, 6, 2))
    assert work(users["admin"], mother.pk).open_pairings == 3
    assert work(users["admin"], mother.pk).last_contact == D(2025, 6, 2)
    mine = work(users["town_a"], mother.pk)
    assert (mine.open_pairings, mine.contacts_this_year, mine.last_contact) == (2, 2, D(2025, 5, 20))


def test_the_30_days_filter_is_the_todo_lists_definition(regions, users, world):
    silent = VolunteerFactory(region=regions["town_a"], name="久未联系")
    visit(pair(silent, regions["village_a1"]), silent, TODAY - datetime.timedelta(days=31))
    recent = VolunteerFactory(region=regions["town_a"], name="常联系")
    visit(pair(recent, regions["village_a1"]), recent, TODAY - datetime.timedelta(days=29))
    unpaired = VolunteerFactory(region=regions["town_a"], name="未结对")
    user = users["town_a"]
    mothers = Volunteer.objects.for_user(user).without_contact(user=user, today=TODAY)
    filtered = set(mothers.values_list("pk", flat=True))
    todo = {m.volunteer_id for m in lists.mothers_without_contact(user, TODAY)}
    assert silent.pk in filtered and not filtered & {recent.pk, unpaired.pk}
    assert filtered == todo
    assert world["b"]["mother"].pk not in filtered


def test_the_mothers_list_shows_her_work_and_filters_30_days_without_contact(client, regions, users):
    today = timezone.localdate()
    silent = VolunteerFactory(region=regions["town_a"], name="久未联系")
    child = pair(silent, regions["village_a1"], joined=today - datetime.timedelta(days=200))
    visit(child, silent, today - datetime.timedelta(days=40))
    recent = VolunteerFactory(region=regions["town_a"], name="常联系")
    child = pair(recent, regions["village_a1"], joined=today - datetime.timedelta(days=200))
    visit(child, recent, today)
    training(recent, regions["town_a"], today)
    client.force_login(users["town_a"])
    url = reverse("admin:volunteers_volunteer_changelist")
    page = client.get(url)
    rows = {m.name: m for m in page.context["cl"].result_list}
    assert rows["常联系"].open_pairings == 1 and rows["常联系"].contacts_this_year == 1
    assert rows["常联系"].last_contact == today and rows["常联系"].trainings_attended == 1
    text = page.content.decode()
    for header in ["在结对数", "本年联系次数", "最近联系", "参加培训"]:
        assert header in text
    filtered = client.get(url, {"no_contact": "30"})
    assert {m.name for m in filtered.context["cl"].result_list} == {"久未联系"}
    assert "30天未联系" in filtered.content.decode()


def test_the_work_columns_are_not_sortable(client, users, world):
    """Sorted by a subquery, the page would compute it for every mother in scope first."""
    from django.contrib import admin

    model_admin = admin.site._registry[Volunteer]
    for name in ["open_pairings_display", "contacts_this_year_display", "last_contact_display", "trainings_display"]:
        assert not hasattr(getattr(model_admin, name), "admin_order_field")


def test_open_pairings_ignore_a_mother_who_left(regions, users):
    m = VolunteerFactory(region=regions["town_a"])
    pair(m, regions["village_a1"])
    PairingMember.objects.filter(volunteer=m).update(left_on=D(2025, 2, 1))
    assert work(users["admin"], m.pk).open_pairings == 0


def test_the_mothers_export_carries_her_work(client, regions, users):
    import io

    import openpyxl

    today = timezone.localdate()
    m = VolunteerFactory(region=regions["town_a"], name="导出妈妈")
    visit(pair(m, regions["village_a1"]), m, today)
    training(m, regions["county"], today)
    client.force_login(users["admin"])
    response = client.post(reverse("admin:volunteers_volunteer_export"), {"format": "0", "resource": "0"})
    assert response.status_code == 200
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    header = next(r for r in rows if "姓名" in r)
    assert header[-4:] == ["在结对数", "本年联系次数", "最近联系", "参加培训"]
    mine = next(r for r in rows if r[0] == "导出妈妈")
    assert mine[-4:-2] == [1, 1] and mine[-2].date() == today and mine[-1] == 1
