"""Issue 13 item 1: the pair page's mother picker, the explicit lead and changing it later."""

import datetime

import pytest
from django.urls import reverse

from children.tests.factories import ChildFactory
from pairing.models import Pairing, PairingMember
from pairing.services import pairing_create, pairing_member_add
from volunteers.tests.factories import VolunteerFactory, VolunteerTeamFactory

TODAY = datetime.date.today()
PAIR_URL = "admin:pairing_pairing_pair"
PICKER_URL = "admin:volunteers_volunteer_picker"


@pytest.fixture
def wucheng(world):
    """Two mothers named 许轩 in two teams of township A, 林阳英, and an unpaired child in A."""
    regions = world["regions"]
    north = VolunteerTeamFactory(name="北关服务队", region=regions["town_a"])
    south = VolunteerTeamFactory(name="南关服务队", region=regions["town_a"])
    return {
        "xu": VolunteerFactory(name="许轩", region=regions["town_a"], team=north, phone="13912345678"),
        "xu2": VolunteerFactory(name="许轩", region=regions["town_a"], team=south, phone="13987654321"),
        "lin": VolunteerFactory(name="林阳英", region=regions["town_a"], team=north, phone="13700001111"),
        "child": ChildFactory(name="小雨", region=regions["village_a1"]),
    }


def _scope_to_a(users, world):
    profile = users["admin"].staff_profile
    profile.region = world["regions"]["town_a"]
    profile.save()


def _pick(client, term=""):
    response = client.get(reverse(PICKER_URL), {"term": term})
    assert response.status_code == 200
    return {int(r["id"]): r["text"] for r in response.json()["results"]}


# --- the explicit lead ------------------------------------------------------------------------


