"""Issue 11, item 6: the region tree as a county admin of another county meets it.

离石区's admin tries to move a village into 方山县, to add a township under 方山县 and a new
province, to give a township the name of its sibling, and to re-code a village with children
registered in it. Each is refused with nothing written; a superuser may; history names who did it.
"""

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse

from children.tests.factories import ChildFactory
from regions.models import Level, Region
from regions.services import RegionLoadError, region_save, regions_load
from regions.tests.factories import RegionFactory, staff_user

pytestmark = pytest.mark.security


@pytest.fixture
def lishi(regions):
    county = RegionFactory(code="141102000000", name="离石区", parent=regions["county"].parent)
    town = RegionFactory(code="141102001000", name="滨河街道", parent=county)
    other_town = RegionFactory(code="141102002000", name="凤山街道", parent=county)
    village = RegionFactory(code="141102001001", name="龙凤社区", parent=town)
    empty = RegionFactory(code="141102001002", name="新村", parent=town)
    return {"county": county, "town": town, "other_town": other_town, "village": village, "empty": empty}


@pytest.fixture
def lishi_admin(lishi):
    return staff_user("lishi_admin", lishi["county"], "admin")


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", None)


def _snapshot():
    return sorted(Region.objects.values_list("code", "name", "parent_id"))


def _change(client, region, code, name=None):
    return client.post(
        reverse("admin:regions_region_change", args=[region.pk]), {"code": code, "name": name or region.name}
    )


def _add(client, code, name):
    return client.post(reverse("admin:regions_region_add"), {"code": code, "name": name})


def _refused(response, before, text):
    assert response.status_code in (200, 403, 404)
    assert _snapshot() == before
    if response.status_code == 200:
        assert text in response.content.decode()


def test_it_refuses_moving_a_village_with_a_child_into_another_county(client, lishi, lishi_admin, regions):
    child = ChildFactory(region=lishi["village"])
    client.force_login(lishi_admin)
    before = _snapshot()
    _refused(_change(client, lishi["village"], "141128100009"), before, "141102000000")
    child.refresh_from_db()
    assert child.region.code == "141102001001"


def test_it_refuses_moving_even_an_empty_village_into_another_county(client, lishi, lishi_admin):
    client.force_login(lishi_admin)
    before = _snapshot()
    _refused(_change(client, lishi["empty"], "141128100009"), before, "代码必须在 离石区 之下")


def test_it_refuses_a_township_under_another_county_and_a_new_province(client, lishi, lishi_admin):
    client.force_login(lishi_admin)
    before = _snapshot()
    _refused(_add(client, "141128109000", "新镇"), before, "代码必须在 离石区 之下")
    _refused(_add(client, "150000000000", "新省"), before, "代码必须在 离石区 之下")
    _refused(_add(client, "141102000000", "离石区"), before, "代码必须在 离石区 之下")


def test_a_refused_code_does_not_name_what_lies_under_it_elsewhere(client, lishi, lishi_admin, regions):
    """The add page shows the parent derived from the code: for a code in 方山县, never 圪洞镇."""
    nobody = staff_user("nobody", None, "admin")
    for user in (lishi_admin, nobody):
        client.force_login(user)
        for response in (
            _add(client, "141128100009", "探针村"),
            _change(client, lishi["empty"], "141128100009"),
        ):
            assert regions["town_a"].name not in response.content.decode()


def test_it_refuses_a_code_whose_parent_is_not_one_level_up(client, lishi, lishi_admin):
    """141102000001 would be a "village" whose parent code is the county itself."""
    client.force_login(lishi_admin)
    before = _snapshot()
    _refused(_add(client, "141102000001", "飞地村"), before, "不是上一级的区划")
    _refused(_add(client, "141102009001", "孤村"), before, "不是上一级的区划")


def test_it_refuses_a_sibling_name_twice(client, lishi, lishi_admin):
    client.force_login(lishi_admin)
    before = _snapshot()
    _refused(_change(client, lishi["other_town"], "141102002000", "滨河街道"), before, "已有名为“滨河街道”的区划")
    _refused(_add(client, "141102003000", " 滨河街道 "), before, "已有名为“滨河街道”的区划")


def test_it_refuses_re_coding_a_village_with_children_inside_the_own_county(client, lishi, lishi_admin):
    ChildFactory(region=lishi["village"])
    client.force_login(lishi_admin)
    before = _snapshot()
    _refused(_change(client, lishi["village"], "141102002001"), before, "只有系统管理员")
    _refused(_change(client, lishi["town"], "141102009000"), before, "只有系统管理员")


