"""Shared fixtures: one county with townships A and B, and a user per role.

Like healthchecks' Alice/Bob/Charlie: the township A user owns A's rows, the county admin may
see both townships, and nobody in A may see B.
"""

import pytest

from activities.tests.factories import ActivityFactory, VisitFactory
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from regions.tests.factories import region_tree, staff_user
from volunteers.tests.factories import VolunteerFactory, VolunteerTeamFactory


@pytest.fixture(autouse=True)
def _unhashed_static(settings):
    """Tests don't run collectstatic, so static names are served unhashed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """The dashboard caches wide-scope figures: each test starts with an empty cache. Tests keep
    a memory cache (production's default is the database's, whose reads would count in the
    query ceilings)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background jobs run inside the call that starts them (reports/tests also test the worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _primary_only(request, settings):
    """With DATABASE_REPLICA_URL set (CI sets it), only the tests marked ``replica`` route reads to
    the replica: the others keep their data in one uncommitted transaction on the primary, which
    the replica never sees, and may not query a database they did not declare."""
    if "replica" in settings.DATABASES and request.node.get_closest_marker("replica") is None:
        settings.DATABASE_ROUTERS = []


@pytest.fixture
def regions(db):
    return region_tree()


@pytest.fixture
def world(regions):
    """A child, mother, team, pairing, visit and activity in each of townships A and B."""
    out = {"regions": regions}
    for key, town, village, child_name, mother_name in [
        ("a", regions["town_a"], regions["village_a1"], "甲童", "甲妈妈"),
        ("b", regions["town_b"], regions["village_b1"], "乙童", "乙妈妈"),
    ]:
        team = VolunteerTeamFactory(name=f"{town.name}服务队", region=town)
        mother = VolunteerFactory(name=mother_name, region=town, team=team)
        child = ChildFactory(name=child_name, region=village)
        pairing = PairingFactory(child=child)
        PairingMemberFactory(pairing=pairing, volunteer=mother)
        visit = VisitFactory(child=child)
        visit.visitors.add(mother)
        activity = ActivityFactory(title=f"{town.name}亲子阅读", region=town)
        out[key] = {
            "team": team,
            "mother": mother,
            "child": child,
            "pairing": pairing,
            "visit": visit,
            "activity": activity,
        }
    return out


@pytest.fixture
def users(regions):
    return {
        "admin": staff_user("county_admin", regions["county"], "admin"),
        "town_a": staff_user("town_a", regions["town_a"], "township"),
        "town_b": staff_user("town_b", regions["town_b"], "township"),
        "viewer": staff_user("viewer", regions["county"], "viewer"),
        "nobody": staff_user("nobody", None, "admin"),
    }
