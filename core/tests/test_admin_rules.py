"""Cross-cutting admin rules of core.admin: masking, no deletes, archived rows, history, exports."""

import datetime
import json

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from activities.models import Activity, Visit
from children.models import Child
from children.services import child_change_colour, child_exit
from children.tests.factories import ChildFactory
from pairing.models import Pairing, PairingMember
from pairing.services import pairing_create, pairing_end
from volunteers.models import Volunteer
from volunteers.tests.factories import VolunteerFactory


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.fixture
def child_a(world):
    child = world["a"]["child"]
    Child.objects.filter(pk=child.pk).update(guardian_phone="13812345678")
    child.refresh_from_db()
    return child


# -- masking --------------------------------------------------------------------------------


def test_it_masks_id_numbers_in_the_child_list_for_township_staff(client, users, child_a):
    client.force_login(users["town_a"])
    page = client.get(reverse("admin:children_child_changelist")).content.decode()
    masked = child_a.id_number[:6] + "*" * 12
    assert masked in page and child_a.id_number not in page


def test_it_shows_full_id_numbers_to_county_admins(client, users, child_a):
    client.force_login(users["admin"])
    page = client.get(reverse("admin:children_child_changelist")).content.decode()
    assert child_a.id_number in page


def test_it_masks_phones_in_the_mother_list_and_search_results(client, users, world):
    mother = world["a"]["mother"]
    client.force_login(users["viewer"])
    page = client.get(reverse("admin:volunteers_volunteer_changelist"), {"q": mother.name}).content.decode()
    assert mother.name in page
    assert mother.phone[:3] + "*" * 8 in page
    assert mother.phone not in page


def test_it_masks_identity_on_the_change_form_without_the_permission(client, users, child_a):
    client.force_login(users["town_a"])
    page = client.get(reverse("admin:children_child_change", args=[child_a.pk])).content.decode()
    assert child_a.id_number not in page and "13812345678" not in page
    assert "138********" in page
    client.force_login(users["admin"])
    page = client.get(reverse("admin:children_child_change", args=[child_a.pk])).content.decode()
    assert child_a.id_number in page and "13812345678" in page


def test_it_keeps_identity_out_of_autocomplete_labels(client, users, world):
    mother = world["a"]["mother"]
    client.force_login(users["town_a"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "activities", "model_name": "visit", "field_name": "visitors", "term": mother.name},
    )
    body = json.dumps(response.json(), ensure_ascii=False)
    assert mother.name in body and mother.phone not in body


def test_it_masks_identity_in_history_diffs(client, users, child_a):
    child_a.guardian_phone = "13900001111"
    child_a.save()
    client.force_login(users["town_a"])
    page = client.get(reverse("admin:children_child_history", args=[child_a.pk])).content.decode()
    assert "139********" in page and "13900001111" not in page
    assert "13812345678" not in page
    client.force_login(users["admin"])
    page = client.get(reverse("admin:children_child_history", args=[child_a.pk])).content.decode()
    assert "13900001111" in page


def test_it_masks_identity_on_a_history_version_page(client, users, child_a):
    version = child_a.history.latest()
    client.force_login(users["town_a"])
    url = reverse("admin:children_child_simple_history", args=[child_a.pk, version.history_id])
    page = client.get(url).content.decode()
    assert page and child_a.id_number not in page


# -- deletes --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Child, Volunteer, Pairing, PairingMember, Visit, Activity])
def test_it_lets_only_superusers_delete(model, users, world, django_user_model):
    model_admin = admin.site._registry[model]
    for role in ("admin", "town_a", "viewer"):
        request = _request(users[role])
        assert not model_admin.has_delete_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)
    root = django_user_model.objects.create_superuser("root", "root@example.com", "Correct-horse-9")
    assert model_admin.has_delete_permission(_request(root))


def test_it_refuses_a_county_admin_the_delete_page(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    assert client.post(reverse("admin:children_child_delete", args=[child.pk]), {"post": "yes"}).status_code == 403
    assert Child.objects.filter(pk=child.pk).exists()


# -- archived rows ----------------------------------------------------------------------------


def test_it_hides_exited_children_and_ended_pairings_until_asked(client, users, world):
    child = world["a"]["child"]
    child_exit(child=child, reason="moved", on=datetime.date(2025, 5, 1))
    client.force_login(users["admin"])
    listed = client.get(reverse("admin:children_child_changelist")).context["cl"].queryset
    assert child not in listed and world["b"]["child"] in listed
    listed = client.get(reverse("admin:children_child_changelist"), {"archived": "only"}).context["cl"].queryset
    assert list(listed) == [child]
    pairings = client.get(reverse("admin:pairing_pairing_changelist")).context["cl"].queryset
    assert world["a"]["pairing"] not in pairings
    pairings = client.get(reverse("admin:pairing_pairing_changelist"), {"archived": "include"}).context["cl"]
    assert world["a"]["pairing"] in pairings.queryset


def test_it_still_opens_an_archived_record(client, users, world):
    child = world["a"]["child"]
    child_exit(child=child, reason="moved", on=datetime.date(2025, 5, 1))
    client.force_login(users["town_a"])
    assert client.get(reverse("admin:children_child_change", args=[child.pk])).status_code == 200


# -- history ----------------------------------------------------------------------------------


def test_it_records_card_colour_changes_with_who_and_old_to_new(users, world):
    child = world["a"]["child"]
    child_change_colour(child=child, to_colour="red", effective_on=datetime.date(2025, 2, 1), reason="复评")
    latest, previous = child.history.all()[:2]
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("card_colour", "green", "red")]


