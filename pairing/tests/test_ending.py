"""Issue 13 item 15: ending with 其他 needs its text; the list after ending says where ended pairings are."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.services import child_exit
from children.tests.factories import ChildFactory
from pairing.models import Pairing
from pairing.services import pairing_end
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from volunteers.tests.factories import VolunteerFactory

TODAY = datetime.date.today()
LIST = "admin:pairing_pairing_changelist"
OTHER_MESSAGE = "结束原因选了“其他”，请填写具体原因。"


def _end_action(client, pairing, **data):
    return client.post(
        reverse(LIST), {"action": "end_pairings", "_selected_action": [pairing.pk], "apply": 1, **data}, follow=True
    )


def test_the_end_form_offers_a_text_box_for_other(client, users, world):
    client.force_login(users["admin"])
    page = client.get(reverse("admin:pairing_pairing_end_detail", args=[world["a"]["pairing"].pk]))
    assert "note" in page.context["form"].fields
    assert "结束原因为“其他”时必填" in page.content.decode()


@pytest.mark.parametrize("note", ["", "   "])
def test_other_without_text_is_refused_in_chinese_and_writes_nothing(client, users, world, note):
    client.force_login(users["admin"])
    pairing = world["a"]["pairing"]
    url = reverse("admin:pairing_pairing_end_detail", args=[pairing.pk])
    response = client.post(url, {"reason": "other", "note": note, "on": TODAY})
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == [OTHER_MESSAGE]
    bulk = _end_action(client, pairing, reason="other", note=note, on=TODAY)
    assert OTHER_MESSAGE in bulk.content.decode()
    pairing.refresh_from_db()
    assert pairing.is_open and pairing.end_reason == ""
    assert not pairing.members.filter(left_on__isnull=False).exists()


def test_other_with_text_is_stored_and_shown_in_the_list(client, users, world):
    client.force_login(users["admin"])
    pairing = world["a"]["pairing"]
    response = _end_action(client, pairing, reason="other", note="  孩子随父母去外省 ", on=TODAY)
    assert response.status_code == 200
    pairing.refresh_from_db()
    assert (pairing.end_reason, pairing.end_note, pairing.ended_on) == ("other", "孩子随父母去外省", TODAY)
    ended = client.get(reverse(LIST), {"archived": "only"}).content.decode()
    assert "其他：孩子随父母去外省" in ended


def test_the_service_itself_refuses_other_without_text(world):
    with pytest.raises(ValidationError) as info:
        pairing_end(pairing=world["a"]["pairing"], reason="other", on=TODAY, note=" ")
    assert info.value.code == "note_required"
    assert Pairing.objects.get(pk=world["a"]["pairing"].pk).is_open


def test_a_child_exiting_as_other_still_ends_its_pairing_with_the_exit_as_the_text(world):
    # child_exit ends the pairing as 其他 (it has no text to pass): the child's exit is the text,
    # the one typed for an exit as 其他, else the exit reason's name.
    child_exit(child=world["a"]["child"], reason="other", reason_text="随父母迁居", on=TODAY)
    pairing = Pairing.objects.get(pk=world["a"]["pairing"].pk)
    assert (pairing.end_reason, pairing.end_note, pairing.ended_on) == ("other", "儿童退出：随父母迁居", TODAY)
    child_exit(child=world["b"]["child"], reason="died", on=TODAY)
    assert Pairing.objects.get(pk=world["b"]["pairing"].pk).end_note == "儿童退出：死亡"


def test_after_ending_the_last_pairing_the_list_says_so_in_chinese_and_links_the_ended_ones(client, users, world):
    client.force_login(users["admin"])
    for key in ("a", "b"):
        _end_action(client, world[key]["pairing"], reason="moved", on=TODAY)
    page = client.get(reverse(LIST)).content.decode()
    assert "目前没有进行中的结对" in page
    assert 'href="?archived=only"' in page
    assert "No results found" not in page
    ended = client.get(reverse(LIST), {"archived": "only"}).content.decode()
    assert world["a"]["child"].name in ended and world["b"]["child"].name in ended


def test_an_empty_search_says_nothing_matches(client, users, world):
    client.force_login(users["admin"])
    page = client.get(reverse(LIST), {"q": "没有这个人"}).content.decode()
    assert "没有符合搜索或筛选条件的结对" in page


def test_filtering_by_end_reason_shows_ended_pairings_instead_of_nothing(client, users, world):
    client.force_login(users["admin"])
    _end_action(client, world["a"]["pairing"], reason="moved", on=TODAY)
    page = client.get(reverse(LIST), {"end_reason__exact": "moved"}).content.decode()
    assert world["a"]["child"].name in page
    assert world["b"]["child"].name not in page  # open, no end reason
    # The state filter shows what it did: 进行中和已结束 is the chosen option.
    state = next(
        f
        for f in client.get(reverse(LIST), {"end_reason__exact": "moved"}).context["cl"].filter_specs
        if f.parameter_name == "archived"
    )
    assert state.value() == "include"


def test_the_default_list_shows_open_pairings_with_the_lead_marked(client, users, world):
    client.force_login(users["admin"])
    pairing = world["a"]["pairing"]
    PairingMemberFactory(
        pairing=pairing, volunteer=VolunteerFactory(name="丙妈妈", region=world["regions"]["town_a"]), role="assisting"
    )
    page = client.get(reverse(LIST)).content.decode()
    assert "甲妈妈（主责）、丙妈妈" in page


def test_the_pairing_list_query_count_does_not_grow(client, users, world):
    client.force_login(users["admin"])

    def count():
        client.get(reverse(LIST))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(LIST)).status_code == 200
        return len(ctx)

    few = count()
    for _ in range(20):
        pairing = PairingFactory(child=ChildFactory(region=world["regions"]["village_a1"]))
        for role in ("lead", "assisting"):
            PairingMemberFactory(
                pairing=pairing, volunteer=VolunteerFactory(region=world["regions"]["town_a"]), role=role
            )
    assert count() == few <= 12


@pytest.mark.parametrize(("query", "shown"), [("open=yes", {"b"}), ("open=no", {"a"})])
def test_the_old_open_filter_links_still_work(client, users, world, query, shown):
    client.force_login(users["admin"])
    _end_action(client, world["a"]["pairing"], reason="moved", on=TODAY)
    response = client.get(reverse(LIST) + "?" + query)
    assert response.status_code == 200
    page = response.content.decode()
    assert {k for k in ("a", "b") if world[k]["child"].name in page} == shown
