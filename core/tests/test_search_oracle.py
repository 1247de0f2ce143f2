"""Search as an oracle: a masked role probing parts of a number learns nothing (issue 11, item 2).

The attacker's way: as a township user, search every prefix, the tail and middle pieces of a
real guardian's phone, a mother's phone and a child's ID number, in every search box that can
reach them, and compare each answer with the answer to a number that matches nobody.
"""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from children.models import Child
from children.tests.factories import ChildFactory
from core.idnumber import check_character
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from volunteers.tests.factories import VolunteerFactory

pytestmark = [pytest.mark.security, pytest.mark.django_db]

GUARDIAN_PHONE, MOTHER_PHONE = "13912345678", "13812345670"
NOBODY = "00000000000"


def _id_number(born, serial):
    first17 = f"141128{born:%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


def probes(number: str) -> list[str]:
    """Every prefix, the last 4 and 6 digits and two middle pieces: never the whole number."""
    return [number[:n] for n in range(1, len(number))] + [number[-4:], number[-6:], number[3:7], number[6:14]]


@pytest.fixture
def target(world):
    child = ChildFactory(
        name="丙童",
        id_number=_id_number(datetime.date(2015, 7, 19), 237),
        region=world["regions"]["village_a1"],
        guardian_phone=GUARDIAN_PHONE,
    )
    mother = VolunteerFactory(name="丙妈妈", phone=MOTHER_PHONE, region=world["regions"]["town_a"])
    PairingMemberFactory(pairing=PairingFactory(child=child), volunteer=mother)
    return child


def changelist(admin_name):
    def found(client, term):
        response = client.get(reverse(f"admin:{admin_name}_changelist"), {"q": term})
        assert response.status_code == 200
        return sorted(obj.pk for obj in response.context["cl"].result_list)

    return found


def autocomplete(app_label, model_name, field_name):
    def found(client, term):
        params = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term}
        response = client.get(reverse("admin:autocomplete"), params)
        assert response.status_code == 200
        return sorted(r["id"] for r in response.json()["results"])

    return found


def phone_page(client, term):
    response = client.get(reverse("activities:child_search"), {"q": term})
    assert response.status_code == 200
    return sorted(r["id"] for r in response.json()["results"])


SEARCHES = {
    "children": (changelist("children_child"), ["id", "guardian"]),
    "card changes": (changelist("children_cardchange"), ["id"]),
    "visits": (changelist("activities_visit"), ["id"]),
    "pairings": (changelist("pairing_pairing"), ["id"]),
    "pairing members": (changelist("pairing_pairingmember"), ["mother"]),
    "mothers": (changelist("volunteers_volunteer"), ["mother"]),
    "autocomplete visit.child": (autocomplete("activities", "visit", "child"), ["id", "guardian"]),
    "autocomplete visit.visitors": (autocomplete("activities", "visit", "visitors"), ["mother"]),
    "phone page child search": (phone_page, ["id", "guardian"]),
}


@pytest.mark.parametrize("search", SEARCHES, ids=list(SEARCHES))
def test_no_partial_number_is_told_apart_from_a_number_of_nobody(client, users, target, search):
    found, kinds = SEARCHES[search]
    numbers = {"id": target.id_number, "guardian": GUARDIAN_PHONE, "mother": MOTHER_PHONE}
    client.force_login(users["town_a"])
    baseline = found(client, NOBODY)
    told_apart = [
        (kind, probe) for kind in kinds for probe in probes(numbers[kind]) if found(client, probe) != baseline
    ]
    assert not told_apart, told_apart


def test_a_complete_number_still_finds_its_row(client, users, target):
    client.force_login(users["town_a"])
    assert changelist("children_child")(client, target.id_number) == [target.pk]
    assert changelist("children_child")(client, GUARDIAN_PHONE) == [target.pk]
    assert phone_page(client, target.id_number) == [target.pk]
    assert phone_page(client, target.name) == [target.pk]
    mother_pk = target.pairings.get().members.get().volunteer_id
    assert changelist("volunteers_volunteer")(client, MOTHER_PHONE) == [mother_pk]


def test_a_full_identity_role_still_searches_by_part_of_a_number(client, users, target):
    client.force_login(users["admin"])
    assert target.pk in changelist("children_child")(client, GUARDIAN_PHONE[:7])


