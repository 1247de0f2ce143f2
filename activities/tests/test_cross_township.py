"""Issue 13: a visit credits the child's current mothers wherever they live; other mothers are
found by search; the compact overdue list on a phone; guardians' phones for the visiting staff."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Visit, VisitMode
from activities.services import visit_record
from audit.models import AccessEvent, RecordView
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from volunteers.tests.factories import VolunteerFactory

ENTRY = "activities:visit_entry"
GUARDIAN_PHONE = "13912345678"


@pytest.fixture
def cross(world):
    """A child of township A whose only current mother lives in township B (a pairing across
    townships), and a mother of B who is not paired with it."""
    regions = world["regions"]
    child = ChildFactory(
        name="跨镇童", region=regions["village_a1"], guardian_name="跨镇父", guardian_phone=GUARDIAN_PHONE
    )
    far = VolunteerFactory(name="吴城妈妈", region=regions["town_b"], team=world["b"]["team"])
    PairingMemberFactory(pairing=PairingFactory(child=child), volunteer=far)
    return {"child": child, "far": far, "stranger": world["b"]["mother"], "own": world["a"]["mother"]}


@pytest.fixture
def town_a(client, users):
    client.force_login(users["town_a"])
    return client


def post_data(child, visitors):
    return {
        "child": child.pk,
        "visited_on": timezone.localdate().isoformat(),
        "mode": VisitMode.objects.get(name="入户走访").pk,
        "visitors": [m.pk for m in visitors],
        "staff_visitors": "",
        "findings": "学习正常",
        "help_given": "",
        "goods_value": "0",
        "reassessed_colour": "",
        "reassessment_reason": "",
        "entry_token": str(uuid.uuid4()),
    }


def checkbox(page, mother):
    found = re.search(rf'<input[^>]*name="visitors"[^>]*value="{mother.pk}"[^>]*>', page)
    return found.group(0) if found else None


# -- item 2: the visit form ---------------------------------------------------------------------


def test_the_visit_form_lists_a_current_mother_of_another_township_ticked_first(town_a, cross):
    page = town_a.get(reverse(ENTRY), {"child": cross["child"].pk}).content.decode()
    box = checkbox(page, cross["far"])
    assert box is not None and "checked" in box
    assert "吴城妈妈 · 大武镇" in page  # her township beside her name
    # The township's other mothers are not listed (found by search instead), nor B's others.
    assert checkbox(page, cross["own"]) is None and checkbox(page, cross["stranger"]) is None


def test_a_visit_credits_a_current_mother_of_another_township(town_a, cross, users):
    response = town_a.post(reverse(ENTRY), post_data(cross["child"], [cross["far"]]))
    assert response.status_code == 302
    visit = Visit.objects.get(child=cross["child"])
    assert list(visit.visitors.all()) == [cross["far"]]


def test_a_visit_refuses_a_mother_neither_in_scope_nor_current(town_a, cross):
    response = town_a.post(reverse(ENTRY), post_data(cross["child"], [cross["stranger"]]))
    assert response.status_code == 200
    assert not Visit.objects.filter(child=cross["child"]).exists()
    assert "乙妈妈" not in response.content.decode()


def test_a_mother_ticked_from_the_search_stays_listed_when_the_form_comes_back(town_a, cross):
    data = post_data(cross["child"], [cross["far"], cross["own"]])
    data["findings"] = ""  # an error: the form comes back
    page = town_a.post(reverse(ENTRY), data).content.decode()
    assert "checked" in checkbox(page, cross["own"]) and "checked" in checkbox(page, cross["far"])


def test_the_mother_search_finds_by_name_team_and_complete_phone_in_scope_only(town_a, cross, world):
    url = reverse("activities:mother_search")
    child = cross["child"].pk
    by_name = town_a.get(url, {"child": child, "q": "甲妈"}).json()["results"]
    assert [r["id"] for r in by_name] == [cross["own"].pk]
    assert by_name[0]["label"] == "甲妈妈 · 圪洞镇 · 圪洞镇服务队"
    assert [r["id"] for r in town_a.get(url, {"child": child, "q": "服务队"}).json()["results"]] == [cross["own"].pk]
    phone = cross["own"].phone
    assert [r["id"] for r in town_a.get(url, {"child": child, "q": phone}).json()["results"]] == [cross["own"].pk]
    # A masked role: no phone tail (it would rebuild the number), nothing of township B.
    assert town_a.get(url, {"child": child, "q": phone[-4:]}).json()["results"] == []
    assert town_a.get(url, {"child": child, "q": "乙妈"}).json()["results"] == []
    assert AccessEvent.objects.filter(kind="search", place="visit_mothers").exists()


def test_the_mother_search_answers_nothing_for_a_child_out_of_scope(town_a, world):
    url = reverse("activities:mother_search")
    assert town_a.get(url, {"child": world["b"]["child"].pk, "q": "甲妈"}).json()["results"] == []


def test_a_full_identity_role_finds_a_mother_by_her_phone_tail(client, users, cross):
    client.force_login(users["admin"])
    url = reverse("activities:mother_search")
    found = client.get(url, {"child": cross["child"].pk, "q": cross["own"].phone[-4:]}).json()["results"]
    assert cross["own"].pk in [r["id"] for r in found]


def test_the_service_accepts_a_current_mother_and_refuses_a_stranger(cross, users):
    from django.core.exceptions import ValidationError

    mode = VisitMode.objects.get(name="入户走访")
    today = timezone.localdate()
    visit = visit_record(child=cross["child"], visited_on=today, mode=mode, visitors=[cross["far"]], by=users["town_a"])
    assert list(visit.visitors.all()) == [cross["far"]]
    with pytest.raises(ValidationError) as refused:
        visit_record(
            child=cross["child"], visited_on=today, mode=mode, visitors=[cross["stranger"]], by=users["town_a"]
        )
    assert "visitors" in refused.value.message_dict
    assert Visit.objects.filter(child=cross["child"]).count() == 1


# -- item 2: the admin visit form -----------------------------------------------------------------


def test_the_admin_visitors_autocomplete_finds_the_current_mothers_of_the_users_children(town_a, cross):
    url = reverse("admin:activities_visit_visitors_autocomplete")
    params = {"app_label": "activities", "model_name": "visit", "field_name": "visitors", "term": "妈妈"}
    results = town_a.get(url, params).json()["results"]
    ids = {int(r["id"]) for r in results}
    assert cross["far"].pk in ids and cross["own"].pk in ids
    assert cross["stranger"].pk not in ids
    assert {"id": str(cross["far"].pk), "text": "吴城妈妈 · 大武镇"} in results


def test_the_visitors_autocomplete_answers_for_the_visitors_field_only(town_a, cross):
    """Asked for another field it ran that field's admin search against mothers: a 500."""
    url = reverse("admin:activities_visit_visitors_autocomplete")
    params = {"app_label": "activities", "model_name": "visit", "field_name": "child", "term": "a"}
    assert town_a.get(url, params).status_code == 403


