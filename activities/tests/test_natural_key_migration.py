"""Migration 0005 fills the natural keys of visits stored before it, keeping duplicates."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection

from activities.models import Activity, Visit
from activities.services import visit_natural_key
from activities.tests.factories import ActivityFactory, VisitFactory

migration = importlib.import_module("activities.migrations.0005_add_visit_and_activity_natural_keys")

pytestmark = pytest.mark.django_db


def test_it_keys_the_oldest_of_identical_visits_and_keeps_the_later_copies(world):
    child, mother = world["a"]["child"], world["a"]["mother"]
    day = datetime.date(2025, 4, 4)
    copies = [VisitFactory(child=child, visited_on=day, staff_visitors=" 村干部 ") for _ in range(3)]
    for visit in copies:
        visit.visitors.add(mother)
    other = VisitFactory(child=child, visited_on=day)  # no mother: another visit
    Visit.objects.update(natural_key=None)

    migration.fill_visit_keys(apps, None)
    migration.fill_visit_keys(apps, None)  # safe to run again

    keys = dict(Visit.objects.values_list("pk", "natural_key"))
    expected = visit_natural_key(
        child_id=child.pk, visited_on=day, mode_id=copies[0].mode_id, visitor_ids=[mother.pk], staff_visitors="村干部"
    )
    assert keys[copies[0].pk] == expected, "the frozen hash in the migration is the service's"
    assert keys[copies[1].pk] is None and keys[copies[2].pk] is None
    assert keys[other.pk] and keys[other.pk] != expected
    assert Visit.objects.filter(pk__in=[v.pk for v in copies]).count() == 3, "nothing deleted"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="drops a constraint inside the test's transaction")
def test_it_renames_later_duplicate_activities_with_a_history_record(world):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixtures' deferred checks, before ALTER
    with connection.schema_editor() as editor:
        constraint = next(c for c in Activity._meta.constraints if c.name == "activity_unique_title_date_township")
        editor.remove_constraint(Activity, constraint)
    first = world["a"]["activity"]
    second = ActivityFactory(title=first.title, held_on=first.held_on, region=first.region)

    migration.rename_duplicate_activities(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.title.endswith("亲子阅读") and second.title == f"{first.title}（重复 #{second.pk}）"
    assert second.history.first().history_change_reason == migration.ACTIVITY_REASON
