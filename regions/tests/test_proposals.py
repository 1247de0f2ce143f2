"""Villages added and spellings mapped by a county admin while importing (issue 12)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.ledger.lookups import RegionIndex
from core.ledger.values import CellError
from regions.matching import township_stem, village_stem
from regions.models import Region, RegionAlias
from regions.proposals import may_add_villages, next_free_code, places_resolve, villages_resolve


@pytest.mark.django_db
def test_next_free_code_follows_the_highest_code_in_use(regions):
    assert next_free_code(regions["town_a"]) == "141128100003"
    assert next_free_code(regions["county"]) == "141128102000"
    Region.objects.create(code="141128100009", name="九村", parent=regions["town_a"])
    assert next_free_code(regions["town_a"]) == "141128100010"


@pytest.mark.django_db
def test_next_free_code_refuses_a_full_township(regions):
    Region.objects.create(code="141128100999", name="末村", parent=regions["town_a"])
    with pytest.raises(ValidationError):
        next_free_code(regions["town_a"])


@pytest.mark.django_db
def test_a_county_admin_creates_villages_with_proposed_codes_and_maps_a_spelling(users, regions):
    done = villages_resolve(
        user=users["admin"], township=regions["town_a"], create=["新 村", "吴城村", "武当社区"], map_to={}
    )
    assert done.created == [("141128100003", "新村"), ("141128100004", "吴城村")]  # 武当社区 exists already
    assert Region.objects.get(code="141128100004").parent == regions["town_a"]
    villages_resolve(user=users["admin"], township=regions["town_b"], create=[], map_to={"东庄": regions["village_b1"]})
    alias = RegionAlias.objects.get()
    assert (alias.name, alias.region, alias.parent, alias.created_by) == (
        "东庄",
        regions["village_b1"],
        regions["town_b"],
        users["admin"],
    )


@pytest.mark.django_db
def test_a_township_user_may_not_add_villages(users, regions):
    assert may_add_villages(users["admin"], regions["town_a"])
    assert not may_add_villages(users["town_a"], regions["town_a"])
    assert not may_add_villages(users["viewer"], regions["town_a"])
    with pytest.raises(PermissionDenied):
        villages_resolve(user=users["town_a"], township=regions["town_a"], create=["新村"], map_to={})
    assert not Region.objects.filter(name="新村").exists()


@pytest.mark.django_db
def test_a_spelling_maps_only_to_a_village_of_the_same_township_and_all_or_nothing(users, regions):
    choices = [
        (str(regions["town_a"].pk), "新村", "create"),
        (str(regions["town_a"].pk), "东庄", str(regions["village_b1"].pk)),  # 东村 is in 大武镇
    ]
    with pytest.raises(ValidationError):
        places_resolve(user=users["admin"], choices=choices)
    assert not Region.objects.filter(name="新村").exists() and not RegionAlias.objects.exists()


@pytest.mark.django_db
def test_another_countys_township_is_refused(users, regions):
    Region.objects.create(code="141129000000", name="中阳县", parent=regions["county"].parent)
    other = Region.objects.create(code="141129100000", name="宁乡镇", parent=Region.objects.get(code="141129000000"))
    with pytest.raises(PermissionDenied):
        places_resolve(user=users["admin"], choices=[(str(other.pk), "新村", "create")])
    assert not may_add_villages(users["admin"], other)


def test_stems_drop_the_kind_of_place():
    assert {
        village_stem(n) for n in ["吴城村", "吴城社区", "吴城村委会", "吴城 居委会", "吴城社区居委会", "吴城村民委员会"]
    } == {"吴城"}
    assert {township_stem(n) for n in ["圪洞镇", "圪洞乡", "圪洞街道", "圪洞 镇", "圪洞街道办事处"]} == {"圪洞"}
    assert village_stem("村") == "村"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("township", "village", "found"),
    [
        ("圪洞镇", "武当社区", "武当社区"),
        ("圪洞 镇", "武当　社区", "武当社区"),  # half- and full-width spaces
        ("圪洞乡", "武当村委会", "武当社区"),
        ("圪洞街道", "城内社区", "城内村"),
        ("大武镇", "东村委会", "东村"),
        ("大武镇", "东庄", "东村"),  # a remembered alias
    ],
)
def test_variants_of_a_name_find_the_village(users, regions, township, village, found):
    RegionAlias.objects.create(parent=regions["town_b"], region=regions["village_b1"], name="东庄", key="东庄")
    index = RegionIndex(users["admin"])
    assert index.village(village, index.township(township)).name == found


@pytest.mark.django_db
def test_an_unknown_village_says_what_to_do_and_is_collected(users, regions):
    index = RegionIndex(users["admin"])
    with pytest.raises(CellError) as error:
        index.village("吴城村", regions["town_a"])
    assert "create it or map it" in str(error.value) or "请在预览中新建" in str(error.value)
    assert index.missing == {(regions["town_a"], "吴城村"): 1}


@pytest.mark.django_db
def test_a_township_users_index_does_not_see_another_townships_alias(users, regions):
    RegionAlias.objects.create(parent=regions["town_b"], region=regions["village_b1"], name="东庄", key="东庄")
    index = RegionIndex(users["town_a"])
    assert not index.aliases


@pytest.mark.django_db
def test_the_add_page_proposes_the_next_code_and_adds_townships_and_villages(client, users, regions):
    from django.urls import reverse

    url = reverse("regions_add_below")
    client.force_login(users["admin"])
    page = client.get(url, {"parent": regions["town_a"].pk}).content.decode()
    assert "141128100003" in page

    client.post(url, {"parent": regions["county"].pk, "names": "马坊镇\n 积翠乡 \n圪洞镇\n"})
    client.post(url, {"parent": regions["town_a"].pk, "names": "吴城村\n吴城村"})

    assert Region.objects.get(name="马坊镇").code == "141128102000"
    assert Region.objects.get(name="积翠乡").code == "141128103000"
    assert Region.objects.get(name="吴城村").code == "141128100003"
    assert Region.objects.filter(name="圪洞镇").count() == 1


@pytest.mark.django_db
def test_a_township_user_cannot_open_the_add_page_nor_add_outside_the_area(client, users, regions):
    from django.urls import reverse

    url = reverse("regions_add_below")
    client.force_login(users["town_a"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"parent": regions["town_a"].pk, "names": "新村"}).status_code == 403
    Region.objects.create(code="141129000000", name="中阳县", parent=regions["county"].parent)
    client.force_login(users["admin"])
    response = client.post(url, {"parent": Region.objects.get(code="141129000000").pk, "names": "宁乡镇"})
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Region.objects.filter(name__in=["新村", "宁乡镇"]).exists()
