"""A changelist runs a fixed number of queries whatever the page size."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.tests.factories import ActivityFactory, VisitFactory
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from volunteers.tests.factories import VolunteerFactory


def populate(regions, n):
    mothers = [VolunteerFactory(region=regions["town_a"]) for _ in range(n)]
    for i in range(n):
        child = ChildFactory(region=regions["village_a1"])
        pairing = PairingFactory(child=child)
        PairingMemberFactory(pairing=pairing, volunteer=mothers[i])
        PairingMemberFactory(pairing=pairing, volunteer=mothers[(i + 1) % n])
        visit = VisitFactory(child=child, visited_on=datetime.date(2025, 1, 1 + i % 28))
        visit.visitors.add(mothers[i])
        ActivityFactory(region=regions["town_a"])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


SCOPED = [
    m
    for m, a in admin.site._registry.items()
    if m._meta.app_label in {"children", "volunteers", "pairing", "activities"}
]


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_changelist_query_count_does_not_grow_with_rows(client, regions, users, model):
    client.force_login(users["admin"])
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    populate(regions, 5)
    few = count_queries(client, url)
    populate(regions, 45)
    many = count_queries(client, url)
    assert many == few, f"{model._meta.label}: {few} queries for 5 rows, {many} for 50"
