"""Every pairing transition, with the history it leaves behind."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from children.models import Child
from children.services import child_exit
from children.tests.factories import ChildFactory
from pairing.models import Pairing, PairingMember
from pairing.services import (
    pairing_create,
    pairing_end,
    pairing_member_add,
    pairing_member_leave,
    volunteer_leave,
)
from volunteers.models import Volunteer
from volunteers.tests.factories import VolunteerFactory

D = datetime.date


@pytest.fixture
def child(regions):
    return ChildFactory(region=regions["village_a1"])


@pytest.fixture
def mothers(regions):
    return [VolunteerFactory(region=regions["town_a"]) for _ in range(3)]


def test_it_creates_a_one_to_one_pairing(child, mothers):
    pairing = pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    assert pairing.mode == Pairing.Mode.ONE_TO_ONE
    member = pairing.members.get()
    assert (member.volunteer, member.role, member.joined_on) == (mothers[0], "lead", D(2025, 1, 5))
    assert not Child.objects.unpaired().filter(pk=child.pk).exists()


def test_it_creates_a_many_to_one_pairing_with_the_first_mother_leading(child, mothers):
    pairing = pairing_create(child=child, volunteers=mothers[:2], started_on=D(2025, 1, 5))
    assert pairing.mode == Pairing.Mode.MANY_TO_ONE
    roles = dict(pairing.members.values_list("volunteer", "role"))
    assert roles == {mothers[0].pk: "lead", mothers[1].pk: "assisting"}


def test_it_refuses_a_second_open_pairing_and_writes_nothing(child, mothers):
    pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    with pytest.raises(ValidationError):
        pairing_create(child=child, volunteers=[mothers[1]], started_on=D(2025, 2, 1))
    assert Pairing.objects.filter(child=child).count() == 1


def test_it_refuses_the_same_mother_twice(child, mothers):
    with pytest.raises(ValidationError) as info:
        pairing_create(child=child, volunteers=[mothers[0], mothers[0]], started_on=D(2025, 1, 5))
    assert info.value.code == "duplicate_volunteer"
    assert not Pairing.objects.exists()


def test_it_refuses_an_exited_child(child, mothers):
    child_exit(child=child, reason="moved", on=D(2025, 1, 1))
    with pytest.raises(ValidationError):
        pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))


def test_it_refuses_a_mother_who_has_left(child, mothers):
    volunteer_leave(volunteer=mothers[0], on=D(2025, 1, 1))
    with pytest.raises(ValidationError) as info:
        pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    assert info.value.code == "volunteer_left"


def test_the_per_mother_limit_is_a_clear_error(regions, mothers):
    for _ in range(3):
        pairing_create(
            child=ChildFactory(region=regions["village_a1"]), volunteers=[mothers[0]], started_on=D(2025, 1, 1)
        )
    extra = ChildFactory(region=regions["village_a1"])
    with pytest.raises(ValidationError) as info:
        pairing_create(child=extra, volunteers=[mothers[1], mothers[0]], started_on=D(2025, 1, 1))
    assert info.value.code == "volunteer_limit"
    assert mothers[0].name in info.value.messages[0] and "3" in info.value.messages[0]
    assert not Pairing.objects.filter(child=extra).exists()


def test_the_limit_comes_from_the_setting(settings, regions, mothers):
    settings.PAIRING_MAX_CHILDREN_PER_VOLUNTEER = 1
    pairing_create(child=ChildFactory(region=regions["village_a1"]), volunteers=[mothers[0]], started_on=D(2025, 1, 1))
    with pytest.raises(ValidationError):
        pairing_create(
            child=ChildFactory(region=regions["village_a1"]), volunteers=[mothers[0]], started_on=D(2025, 1, 1)
        )


def test_an_ended_pairing_frees_a_place(settings, regions, mothers):
    settings.PAIRING_MAX_CHILDREN_PER_VOLUNTEER = 1
    first = pairing_create(
        child=ChildFactory(region=regions["village_a1"]), volunteers=[mothers[0]], started_on=D(2025, 1, 1)
    )
    pairing_end(pairing=first, reason="resolved", on=D(2025, 2, 1))
    pairing_create(child=ChildFactory(region=regions["village_a1"]), volunteers=[mothers[0]], started_on=D(2025, 2, 2))


def test_a_member_joins_and_the_pairing_becomes_many_to_one(child, mothers):
    pairing = pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    member = pairing_member_add(pairing=pairing, volunteer=mothers[1], joined_on=D(2025, 3, 1))
    assert (member.role, member.joined_on, member.left_on) == ("assisting", D(2025, 3, 1), None)
    assert Pairing.objects.get(pk=pairing.pk).mode == Pairing.Mode.MANY_TO_ONE


def test_a_member_cannot_join_twice_or_join_an_ended_pairing(child, mothers):
    pairing = pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    with pytest.raises(ValidationError):
        pairing_member_add(pairing=pairing, volunteer=mothers[0], joined_on=D(2025, 3, 1))
    pairing_end(pairing=pairing, reason="other", note="家长不同意", on=D(2025, 4, 1))
    with pytest.raises(ValidationError):
        pairing_member_add(pairing=pairing, volunteer=mothers[1], joined_on=D(2025, 4, 2))


def test_the_limit_applies_when_a_member_joins(settings, regions, child, mothers):
    settings.PAIRING_MAX_CHILDREN_PER_VOLUNTEER = 1
    pairing_create(child=ChildFactory(region=regions["village_a1"]), volunteers=[mothers[1]], started_on=D(2025, 1, 1))
    pairing = pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    with pytest.raises(ValidationError) as info:
        pairing_member_add(pairing=pairing, volunteer=mothers[1], joined_on=D(2025, 3, 1))
    assert info.value.code == "volunteer_limit"


def test_a_member_leaves_and_the_row_stays_as_history(child, mothers):
    pairing = pairing_create(child=child, volunteers=mothers[:2], started_on=D(2025, 1, 5))
    lead = pairing.members.get(volunteer=mothers[0])
    result = pairing_member_leave(member=lead, on=D(2025, 5, 1))
    assert result.is_open and result.mode == Pairing.Mode.ONE_TO_ONE
    lead.refresh_from_db()
    assert lead.left_on == D(2025, 5, 1)
    # The remaining mother takes the lead.
    assert pairing.members.get(volunteer=mothers[1]).role == "lead"
    assert pairing.members.count() == 2


def test_the_last_member_leaving_ends_the_pairing_and_the_child_is_unpaired(child, mothers):
    pairing = pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    result = pairing_member_leave(member=pairing.members.get(), on=D(2025, 5, 1))
    assert (result.ended_on, result.end_reason) == (D(2025, 5, 1), "volunteer_left")
    assert Child.objects.unpaired().filter(pk=child.pk).exists()


def test_a_member_cannot_leave_before_joining_or_twice(child, mothers):
    pairing = pairing_create(child=child, volunteers=mothers[:2], started_on=D(2025, 1, 5))
    member = pairing.members.get(volunteer=mothers[1])
    with pytest.raises(ValidationError):
        pairing_member_leave(member=member, on=D(2025, 1, 1))
    pairing_member_leave(member=member, on=D(2025, 2, 1))
    with pytest.raises(ValidationError):
        pairing_member_leave(member=member, on=D(2025, 3, 1))


@pytest.mark.parametrize("reason", [r.value for r in Pairing.EndReason])
def test_it_ends_a_pairing_with_each_reason(child, mothers, reason):
    pairing = pairing_create(child=child, volunteers=mothers[:2], started_on=D(2025, 1, 5))
    ended = pairing_end(pairing=pairing, reason=reason, on=D(2025, 6, 30), note="说明" if reason == "other" else "")
    assert (ended.ended_on, ended.end_reason) == (D(2025, 6, 30), reason)
    assert set(pairing.members.values_list("left_on", flat=True)) == {D(2025, 6, 30)}
    assert Child.objects.unpaired().filter(pk=child.pk).exists()


def test_ending_rejects_an_unknown_reason_a_date_before_the_start_and_a_second_end(child, mothers):
    pairing = pairing_create(child=child, volunteers=[mothers[0]], started_on=D(2025, 1, 5))
    with pytest.raises(ValidationError):
        pairing_end(pairing=pairing, reason="bored", on=D(2025, 6, 30))
    with pytest.raises(ValidationError):
        pairing_end(pairing=pairing, reason="other", note="家长不同意", on=D(2024, 6, 30))
    assert Pairing.objects.get(pk=pairing.pk).is_open
    pairing_end(pairing=pairing, reason="other", note="家长不同意", on=D(2025, 6, 30))
    with pytest.raises(ValidationError):
        pairing_end(pairing=pairing, reason="moved", on=D(2025, 7, 30))
    assert Pairing.objects.get(pk=pairing.pk).end_reason == "other"


@pytest.mark.parametrize(("exit_reason", "end_reason"), [("aged_out", "aged_out"), ("moved", "moved")])
def test_a_child_exit_ends_its_pairing(child, mothers, exit_reason, end_reason):
    pairing = pairing_create(child=child, volunteers=mothers[:2], started_on=D(2025, 1, 5))
    child_exit(child=child, reason=exit_reason, on=D(2025, 8, 1))
    child.refresh_from_db()
    pairing.refresh_from_db()
    assert (child.status, child.exit_reason, child.exited_on) == ("exited", exit_reason, D(2025, 8, 1))
    assert (pairing.ended_on, pairing.end_reason) == (D(2025, 8, 1), end_reason)
    assert not PairingMember.objects.current().filter(pairing=pairing).exists()


def test_a_mother_leaving_ends_only_pairings_left_without_a_mother(regions, mothers):
    alone = ChildFactory(region=regions["village_a1"])
    shared = ChildFactory(region=regions["village_a1"])
    p_alone = pairing_create(child=alone, volunteers=[mothers[0]], started_on=D(2025, 1, 1))
    p_shared = pairing_create(child=shared, volunteers=[mothers[0], mothers[1]], started_on=D(2025, 1, 1))

    orphaned = volunteer_leave(volunteer=mothers[0], on=D(2025, 9, 1), reason="工作调动")

    assert [p.pk for p in orphaned] == [p_alone.pk]
    mothers[0].refresh_from_db()
    assert (mothers[0].status, mothers[0].left_on, mothers[0].left_reason) == (
        Volunteer.Status.LEFT,
        D(2025, 9, 1),
        "工作调动",
    )
    p_alone.refresh_from_db()
    assert (p_alone.ended_on, p_alone.end_reason) == (D(2025, 9, 1), "volunteer_left")
    assert Pairing.objects.get(pk=p_shared.pk).is_open
    unpaired = set(Child.objects.unpaired().values_list("pk", flat=True))
    assert alone.pk in unpaired and shared.pk not in unpaired
    assert not PairingMember.objects.current().filter(volunteer=mothers[0]).exists()


def test_a_mother_cannot_leave_twice(mothers):
    volunteer_leave(volunteer=mothers[0], on=D(2025, 9, 1))
    with pytest.raises(ValidationError):
        volunteer_leave(volunteer=mothers[0], on=D(2025, 10, 1))


def test_changing_the_lead_swaps_roles_and_leaves_history(child, mothers, users):
    from pairing.services import pairing_lead_change

    pairing = pairing_create(child=child, volunteers=mothers[:3], started_on=D(2025, 1, 5))
    new = pairing.members.get(volunteer=mothers[2])
    pairing_lead_change(member=new, by=users["admin"])
    roles = dict(pairing.members.values_list("volunteer", "role"))
    assert roles == {mothers[0].pk: "assisting", mothers[1].pk: "assisting", mothers[2].pk: "lead"}
    record = pairing.history.latest()
    assert record.history_user == users["admin"]
    assert record.history_change_reason == f"主责妈妈：{mothers[0].name} → {mothers[2].name}"
    assert [h.role for h in new.history.order_by("history_id")] == ["assisting", "lead"]


def test_the_lead_of_an_ended_pairing_or_a_mother_who_left_cannot_be_changed(child, mothers):
    from pairing.services import pairing_lead_change

    pairing = pairing_create(child=child, volunteers=mothers[:3], started_on=D(2025, 1, 5))
    gone = pairing.members.get(volunteer=mothers[1])
    pairing_member_leave(member=gone, on=D(2025, 2, 1))
    with pytest.raises(ValidationError) as info:
        pairing_lead_change(member=gone)
    assert info.value.code == "already_left"
    pairing_end(pairing=pairing, reason="moved", on=D(2025, 3, 1))
    with pytest.raises(ValidationError) as info:
        pairing_lead_change(member=pairing.members.get(volunteer=mothers[2]))
    assert info.value.code == "ended"
    assert pairing.members.get(volunteer=mothers[0]).role == "lead"