def test_it_records_who_changed_a_record_in_the_admin(client, users, world):
    visit = world["a"]["visit"]
    client.force_login(users["town_a"])
    url = reverse("admin:activities_visit_change", args=[visit.pk])
    response = client.post(
        url,
        {
            "child": visit.child_id,
            "visited_on": "2025-01-11",
            "mode": visit.mode_id,
            "visitors": [world["a"]["mother"].pk],
            "goods_value": "10",
            "findings": "复访",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = visit.history.latest()
    assert record.history_user == users["town_a"]
    assert {c.field for c in record.diff_against(record.prev_record).changes} >= {"visited_on", "goods_value"}


@pytest.mark.parametrize(
    "key,field,value",
    [
        ("child", "school", "实验小学"),
        ("mother", "employer", "县法院"),
        ("team", "leader", "王队长"),
        ("pairing", "notes", "改为多对一"),
        ("visit", "help_given", "送书包"),
        ("activity", "place", "村委会"),
    ],
)
def test_it_records_every_change_to_each_register(world, key, field, value):
    obj = world["a"][key]
    before = obj.history.count()
    setattr(obj, field, value)
    obj.save()
    record = obj.history.latest()
    assert obj.history.count() == before + 1
    assert [c.field for c in record.diff_against(record.prev_record).changes] == [field]


def test_it_records_members_and_trainings_and_their_many_to_many(world, regions):
    from volunteers.models import Training

    training = Training.objects.create(title="儿童心理", held_on=datetime.date(2025, 3, 1), region=regions["town_a"])
    training.attendees.add(world["a"]["mother"])
    assert training.history.count() == 2
    assert list(training.history.latest().attendees.values_list("volunteer_id", flat=True)) == [world["a"]["mother"].pk]
    member = world["a"]["pairing"].members.get()
    pairing_end(pairing=world["a"]["pairing"], reason="moved", on=datetime.date(2025, 6, 1))
    assert member.history.latest().left_on == datetime.date(2025, 6, 1)


def test_it_records_history_for_members_created_in_bulk(regions):
    child = ChildFactory(region=regions["village_a1"])
    mothers = [VolunteerFactory(region=regions["town_a"]) for _ in range(2)]
    pairing = pairing_create(child=child, volunteers=mothers, started_on=datetime.date(2025, 1, 1))
    for member in pairing.members.all():
        assert member.history.get().history_type == "+"


def test_it_does_not_rebuild_an_out_of_scope_or_deleted_record_from_history(client, users, world):
    b_visit = world["b"]["visit"]
    version = b_visit.history.latest()
    client.force_login(users["town_a"])
    for url in (
        reverse("admin:activities_visit_history", args=[b_visit.pk]),
        reverse("admin:activities_visit_simple_history", args=[b_visit.pk, version.history_id]),
    ):
        response = client.get(url)
        assert response.status_code == 404 and "乙童" not in response.content.decode()
    # A deleted row is gone from every queryset; simple-history would rebuild it from its history.
    pk = b_visit.pk
    b_visit.visitors.clear()
    b_visit.delete()
    client.force_login(users["admin"])
    assert client.get(reverse("admin:activities_visit_history", args=[pk])).status_code == 404


def test_it_refuses_to_save_from_a_history_version_page(client, users, world):
    visit = world["a"]["visit"]
    version = visit.history.earliest()
    client.force_login(users["admin"])
    url = reverse("admin:activities_visit_simple_history", args=[visit.pk, version.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"child": visit.child_id, "visited_on": "2020-01-01"}).status_code == 403


# -- exports and imports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,model,export,import_",
    [
        ("admin", Child, True, True),
        ("admin", Visit, True, True),
        ("town_a", Child, False, False),
        ("town_a", Volunteer, False, False),
        ("town_a", Pairing, False, False),
        ("town_a", Visit, True, True),
        ("town_a", Activity, True, True),
        ("viewer", Child, False, False),
        ("viewer", Visit, False, False),
        ("viewer", Activity, False, False),
    ],
)
def test_it_allows_exports_and_imports_by_role(users, role, model, export, import_):
    model_admin = admin.site._registry[model]
    request = _request(users[role])
    assert model_admin.has_export_permission(request) is export
    assert model_admin.has_import_permission(request) is import_


def test_it_records_the_child_record_being_opened(client, users, world):
    from audit.models import RecordView

    child = world["b"]["child"]
    client.force_login(users["admin"])
    client.get(reverse("admin:children_child_change", args=[child.pk]))
    view = RecordView.objects.get()
    assert (view.user, view.child, view.region) == (users["admin"], child, child.region)
    client.force_login(users["town_a"])
    assert client.get(reverse("admin:children_child_change", args=[child.pk])).status_code == 404
    assert RecordView.objects.count() == 1


def test_it_lists_a_masked_field_once_on_forms_without_fieldsets(users, world):
    from django.contrib.admin.utils import flatten_fieldsets

    from volunteers.admin import VolunteerAdmin

    probe = type("Probe", (VolunteerAdmin,), {"fieldsets": None})(Volunteer, admin.site)
    fields = flatten_fieldsets(probe.get_fieldsets(_request(users["town_a"]), world["a"]["mother"]))
    assert fields.count("masked_phone") == 1 and "phone" not in fields
    fields = flatten_fieldsets(probe.get_fieldsets(_request(users["admin"]), world["a"]["mother"]))
    assert "phone" in fields and "masked_phone" not in fields
