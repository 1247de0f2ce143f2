"""Admin actions ask for details, then call the same services as everything else."""

import datetime

from django.urls import reverse

from children.models import CardChange, Child
from pairing.models import Pairing, PairingMember
from volunteers.models import Volunteer
from volunteers.tests.factories import VolunteerFactory

TODAY = datetime.date.today().isoformat()


def post_action(client, model, action, pks, **data):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return client.post(url, {"action": action, "_selected_action": pks, **data}, follow=True)


def test_change_colour_asks_first_then_records_who(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    first = post_action(client, Child, "change_card_colour", [child.pk])
    assert first.status_code == 200 and "reason" in first.context["form"].fields
    assert not CardChange.objects.exists()
    post_action(
        client,
        Child,
        "change_card_colour",
        [child.pk],
        apply=1,
        to_colour="red",
        effective_on=TODAY,
        reason_choice="其他",
        reason="监护缺失",
    )
    change = CardChange.objects.get(child=child)
    assert (change.to_colour, change.reason, change.changed_by) == ("red", "监护缺失", users["admin"])


def test_change_colour_without_a_reason_writes_nothing(client, users, world):
    client.force_login(users["admin"])
    response = post_action(
        client,
        Child,
        "change_card_colour",
        [world["a"]["child"].pk],
        apply=1,
        to_colour="red",
        effective_on=TODAY,
        reason_choice="其他",
    )
    assert response.context["form"].errors["reason"]
    assert not CardChange.objects.exists()


def test_the_card_colour_field_is_read_only_on_the_change_form(client, users, world):
    client.force_login(users["admin"])
    response = client.get(reverse("admin:children_child_change", args=[world["a"]["child"].pk]))
    assert "card_colour" not in response.context["adminform"].form.fields


def test_exit_ends_the_pairing(client, users, world):
    client.force_login(users["admin"])
    post_action(client, Child, "exit_programme", [world["a"]["child"].pk], apply=1, reason="aged_out", on=TODAY)
    pairing = Pairing.objects.get(pk=world["a"]["pairing"].pk)
    assert pairing.end_reason == "aged_out"


def test_a_township_user_does_not_get_the_actions(client, users, world):
    client.force_login(users["town_a"])
    response = client.get(reverse("admin:children_child_changelist"))
    form = response.context["action_form"]
    assert form is None or "change_card_colour" not in dict(form.fields["action"].choices)
    child = world["a"]["child"]
    post_action(
        client, Child, "change_card_colour", [child.pk], apply=1, to_colour="red", effective_on=TODAY, reason="x"
    )
    assert not CardChange.objects.exists()


def test_end_pairing_with_a_reason(client, users, world):
    client.force_login(users["admin"])
    response = post_action(
        client, Pairing, "end_pairings", [world["a"]["pairing"].pk], apply=1, reason="moved", on=TODAY
    )
    assert response.status_code == 200
    assert Pairing.objects.get(pk=world["a"]["pairing"].pk).end_reason == "moved"


def test_add_member_and_leave(client, users, world):
    extra = VolunteerFactory(region=world["regions"]["town_a"])
    client.force_login(users["admin"])
    pairing = world["a"]["pairing"]
    post_action(
        client, Pairing, "add_member", [pairing.pk], apply=1, volunteer=extra.pk, role="assisting", joined_on=TODAY
    )
    member = PairingMember.objects.get(pairing=pairing, volunteer=extra)
    post_action(client, PairingMember, "leave_pairing", [member.pk], apply=1, on=TODAY)
    member.refresh_from_db()
    assert str(member.left_on) == TODAY
    assert Pairing.objects.get(pk=pairing.pk).is_open


def test_the_pair_page_pairs_an_unpaired_child_with_two_mothers(client, users, world):
    regions = world["regions"]
    from children.tests.factories import ChildFactory

    child = ChildFactory(region=regions["village_a1"])
    first, second = VolunteerFactory(region=regions["town_a"]), VolunteerFactory(region=regions["town_a"])
    client.force_login(users["admin"])
    url = reverse("admin:pairing_pairing_add")
    page = client.get(url, {"child": child.pk})
    assert child in page.context["form"].fields["child"].queryset
    assert world["a"]["child"] not in page.context["form"].fields["child"].queryset  # already paired
    # The lead is the one chosen as 主责, whichever was picked first.
    client.post(url, {"child": child.pk, "others": [first.pk], "lead": second.pk, "started_on": TODAY})
    pairing = Pairing.objects.get(child=child)
    assert pairing.mode == Pairing.Mode.MANY_TO_ONE
    assert pairing.members.get(role="lead").volunteer == second


def test_the_pair_page_shows_the_limit_error(client, users, world, settings):
    settings.PAIRING_MAX_CHILDREN_PER_VOLUNTEER = 1
    from children.tests.factories import ChildFactory

    child = ChildFactory(region=world["regions"]["village_a1"])
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:pairing_pairing_pair"),
        {"child": child.pk, "lead": world["a"]["mother"].pk, "started_on": TODAY},
    )
    assert response.status_code == 200
    assert "1" in str(response.context["form"].non_field_errors())
    assert not Pairing.objects.filter(child=child).exists()


