import pytest

from children.tests.factories import ChildFactory
from regions.tests.factories import RegionFactory, staff_user


@pytest.fixture
def colleague(regions):
    """A second township A account: a colleague of the reporter."""
    return staff_user("town_a_colleague", regions["town_a"], "township")


@pytest.fixture
def other_county(regions):
    """Another county of the same city, with its own admin and child."""
    county = RegionFactory(code="141129000000", name="临县", parent=regions["county"].parent)
    town = RegionFactory(code="141129100000", name="临泉镇", parent=county)
    village = RegionFactory(code="141129100001", name="南关村", parent=town)
    return {
        "county": county,
        "admin": staff_user("other_admin", county, "admin"),
        "child": ChildFactory(name="丙童", region=village),
    }


@pytest.fixture
def city_admin(regions):
    return staff_user("city_admin", regions["county"].parent, "admin")