@pytest.mark.parametrize(
    "lookup",
    [
        "guardian_phone__startswith=139",
        "id_number__contains=2015",
        "birth_date__lt=2015-08-01",
        "birth_date__year=2015",
    ],
)
def test_it_refuses_url_lookups_on_masked_fields(client, users, target, lookup):
    client.force_login(users["town_a"])
    url = reverse("admin:children_child_changelist") + "?" + lookup
    assert client.get(url).status_code == 400
    client.force_login(users["admin"])
    assert client.get(url).status_code == 200


def test_the_phone_page_no_longer_finds_a_child_by_the_last_four_digits(client, users, target):
    client.force_login(users["town_a"])
    assert phone_page(client, target.id_number[-4:]) == []


# -- messages that would confirm a person registered outside the user's scope ---------------

REFUSED = "该身份证号码无法登记，请联系县（区）妇联管理员核实。"


def _add_child(client, users, number, region):
    from children.models import ChildCategory

    return client.post(
        reverse("admin:children_child_add"),
        {
            "name": "丁童",
            "id_number": number,
            "category": ChildCategory.objects.get(name="农村留守儿童").pk,
            "region": region.pk,
            "card_colour": "green",
            "status": "active",
            "card_changes-TOTAL_FORMS": "0",
            "card_changes-INITIAL_FORMS": "0",
            "visits-TOTAL_FORMS": "0",
            "visits-INITIAL_FORMS": "0",
        },
    )


@pytest.fixture
def town_admin(regions):
    """A township-level admin: adds children in township A only, sees no other township."""
    from regions.tests.factories import staff_user

    return staff_user("town_admin_a", regions["town_a"], "admin")


def test_the_add_form_says_nothing_about_a_child_outside_scope_and_logs_it(client, world, town_admin):
    outside = world["b"]["child"]
    client.force_login(town_admin)
    response = _add_child(client, None, outside.id_number, world["regions"]["village_a1"])
    page = response.content.decode()
    assert response.status_code == 200 and REFUSED in page
    assert "已存在" not in page and outside.name not in page
    assert Child.objects.filter(id_number=outside.id_number).count() == 1
    event = AccessEvent.objects.get(kind="refused")
    assert event.user == town_admin and outside.id_number not in event.detail and event.child is None


def test_the_add_form_names_and_links_a_child_inside_scope(client, world, town_admin):
    inside = world["a"]["child"]
    client.force_login(town_admin)
    page = _add_child(client, None, inside.id_number, world["regions"]["village_a1"]).content.decode()
    assert "该儿童已登记" in page and reverse("admin:children_child_change", args=[inside.pk]) in page
    assert REFUSED not in page


def test_the_import_says_nothing_about_a_child_outside_scope_and_logs_it(world, town_admin):
    from .ledger_helpers import errors, import_bytes, xlsx

    outside = world["b"]["child"]
    data = xlsx(
        [
            ["姓名", "身份证号码", "村（社区）", "儿童类别"],
            [outside.name, outside.id_number, "武当社区", "农村留守儿童"],
        ]
    )
    result = import_bytes("children", data, town_admin, dry_run=True)
    text = str(errors(result))
    assert REFUSED in text and "辖区之外" not in text
    assert AccessEvent.objects.filter(kind="refused", user=town_admin).exists()


def test_the_roster_import_says_nothing_about_a_mother_outside_scope_and_logs_it(world, town_admin):
    from .ledger_helpers import errors, import_bytes, xlsx

    outside = world["b"]["mother"]
    data = xlsx([["姓名", "联系电话", "乡镇（街道）"], [outside.name, outside.phone, "圪洞镇"]])
    text = str(errors(import_bytes("volunteers", data, town_admin)))
    assert "该电话号码无法登记，请联系县（区）妇联管理员核实。" in text and "辖区之外" not in text
    event = AccessEvent.objects.get(kind="refused", user=town_admin)
    assert event.place == "import:volunteers" and outside.phone not in event.detail


# -- the admin's view-on-site shortcut ------------------------------------------------------


def test_view_on_site_redirects_only_for_children_in_scope(client, users, world):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Child)
    client.force_login(users["town_a"])
    own, other = world["a"]["child"], world["b"]["child"]
    url = lambda child: reverse("admin:view_on_site", args=[content_type.pk, child.pk])  # noqa: E731
    response = client.get(url(own))
    assert response.status_code == 302 and response["Location"] == own.get_absolute_url()
    assert client.get(url(other)).status_code == 404
    assert client.get(reverse("admin:view_on_site", args=[content_type.pk, 987654])).status_code == 404
    assert client.get(reverse("admin:view_on_site", args=[content_type.pk, "x"])).status_code == 404