def test_the_lead_is_the_mother_chosen_as_lead_not_the_first_clicked(client, users, wucheng):
    client.force_login(users["admin"])
    # 许轩 is clicked (listed) first among the mothers sent; 林阳英 is the one chosen as 主责.
    response = client.post(
        reverse(PAIR_URL),
        {"child": wucheng["child"].pk, "others": [wucheng["xu"].pk], "lead": wucheng["lin"].pk, "started_on": TODAY},
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(child=wucheng["child"])
    roles = dict(pairing.members.values_list("volunteer__name", "role"))
    assert roles == {"林阳英": "lead", "许轩": "assisting"}
    assert pairing.mode == Pairing.Mode.MANY_TO_ONE


def test_a_lead_chosen_again_among_the_others_is_refused_and_nothing_is_written(client, users, wucheng):
    client.force_login(users["admin"])
    lin = wucheng["lin"]
    response = client.post(
        reverse(PAIR_URL), {"child": wucheng["child"].pk, "lead": lin.pk, "others": [lin.pk], "started_on": TODAY}
    )
    assert response.status_code == 200
    assert "林阳英 已是主责妈妈" in str(response.context["form"].errors["others"])
    assert not Pairing.objects.filter(child=wucheng["child"]).exists()


def test_the_pair_page_needs_a_lead(client, users, wucheng):
    client.force_login(users["admin"])
    response = client.post(
        reverse(PAIR_URL), {"child": wucheng["child"].pk, "others": [wucheng["xu"].pk], "started_on": TODAY}
    )
    assert response.status_code == 200 and response.context["form"].errors["lead"]
    assert not Pairing.objects.filter(child=wucheng["child"]).exists()


def test_the_pair_page_refuses_a_mother_outside_the_users_scope(client, users, world, wucheng):
    _scope_to_a(users, world)
    client.force_login(users["admin"])
    response = client.post(
        reverse(PAIR_URL), {"child": wucheng["child"].pk, "lead": world["b"]["mother"].pk, "started_on": TODAY}
    )
    assert response.status_code == 200 and response.context["form"].errors["lead"]
    assert not Pairing.objects.filter(child=wucheng["child"]).exists()


def test_the_pair_page_renders_only_chosen_mothers_not_the_whole_register(
    client, users, world, wucheng, django_assert_max_num_queries
):
    for _ in range(30):
        VolunteerFactory(region=world["regions"]["town_a"])
    client.force_login(users["admin"])
    client.get(reverse(PAIR_URL))  # warm the session
    with django_assert_max_num_queries(12):
        page = client.get(reverse(PAIR_URL)).content.decode()
    assert "林阳英" not in page  # options come by search, not as a list of every mother
    assert 'data-ajax--url="/admin/volunteers/volunteer/picker/"' in page
    # After an error the chosen mothers come back, labelled like the picker's options.
    again = client.post(
        reverse(PAIR_URL), {"child": "", "lead": wucheng["lin"].pk, "others": [wucheng["xu"].pk], "started_on": TODAY}
    ).content.decode()
    assert "林阳英 · 圪洞镇 · 北关服务队 · 尾号1111" in again
    assert "许轩 · 圪洞镇 · 北关服务队 · 尾号5678" in again
    assert "南关服务队" not in again


# --- the picker -------------------------------------------------------------------------------


def test_the_picker_labels_duplicate_names_apart_with_township_team_and_phone_tail(client, users, wucheng):
    client.force_login(users["admin"])
    found = _pick(client, "许轩")
    assert found == {
        wucheng["xu"].pk: "许轩 · 圪洞镇 · 北关服务队 · 尾号5678",
        wucheng["xu2"].pk: "许轩 · 圪洞镇 · 南关服务队 · 尾号4321",
    }


@pytest.mark.parametrize(
    ("term", "names"),
    [
        ("林", {"林阳英"}),
        ("5678", {"许轩"}),  # the phone's last digits
        ("南关", {"许轩"}),  # team
        ("许轩 北关", {"许轩"}),  # several words narrow down
    ],
)
def test_the_picker_searches_name_phone_tail_team_and_township(client, users, wucheng, term, names):
    client.force_login(users["admin"])
    found = _pick(client, term)
    assert {text.split(" · ")[0] for text in found.values()} == names
    if term == "许轩 北关":
        assert list(found) == [wucheng["xu"].pk]


def test_the_picker_finds_by_township(client, users, world, wucheng):
    client.force_login(users["admin"])
    found = _pick(client, "大武")
    assert set(found) == {world["b"]["mother"].pk}


def test_the_picker_never_lists_or_finds_a_mother_outside_the_users_scope(client, users, world, wucheng):
    _scope_to_a(users, world)
    client.force_login(users["admin"])
    other = world["b"]["mother"]
    assert other.pk not in _pick(client)
    assert _pick(client, other.name) == {}
    assert _pick(client, other.phone) == {}
    assert _pick(client, "大武") == {}


def test_the_picker_leaves_out_mothers_who_left(client, users, world, wucheng):
    from pairing.services import volunteer_leave

    volunteer_leave(volunteer=wucheng["xu2"], on=TODAY)
    client.force_login(users["admin"])
    assert set(_pick(client, "许轩")) == {wucheng["xu"].pk}


def test_a_masked_role_sees_no_phone_digits_and_cannot_search_by_a_phone_tail(client, users, wucheng):
    client.force_login(users["town_a"])
    found = _pick(client, "林阳英")
    assert found == {wucheng["lin"].pk: "林阳英 · 圪洞镇 · 北关服务队 · 137********"}
    assert _pick(client, "1111") == {}


def test_the_picker_needs_a_login_and_the_view_permission(client, users, wucheng):
    assert client.get(reverse(PICKER_URL), {"term": "许"}).status_code == 302  # to the login page
    from regions.tests.factories import UserFactory

    client.force_login(UserFactory(username="no_role"))  # staff, but no role: no view permission
    assert client.get(reverse(PICKER_URL), {"term": "许"}).status_code == 403


def test_the_picker_answers_in_a_fixed_number_of_queries(client, users, world, django_assert_max_num_queries):
    for i in range(40):
        team = VolunteerTeamFactory(region=world["regions"]["town_a"])
        VolunteerFactory(region=world["regions"]["town_a"], team=team, name=f"王{i}")
    client.force_login(users["admin"])
    _pick(client)
    with django_assert_max_num_queries(8):
        assert len(_pick(client, "王")) == 20


# --- changing the lead later ------------------------------------------------------------------


@pytest.fixture
def many_to_one(wucheng):
    return pairing_create(
        child=wucheng["child"], volunteers=[wucheng["xu"], wucheng["lin"]], started_on=TODAY - datetime.timedelta(5)
    )


def _lead(pairing):
    return pairing.members.get(role="lead", left_on__isnull=True).volunteer.name


def test_the_lead_is_changed_from_the_pairing_page_and_recorded_in_history(client, users, wucheng, many_to_one):
    client.force_login(users["admin"])
    change_page = client.get(reverse("admin:pairing_pairing_change", args=[many_to_one.pk])).content.decode()
    url = reverse("admin:pairing_pairing_change_lead_detail", args=[many_to_one.pk])
    assert url in change_page
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert "许轩 · 圪洞镇 · 北关服务队 · 尾号5678（主责）" in form_page.content.decode()
    lin = many_to_one.members.get(volunteer=wucheng["lin"])
    assert client.post(url, {"member": lin.pk}).status_code == 302
    assert _lead(many_to_one) == "林阳英"
    assert many_to_one.members.get(volunteer=wucheng["xu"]).role == "assisting"
    # Each membership's history names who changed the role; the pairing's history says what changed.
    assert lin.history.latest().history_user == users["admin"]
    assert lin.history.latest().role == "lead"
    history = client.get(reverse("admin:pairing_pairing_history", args=[many_to_one.pk])).content.decode()
    assert "主责妈妈：许轩 → 林阳英" in history


def test_choosing_the_current_lead_again_changes_nothing_and_says_why(client, users, wucheng, many_to_one):
    client.force_login(users["admin"])
    url = reverse("admin:pairing_pairing_change_lead_detail", args=[many_to_one.pk])
    xu = many_to_one.members.get(volunteer=wucheng["xu"])
    before = PairingMember.history.count()
    response = client.post(url, {"member": xu.pk})
    assert response.status_code == 200
    assert "许轩 已是该结对的主责妈妈" in str(response.context["form"].non_field_errors())
    assert PairingMember.history.count() == before


def test_the_lead_of_another_townships_pairing_cannot_be_changed(client, users, world):
    _scope_to_a(users, world)
    client.force_login(users["admin"])
    pairing = world["b"]["pairing"]
    extra = VolunteerFactory(region=world["regions"]["town_b"])
    member = pairing_member_add(pairing=pairing, volunteer=extra, joined_on=TODAY)
    url = reverse("admin:pairing_pairing_change_lead_detail", args=[pairing.pk])
    assert client.post(url, {"member": member.pk}).status_code == 404
    assert _lead(pairing) == world["b"]["mother"].name


def test_a_member_of_another_pairing_is_not_a_choice(client, users, world, many_to_one):
    client.force_login(users["admin"])
    url = reverse("admin:pairing_pairing_change_lead_detail", args=[many_to_one.pk])
    stranger = world["a"]["pairing"].members.get()
    response = client.post(url, {"member": stranger.pk})
    assert response.status_code == 200 and response.context["form"].errors["member"]
    assert _lead(world["a"]["pairing"]) == world["a"]["mother"].name
    assert _lead(many_to_one) == "许轩"


def test_a_township_user_cannot_change_the_lead(client, users, world, many_to_one):
    client.force_login(users["town_a"])
    url = reverse("admin:pairing_pairing_change_lead_detail", args=[many_to_one.pk])
    lin = many_to_one.members.get(role="assisting")
    assert client.post(url, {"member": lin.pk}).status_code == 403
    assert _lead(many_to_one) == "许轩"


def test_a_mother_added_as_lead_takes_over_so_there_is_one_lead(client, users, world, wucheng):
    pairing = world["a"]["pairing"]
    client.force_login(users["admin"])
    url = reverse("admin:pairing_pairing_add_member_detail", args=[pairing.pk])
    page = client.get(url).content.decode()
    assert 'data-ajax--url="/admin/volunteers/volunteer/picker/"' in page and "select2" in page
    response = client.post(url, {"volunteer": wucheng["lin"].pk, "role": "lead", "joined_on": TODAY})
    assert response.status_code == 302
    assert list(pairing.members.filter(role="lead").values_list("volunteer__name", flat=True)) == ["林阳英"]
    assert pairing.members.get(volunteer=world["a"]["mother"]).role == "assisting"


def test_the_pair_page_shows_the_limit_error_and_writes_nothing(client, users, world, wucheng, settings):
    # Replaces children/tests/test_admin_actions.py::test_the_pair_page_shows_the_limit_error,
    # which posts the old ``volunteers`` list.
    settings.PAIRING_MAX_CHILDREN_PER_VOLUNTEER = 1
    client.force_login(users["admin"])
    response = client.post(
        reverse(PAIR_URL),
        {
            "child": wucheng["child"].pk,
            "lead": wucheng["lin"].pk,
            "others": [world["a"]["mother"].pk],
            "started_on": TODAY,
        },
    )
    assert response.status_code == 200
    assert "甲妈妈" in str(response.context["form"].non_field_errors())
    assert not Pairing.objects.filter(child=wucheng["child"]).exists()