def test_it_keeps_the_own_county_read_only(client, lishi, lishi_admin):
    client.force_login(lishi_admin)
    before = _snapshot()
    response = _change(client, lishi["county"], "141102000000", "离石区（改）")
    assert response.status_code == 403
    assert _snapshot() == before
    page = client.get(reverse("admin:regions_region_change", args=[lishi["county"].pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_it_hides_and_refuses_another_countys_regions(client, lishi, lishi_admin, regions):
    client.force_login(lishi_admin)
    listed = client.get(reverse("admin:regions_region_changelist")).context["cl"].queryset
    assert set(listed.values_list("code", flat=True)) == {r.code for r in lishi.values()}
    before = _snapshot()
    assert _change(client, regions["town_a"], "141128100000", "改名").status_code == 404
    assert _snapshot() == before


def test_a_county_admin_adds_and_renames_below_its_county_with_history(client, lishi, lishi_admin):
    client.force_login(lishi_admin)
    assert _add(client, "141102001003", "向阳村").status_code == 302
    village = Region.objects.get(code="141102001003")
    assert (village.level, village.parent) == (Level.VILLAGE, lishi["town"])
    assert _change(client, lishi["empty"], "141102002005", "新村二").status_code == 302
    lishi["empty"].refresh_from_db()
    assert (lishi["empty"].code, lishi["empty"].parent) == ("141102002005", lishi["other_town"])
    assert village.history.get().history_user == lishi_admin
    latest = lishi["empty"].history.latest()
    assert (latest.history_user, latest.code, latest.name) == (lishi_admin, "141102002005", "新村二")


def test_a_superuser_may_do_what_the_county_admin_may_not(client, lishi, root, regions):
    child = ChildFactory(region=lishi["village"])
    client.force_login(root)
    assert _change(client, lishi["village"], "141128100009").status_code == 302
    child.refresh_from_db()
    assert child.region.code == "141128100009" and child.region.parent == regions["town_a"]
    assert _add(client, "141128109000", "新镇").status_code == 302
    assert _add(client, "150000000000", "内蒙古自治区").status_code == 302
    assert Region.objects.get(code="141128109000").history.get().history_user == root


def test_a_superuser_re_coding_a_township_re_codes_its_villages(client, lishi, root):
    ChildFactory(region=lishi["village"])
    client.force_login(root)
    assert _change(client, lishi["town"], "141102009000").status_code == 302
    codes = set(Region.objects.filter(parent=lishi["town"]).values_list("code", flat=True))
    assert codes == {"141102009001", "141102009002"}
    assert Region.objects.get(code="141102009001").history.latest().history_user == root


def test_even_a_superuser_gets_the_sibling_name_refused(lishi, root):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        region_save(region=None, code="141102003000", name="凤山街道", by=root)
    assert "name" in caught.value.message_dict
    assert not Region.objects.filter(code="141102003000").exists()


def test_the_database_refuses_two_siblings_of_one_name(lishi):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="141102003000", name="滨河街道", parent=lishi["county"])


def test_load_regions_refuses_a_sibling_name_in_the_file_or_the_database(lishi):
    before = _snapshot()
    for rows in (
        [["代码", "名称"], ["141102003000", "滨河街道"]],
        [["代码", "名称"], ["141102003000", "新街道"], ["141102004000", "新街道"]],
    ):
        with pytest.raises(RegionLoadError) as caught:
            regions_load(rows=rows)
        assert "同一上级" in str(caught.value)
    assert _snapshot() == before


def test_it_keeps_history_on_staff_profiles_and_lookups(client, users, regions):
    from children.models import ChildCategory, VisitPolicy

    root = User.objects.create_superuser("root2", "root2@example.com", None)
    client.force_login(root)
    profile = users["town_a"].staff_profile
    response = client.post(
        reverse("admin:regions_staffprofile_change", args=[profile.pk]),
        {"user": users["town_a"].pk, "region": regions["town_b"].pk, "must_change_password": "on"},
    )
    assert response.status_code == 302
    assert profile.history.latest().history_user == root
    category = ChildCategory.objects.first()
    response = client.post(
        reverse("admin:children_childcategory_change", args=[category.pk]),
        {"name": category.name + "（改）", "sort_order": 1, "is_active": "on"},
    )
    assert response.status_code == 302
    assert category.history.latest().history_user == root
    assert VisitPolicy.history.model._meta.db_table == "children_historicalvisitpolicy"


def test_the_service_names_who_wrote_outside_a_request(lishi, lishi_admin):
    village = region_save(region=None, code="141102002001", name="新立村", by=lishi_admin)
    assert village.history.get().history_user == lishi_admin


def test_a_write_refused_by_the_service_after_the_form_passed_is_a_message_not_a_500(
    client, lishi, lishi_admin, monkeypatch
):
    """Two admins at once: the form checked before the other's save; the service (locked) refuses."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError("刚刚有人保存了相同代码或名称的区划")

    monkeypatch.setattr("regions.admin.region_save", refuse)
    client.force_login(lishi_admin)
    before = _snapshot()
    response = _add(client, "141102001003", "向阳村")
    assert response.status_code == 302 and _snapshot() == before
    assert "刚刚有人保存" in client.get(response["Location"]).content.decode()
