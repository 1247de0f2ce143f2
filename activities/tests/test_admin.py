"""Visits saved in the admin go through the visit service (issue 11, item 14)."""

import datetime

import pytest
from django.urls import reverse

from activities.models import Visit, VisitMode
from children.models import CardChange

pytestmark = pytest.mark.django_db


def _form(child, mother, **extra):
    data = {
        "child": child.pk,
        "visited_on": "2025-03-03",
        "mode": VisitMode.objects.get(name="入户走访").pk,
        "visitors": [mother.pk],
        "staff_visitors": "",
        "findings": "后台补录",
        "help_given": "",
        "goods_value": "0",
        "reassessed_colour": "",
        "notes": "",
    }
    data.update(extra)
    return data


def test_a_visit_added_in_the_admin_changes_the_card_and_names_who_recorded_it(client, users, world):
    child, mother = world["a"]["child"], world["a"]["mother"]
    client.force_login(users["admin"])
    response = client.post(reverse("admin:activities_visit_add"), _form(child, mother, reassessed_colour="red"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = Visit.objects.get(findings="后台补录")
    assert visit.recorded_by == users["admin"]
    assert visit.natural_key
    child.refresh_from_db()
    assert child.card_colour == "red"
    change = CardChange.objects.get(child=child, to_colour="red")
    assert (change.from_colour, change.effective_on, change.changed_by) == (
        "green",
        datetime.date(2025, 3, 3),
        users["admin"],
    )


def test_a_reassessment_changed_in_the_admin_moves_the_card(client, users, world):
    child, mother = world["a"]["child"], world["a"]["mother"]
    visit = world["a"]["visit"]
    client.force_login(users["admin"])
    data = _form(
        child, mother, visited_on=visit.visited_on.isoformat(), findings=visit.findings, reassessed_colour="yellow"
    )
    response = client.post(reverse("admin:activities_visit_change", args=[visit.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    child.refresh_from_db()
    assert child.card_colour == "yellow"
    assert CardChange.objects.filter(child=child, to_colour="yellow").count() == 1


def test_the_admin_refuses_a_visit_already_recorded(client, users, world):
    child, mother, visit = world["a"]["child"], world["a"]["mother"], world["a"]["visit"]
    client.force_login(users["admin"])
    before = Visit.objects.count()
    data = _form(child, mother, visited_on=visit.visited_on.isoformat())
    client.post(reverse("admin:activities_visit_add"), data)
    response = client.post(reverse("admin:activities_visit_add"), data)
    assert response.status_code == 200 and "已经记录" in response.content.decode()
    assert Visit.objects.count() == before + 1
