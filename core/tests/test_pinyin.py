"""Pinyin search (issue 15, item 7): ``wzx`` or ``wangzixuan`` finds 王子轩 in every search box."""

import pytest

from activities.forms import search_mothers
from children.models import Child
from children.tests.factories import ChildFactory
from core.pinyin import name_pinyin
from core.tests.ledger_helpers import id_number, import_bytes, xlsx
from core.tests.test_search_oracle import changelist, phone_page
from volunteers.models import Volunteer
from volunteers.tests.factories import VolunteerFactory


def test_the_full_pinyin_and_the_initials_and_both_readings_of_a_surname():
    assert name_pinyin("王子轩") == "wangzixuan wzx"
    assert set(name_pinyin("单晓丽").split()) == {"danxiaoli", "dxl", "shanxiaoli", "sxl"}
    assert name_pinyin("Tom") == "" and name_pinyin("") == ""


@pytest.mark.django_db
def test_the_children_list_the_autocomplete_and_the_phone_page_find_a_child_by_pinyin(client, world, users):
    child = ChildFactory(name="王子轩", region=world["regions"]["village_a1"])
    other = ChildFactory(name="王子涵", region=world["regions"]["village_a1"])
    elsewhere = ChildFactory(name="王子轩", region=world["regions"]["village_b1"])
    client.force_login(users["town_a"])
    for term in ("wzx", "WangZiXuan", "zixuan"):
        assert changelist("children_child")(client, term) == [child.pk], term
        assert phone_page(client, term) == [child.pk], term
    assert sorted(changelist("children_child")(client, "wangzi")) == sorted([child.pk, other.pk])
    assert elsewhere.pk not in changelist("children_child")(client, "wzx")


@pytest.mark.django_db
def test_the_mothers_list_and_the_visit_forms_mother_search_find_a_mother_by_pinyin(client, world, users):
    mother = VolunteerFactory(name="刘桂兰", region=world["regions"]["town_a"])
    client.force_login(users["town_a"])
    assert changelist("volunteers_volunteer")(client, "lgl") == [mother.pk]
    assert list(search_mothers(users["town_a"], world["a"]["child"], "liuguilan")) == [mother]


@pytest.mark.django_db
def test_a_changed_name_changes_its_pinyin_and_the_import_fills_it(world, users):
    mother = VolunteerFactory(name="刘桂兰", region=world["regions"]["town_a"])
    mother.name = "张秀英"
    mother.save()
    assert Volunteer.objects.get(pk=mother.pk).name_pinyin == "zhangxiuying zxy"
    village = world["regions"]["village_a1"].name
    data = xlsx(
        [["姓名", "身份证号码", "村（社区）", "儿童类别"], ["李思雨", id_number(serial=77), village, "农村留守儿童"]]
    )
    import_bytes("children", data, users["admin"])
    assert Child.objects.get(name="李思雨").name_pinyin == "lisiyu lsy"
