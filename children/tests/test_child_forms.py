"""The child's forms as staff meet them (issue 13): the colour form (item 6), a taken ID number on
the add form (item 14) and the name labelled 姓名 (item 5)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AccessEvent
from children.models import CardChange, Child, ChildCategory
from children.tests.factories import ChildFactory, make_id_number
from regions.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today().isoformat()
REFUSED = "该身份证号码无法登记，请联系县（区）妇联管理员核实。"  # issue 8's message (core.masking.REFUSED)


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _bulk(client, children, **data):
    return client.post(
        reverse("admin:children_child_changelist"),
        {"action": "change_card_colour", "_selected_action": [c.pk for c in children], **data},
        follow=True,
    )


def _detail_url(child):
    return reverse("admin:children_child_change_colour_detail", args=[child.pk])


# -- item 6: the colour form -------------------------------------------------------------------


def test_the_colour_form_shows_the_current_colour_and_has_no_default(client, users, world):
    child = world["a"]["child"]  # green
    client.force_login(users["admin"])
    page = client.get(_detail_url(child))
    form = page.context["form"]
    assert form["to_colour"].value() in (None, "")
    html = page.content.decode()
    assert "当前颜色：绿。" in html
    assert "绿（当前）" in html and "请选择新颜色" in html
    assert '<option value="red" selected' not in html
    reasons = form.fields["reason_choice"].choices
    assert [value for value, _label in reasons] == ["", "走访评估", "监护变化", "家庭经济变化", "其他"]
    assert form["reason_choice"].value() in (None, "") and "请选择原因" in html


def test_choosing_the_colour_the_child_has_says_unchanged_and_records_nothing(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    response = client.post(
        _detail_url(child), {"to_colour": "green", "effective_on": TODAY, "reason_choice": "走访评估"}
    )
    assert response.status_code == 200
    assert "颜色未变：当前已是绿卡。" in response.content.decode()
    assert not CardChange.objects.filter(child=child).exists()
    assert not any("已完成" in m for m in _messages(response))


def test_a_selection_counts_only_the_children_whose_colour_changed(client, users, world):
    green = world["a"]["child"]
    red = ChildFactory(name="丙童", region=world["regions"]["village_a2"], card_colour="red")
    client.force_login(users["admin"])
    asked = _bulk(client, [green, red])
    assert "当前颜色：红 1 名、绿 1 名。" in asked.content.decode()
    response = _bulk(
        client, [green, red], apply=1, to_colour="red", effective_on=TODAY, reason_choice="监护变化", reason=""
    )
    said = _messages(response)
    assert said == ["变更三色卡：已完成 1 条。", "颜色未变：丙童"]
    assert list(CardChange.objects.values_list("child__name", "to_colour", "reason")) == [("甲童", "red", "监护变化")]


def test_a_selection_all_of_that_colour_is_refused_on_the_form(client, users, world):
    children = [world["a"]["child"], world["b"]["child"]]  # both green
    client.force_login(users["admin"])
    response = _bulk(client, children, apply=1, to_colour="green", effective_on=TODAY, reason_choice="走访评估")
    assert "颜色未变：当前已是绿卡。" in response.content.decode()
    assert not any("已完成" in m for m in _messages(response))
    assert not CardChange.objects.exists()


@pytest.mark.parametrize(
    ("preset", "text", "stored"),
    [
        ("走访评估", "", "走访评估"),
        ("家庭经济变化", "父亲失业", "家庭经济变化：父亲失业"),
        ("其他", "转入特殊教育学校", "转入特殊教育学校"),
    ],
)
def test_the_reason_is_a_preset_with_optional_text(client, users, world, preset, text, stored):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    data = {"to_colour": "yellow", "effective_on": TODAY, "reason_choice": preset, "reason": text}
    assert client.post(_detail_url(child), data).status_code == 302
    change = CardChange.objects.get(child=child)
    assert (change.from_colour, change.to_colour, change.reason, change.changed_by) == (
        "green",
        "yellow",
        stored,
        users["admin"],
    )


def test_other_without_text_asks_for_the_reason(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    data = {"to_colour": "red", "effective_on": TODAY, "reason_choice": "其他", "reason": "  "}
    response = client.post(_detail_url(child), data)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["请写明原因。"]
    assert not CardChange.objects.exists()
    child.refresh_from_db()
    assert child.card_colour == "green"


# -- item 14: a taken ID number on the add form ------------------------------------------------


@pytest.fixture
def elsewhere(regions):
    """A child of another county (离石区), outside the county admin's scope."""
    county = RegionFactory(code="141102000000", name="离石区", parent=regions["county"].parent)
    town = RegionFactory(code="141102100000", name="滨河街道", parent=county)
    village = RegionFactory(code="141102100001", name="龙凤社区", parent=town)
    return ChildFactory(name="外县童", region=village, id_number=make_id_number("141102100001"))