def test_the_pair_page_does_not_offer_another_townships_children(client, users, world):
    client.force_login(users["admin"])
    from children.tests.factories import ChildFactory

    other = ChildFactory(region=world["regions"]["village_b1"])
    users["admin"].staff_profile.region = world["regions"]["town_a"]
    users["admin"].staff_profile.save()
    page = client.get(reverse("admin:pairing_pairing_pair"))
    assert other not in page.context["form"].fields["child"].queryset


def test_a_mother_leaves_the_programme_from_the_admin(client, users, world):
    mother = world["a"]["mother"]
    client.force_login(users["admin"])
    response = post_action(client, Volunteer, "leave_programme", [mother.pk], apply=1, on=TODAY, reason="搬家")
    mother.refresh_from_db()
    assert mother.status == "left"
    assert Child.objects.unpaired().filter(pk=world["a"]["child"].pk).exists()
    assert world["a"]["child"].name in response.content.decode()


def test_the_colour_can_be_changed_from_the_childs_page(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    url = reverse("admin:children_child_change_colour_detail", args=[child.pk])
    assert url in client.get(reverse("admin:children_child_change", args=[child.pk])).content.decode()
    assert "reason" in client.get(url).context["form"].fields
    response = client.post(url, {"to_colour": "yellow", "effective_on": TODAY, "reason_choice": "走访评估"})
    assert response.status_code == 302
    assert CardChange.objects.get(child=child).changed_by == users["admin"]


def test_a_detail_action_cannot_reach_another_townships_child(client, users, world):
    users["admin"].staff_profile.region = world["regions"]["town_a"]
    users["admin"].staff_profile.save()
    client.force_login(users["admin"])
    url = reverse("admin:children_child_change_colour_detail", args=[world["b"]["child"].pk])
    assert client.post(url, {"to_colour": "red", "effective_on": TODAY, "reason": "x"}).status_code == 404
    assert not CardChange.objects.exists()


def test_a_pairing_ends_from_its_page_and_a_refusal_is_shown_on_the_form(client, users, world):
    pairing = world["a"]["pairing"]
    client.force_login(users["admin"])
    url = reverse("admin:pairing_pairing_end_detail", args=[pairing.pk])
    refused = client.post(url, {"reason": "moved", "on": "2000-01-01"})
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    assert client.post(url, {"reason": "moved", "on": TODAY}).status_code == 302
    assert Pairing.objects.get(pk=pairing.pk).end_reason == "moved"


def test_a_mother_leaves_from_her_page(client, users, world):
    mother = world["b"]["mother"]
    client.force_login(users["admin"])
    url = reverse("admin:volunteers_volunteer_leave_detail", args=[mother.pk])
    assert client.post(url, {"on": TODAY, "reason": "退休"}).status_code == 302
    mother.refresh_from_db()
    assert (mother.status, mother.left_reason) == ("left", "退休")


def test_the_pair_action_opens_the_pair_page_for_one_child(client, users, world):
    client.force_login(users["admin"])
    child = world["a"]["child"]
    response = post_action(client, Child, "pair_with_mothers", [child.pk])
    assert response.redirect_chain[-1][0].endswith(f"/pair/?child={child.pk}")
    both = post_action(client, Child, "pair_with_mothers", [child.pk, world["b"]["child"].pk])
    assert not both.redirect_chain or "/pair/" not in both.redirect_chain[-1][0]
