"""A child who is probably registered already (issue 15, item 7): the add form shows the match
and saves only with 确认不是同一人 ticked; the import preview warns per row. Matched only in the
user's scope, and a masked role only on what it sees (name and birth year)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from children.duplicates import Candidate, probable_duplicates
from children.models import ChildCategory
from children.tests.factories import ChildFactory, make_id_number
from core.tests.ledger_helpers import counts, import_bytes, xlsx
from regions.tests.factories import staff_user

pytestmark = pytest.mark.django_db

BORN = datetime.date(2015, 3, 2)
SAME_YEAR = datetime.date(2015, 9, 9)
TODAY = datetime.date.today().isoformat()
TICK = "确认不是同一人"


@pytest.fixture
def registered(regions):
    return ChildFactory(
        name="王小明",
        region=regions["village_a1"],
        id_number=make_id_number(born=BORN),
        guardian_phone="13912345678",
    )


@pytest.fixture
def masked_adder(regions):
    """A township account allowed to add children but not to see full numbers."""
    user = staff_user("town_adder", regions["town_a"], "township")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="children", codename__in=["add_child", "change_child"])
    )
    return user


def _add(client, village, number, *, name="王小明", phone="", tick=False):
    data = {
        "name": name,
        "id_number": number,
        "category": ChildCategory.objects.get(name="农村留守儿童").pk,
        "region": village.pk,
        "card_colour": "green",
        "status": "active",
        "entered_on": TODAY,
        "guardian_phone": phone,
        "card_changes-TOTAL_FORMS": "0",
        "card_changes-INITIAL_FORMS": "0",
        "visits-TOTAL_FORMS": "0",
        "visits-INITIAL_FORMS": "0",
    }
    if tick:
        data["not_duplicate"] = "on"
    return client.post(reverse("admin:children_child_add"), data)


def _saved(name="王小明"):
    from children.models import Child

    return Child.objects.filter(name=name).count()


# -- the one function ---------------------------------------------------------------------------


def test_it_matches_the_same_name_with_the_birth_date_or_the_guardians_phone(registered, users):
    admin = users["admin"]
    assert probable_duplicates(admin, Candidate("王小明", BORN)) == [registered]
    assert probable_duplicates(admin, Candidate("王小明", SAME_YEAR, "139 1234 5678")) == [registered]
    assert probable_duplicates(admin, Candidate("王小明", SAME_YEAR)) == []
    assert probable_duplicates(admin, Candidate("王晓明", BORN, "13912345678")) == []


def test_it_looks_only_inside_the_users_scope(registered, users):
    assert probable_duplicates(users["town_a"], Candidate("王小明", BORN)) == [registered]
    assert probable_duplicates(users["town_b"], Candidate("王小明", BORN)) == []
    assert probable_duplicates(users["nobody"], Candidate("王小明", BORN)) == []


def test_a_masked_role_is_matched_on_the_name_and_birth_year_only(registered, masked_adder):
    """The exact date or the phone would answer "is this her birthday / her guardian's number?"."""
    assert probable_duplicates(masked_adder, Candidate("王小明", SAME_YEAR)) == [registered]
    assert probable_duplicates(masked_adder, Candidate("王小明", datetime.date(2016, 3, 2), "13912345678")) == []


# -- the add form -------------------------------------------------------------------------------


def test_the_add_form_shows_the_probable_match_and_saves_only_when_ticked(client, registered, regions, users):
    client.force_login(users["admin"])
    number = make_id_number(region_code="141128100002", born=BORN)
    response = _add(client, regions["village_a2"], number)
    assert response.status_code == 200 and _saved() == 1
    page = response.content.decode()
    assert TICK in page and "该儿童可能已登记" in page
    assert reverse("admin:children_child_change", args=[registered.pk]) in page
    assert f"王小明（圪洞镇武当社区，{registered.id_number}）" in page
    response = _add(client, regions["village_a2"], number, tick=True)
    assert response.status_code == 302 and _saved() == 2


def test_the_same_name_and_guardians_phone_is_a_match_too(client, registered, regions, users):
    client.force_login(users["admin"])
    number = make_id_number(born=datetime.date(2016, 5, 5))
    response = _add(client, regions["village_a1"], number, phone="13912345678")
    assert response.status_code == 200 and "该儿童可能已登记" in response.content.decode()
    assert _saved() == 1


def test_another_name_saves_without_asking(client, registered, regions, users):
    client.force_login(users["admin"])
    response = _add(client, regions["village_a1"], make_id_number(born=BORN), name="李小红")
    assert response.status_code == 302 and _saved("李小红") == 1


def test_the_box_is_only_on_the_add_form(client, registered, users):
    client.force_login(users["admin"])
    assert TICK in client.get(reverse("admin:children_child_add")).content.decode()
    assert TICK not in client.get(reverse("admin:children_child_change", args=[registered.pk])).content.decode()


def test_a_masked_role_sees_the_match_with_the_masked_id_and_never_another_townships(
    client, registered, regions, masked_adder
):
    elsewhere = ChildFactory(name="王小明", region=regions["village_b1"], id_number=make_id_number(born=BORN))
    client.force_login(masked_adder)
    response = _add(client, regions["village_a1"], make_id_number(born=SAME_YEAR))
    page = response.content.decode()
    assert response.status_code == 200 and "该儿童可能已登记" in page and "姓名和出生年份相同" in page
    assert registered.id_number not in page and registered.id_number[:6] + "*" * 12 in page
    assert reverse("admin:children_child_change", args=[elsewhere.pk]) not in page
    assert elsewhere.id_number not in page


# -- the import preview ------------------------------------------------------------------------

HEADER = ["姓名", "身份证号码", "乡镇（街道）", "村（社区）", "儿童类别", "监护人电话"]


def test_the_import_preview_warns_on_the_row_without_refusing_it(registered, users):
    rows = [
        HEADER,
        ["王小明", make_id_number(born=BORN), "圪洞镇", "城内村", "农村留守儿童", ""],
        ["李小红", make_id_number(born=BORN), "圪洞镇", "城内村", "农村留守儿童", ""],
        ["王小明", make_id_number(born=datetime.date(2016, 1, 1)), "圪洞镇", "城内村", "农村留守儿童", "13912345678"],
    ]
    result = import_bytes("children", xlsx(rows), users["admin"], dry_run=True)
    assert counts(result)["new"] == 3 and not result.has_validation_errors()
    notes = dict(result.notes)
    assert set(notes) == {2, 4}
    assert f"王小明（圪洞镇武当社区，{registered.id_number}）" in notes[2]
    assert "身份证号码不同" in notes[2]


def test_the_import_warning_for_a_masked_role_names_no_full_number(registered, users, masked_adder):
    rows = [HEADER, ["王小明", make_id_number(born=SAME_YEAR), "圪洞镇", "城内村", "农村留守儿童", ""]]
    result = import_bytes("children", xlsx(rows), masked_adder, dry_run=True)
    (number, note), *more = result.notes
    assert not more and number == 2
    assert registered.id_number not in note and registered.id_number[:6] in note