def _add(client, number, village):
    return client.post(
        reverse("admin:children_child_add"),
        {
            "name": "丁童",
            "id_number": number,
            "category": ChildCategory.objects.get(name="农村留守儿童").pk,
            "region": village.pk,
            "card_colour": "green",
            "status": "active",
            "entered_on": TODAY,
            "card_changes-TOTAL_FORMS": "0",
            "card_changes-INITIAL_FORMS": "0",
            "visits-TOTAL_FORMS": "0",
            "visits-INITIAL_FORMS": "0",
        },
    )


def test_a_county_admin_adding_a_child_registered_in_scope_gets_a_link_to_it(client, users, world):
    inside = world["b"]["child"]  # another township of the admin's own county
    client.force_login(users["admin"])
    response = _add(client, inside.id_number.lower(), world["regions"]["village_a1"])
    assert response.status_code == 200
    page = response.content.decode()
    link = reverse("admin:children_child_change", args=[inside.pk])
    assert f'该儿童已登记：<a href="{link}">乙童</a>' in page
    assert "已存在" not in page and REFUSED not in page
    assert Child.objects.filter(id_number=inside.id_number).count() == 1


def test_a_county_admin_adding_a_child_registered_elsewhere_learns_only_the_refusal(client, users, world, elsewhere):
    client.force_login(users["admin"])
    response = _add(client, elsewhere.id_number, world["regions"]["village_a1"])
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page
    for revealing in ("已存在", "已登记", "外县童", "离石区", "滨河街道", "龙凤社区"):
        assert revealing not in page, revealing
    link = reverse("admin:children_child_change", args=[elsewhere.pk])
    assert link not in page
    assert Child.objects.filter(id_number=elsewhere.id_number).count() == 1
    event = AccessEvent.objects.get(kind="refused")
    assert event.user == users["admin"] and elsewhere.id_number not in event.detail


def test_a_free_id_number_is_registered_and_says_nothing_of_others(client, users, world, elsewhere):
    client.force_login(users["admin"])
    number = make_id_number("141128100001")
    response = _add(client, number, world["regions"]["village_a1"])
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Child.objects.get(id_number=number).name == "丁童"
    assert not AccessEvent.objects.filter(kind="refused").exists()


def test_township_staff_cannot_reach_the_add_form(client, users, world, elsewhere):
    client.force_login(users["town_a"])
    assert _add(client, elsewhere.id_number, world["regions"]["village_a1"]).status_code == 403
    assert not AccessEvent.objects.filter(kind="refused").exists()


# -- item 5: a person has a 姓名 ------------------------------------------------------------


def test_a_childs_and_a_mothers_name_are_labelled_xingming(client, users, world):
    client.force_login(users["admin"])
    for url in (reverse("admin:children_child_add"), reverse("admin:volunteers_volunteer_add")):
        form = client.get(url).context["adminform"].form
        assert str(form.fields["name"].label) == "姓名", url
    page = client.get(reverse("admin:children_child_changelist")).content.decode()
    assert 'data-label="姓名"' in page and 'data-label="名称"' not in page