@pytest.mark.parametrize("odd", ["²", "１２", "٣", "9" * 30, "-1"])
def test_odd_digits_in_a_child_or_mother_id_are_refused_not_a_500(town_a, cross, odd):
    # str.isdigit() takes "²" and Arabic-Indic digits; int() or the database then failed.
    assert town_a.get(reverse("activities:mother_search"), {"child": odd, "q": "妈妈"}).status_code in (200, 400, 404)
    data = post_data(cross["child"], [cross["own"]])
    data["visitors"] = [odd]
    assert town_a.post(reverse(ENTRY), data).status_code in (200, 302)
    assert town_a.get(reverse(ENTRY), {"child": odd}).status_code in (200, 404)


def test_the_admin_visit_form_saves_a_current_mother_of_another_township(town_a, cross):
    data = post_data(cross["child"], [cross["far"]])
    data.update({"goods_value": "0", "notes": "", "correction_reason": ""})
    response = town_a.post(reverse("admin:activities_visit_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Visit.objects.get(child=cross["child"]).visitors.all()) == [cross["far"]]


def test_the_admin_visit_form_refuses_a_stranger(town_a, cross):
    data = post_data(cross["child"], [cross["stranger"]])
    data.update({"goods_value": "0", "notes": "", "correction_reason": ""})
    response = town_a.post(reverse("admin:activities_visit_add"), data)
    assert response.status_code == 200
    assert not Visit.objects.filter(child=cross["child"]).exists()


# -- item 10: the compact overdue list --------------------------------------------------------


def overdue_list(client):
    return client.get(reverse("admin:children_child_changelist"), {"visit_status": "overdue"})


def test_the_overdue_list_has_a_compact_card_with_a_visit_button_per_child(town_a, cross):
    page = overdue_list(town_a).content.decode()
    card = re.search(r'<td class="child-card due-never">(.*?)</td>', page, re.S).group(1)
    assert "跨镇童" in card and "从未走访" in card and "colour-" in card
    assert f'href="{reverse(ENTRY)}?child={cross["child"].pk}"' in card and "登记走访" in card
    assert cross["child"].id_number not in page  # masked as the role requires


def test_the_overdue_card_says_how_many_days_overdue(town_a, world):
    # world's visits are dated 2025-01-10; a green card is due every 90 days.
    page = overdue_list(town_a).content.decode()
    card = re.search(r'<td class="child-card due-overdue">(.*?)</td>', page, re.S).group(1)
    days = (timezone.localdate() - world["a"]["visit"].visited_on).days - 90
    assert "甲童" in card and f"逾期 {days} 天" in card


def test_a_viewer_gets_cards_without_the_visit_button(client, users, cross):
    client.force_login(users["viewer"])
    page = overdue_list(client).content.decode()
    assert "child-card" in page and "登记走访" not in page


def test_the_overdue_list_takes_as_many_queries_for_many_children(town_a, cross, world):
    with CaptureQueriesContext(connection) as few:
        assert overdue_list(town_a).status_code == 200
    for n in range(15):
        ChildFactory(name=f"多童{n}", region=world["regions"]["village_a2"])
    with CaptureQueriesContext(connection) as many:
        page = overdue_list(town_a).content.decode()
    assert page.count('class="child-card ') >= 17
    assert len(many) <= len(few), [q["sql"] for q in many.captured_queries]


# -- item 11: guardians' phones -----------------------------------------------------------------


def test_township_staff_see_the_guardians_full_phone_as_a_tel_link_and_it_is_logged(town_a, cross, users):
    page = town_a.get(reverse(ENTRY), {"child": cross["child"].pk}).content.decode()
    assert f'href="tel:{GUARDIAN_PHONE}"' in page
    assert cross["child"].id_number not in page  # the ID number stays masked
    assert RecordView.objects.filter(user=users["town_a"], child=cross["child"]).exists()


def test_township_staff_see_the_guardians_full_phone_on_the_profile(town_a, cross):
    page = town_a.get(reverse("children:profile", args=[cross["child"].pk])).content.decode()
    assert f'href="tel:{GUARDIAN_PHONE}"' in page
    assert cross["child"].id_number not in page


def test_a_viewer_keeps_the_masked_guardian_phone(client, users, cross):
    client.force_login(users["viewer"])
    page = client.get(reverse("children:profile", args=[cross["child"].pk])).content.decode()
    assert GUARDIAN_PHONE not in page and "139********" in page and "tel:" not in page


def test_township_staff_still_see_masked_phones_in_the_admin_list(town_a, cross):
    page = town_a.get(reverse("admin:children_child_changelist"), {"q": "跨镇童"}).content.decode()
    assert GUARDIAN_PHONE not in page


def test_re_saving_a_visit_keeps_a_mother_it_credits_after_she_left_the_pairing(cross, users):
    from activities.services import visit_save

    mode = VisitMode.objects.get(name="入户走访")
    visit = visit_record(
        child=cross["child"], visited_on=timezone.localdate(), mode=mode, visitors=[cross["far"]], by=users["town_a"]
    )
    cross["child"].pairings.get().members.update(left_on=timezone.localdate())
    visit.findings = "补充：家中已修好屋顶"
    visit_save(visit=visit, visitors=[cross["far"]], by=users["town_a"])  # no ValidationError
    assert list(Visit.objects.get(pk=visit.pk).visitors.all()) == [cross["far"]]
