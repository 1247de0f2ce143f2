import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from children.models import Child
from children.tests.factories import ChildFactory, make_id_number
from notify.models import Message
from pairing.models import Pairing
from proposals.models import Kind, Proposal, State
from proposals.services import proposal_approve, proposal_return, proposal_submit, proposal_withdraw
from regions.tests.factories import staff_user

D = datetime.date
ON = D(2025, 3, 1).isoformat()


def _exit(world, users, **extra):
    payload = {"reason": "aged_out", "on": ON, **extra}
    return proposal_submit(kind=Kind.EXIT, by=users["town_a"], child=world["a"]["child"], payload=payload)


def test_it_changes_nothing_until_the_county_approves_an_exit(world, users):
    proposal = _exit(world, users)
    child = Child.objects.get(pk=world["a"]["child"].pk)
    assert (proposal.state, child.status) == (State.PENDING, Child.Status.ACTIVE)
    proposal_approve(proposal=proposal, by=users["admin"])
    child.refresh_from_db()
    assert (child.status, child.exit_reason, child.exited_on) == ("exited", "aged_out", D(2025, 3, 1))
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by) == (State.APPROVED, users["admin"])
    assert Pairing.objects.get(pk=world["a"]["pairing"].pk).ended_on == D(2025, 3, 1)


def test_it_names_the_approver_and_the_proposal_in_the_childs_history(world, users):
    proposal = _exit(world, users)
    proposal_approve(proposal=proposal, by=users["admin"])
    last = Child.history.filter(id=world["a"]["child"].pk).latest("history_date")
    assert last.history_user == users["admin"]
    assert f"#{proposal.pk}" in last.history_change_reason and "town_a" in last.history_change_reason
    decided = proposal.history.latest("history_date")
    assert (decided.history_user, decided.state) == (users["admin"], State.APPROVED)


def test_it_needs_the_text_for_other_and_refuses_an_unknown_reason(world, users):
    with pytest.raises(ValidationError):
        _exit(world, users, reason="other")
    with pytest.raises(ValidationError):
        _exit(world, users, reason="family")
    assert not Proposal.objects.exists()
    proposal = _exit(world, users, reason="other", reason_text="随父母迁居外省")
    proposal_approve(proposal=proposal, by=users["admin"])
    child = Child.objects.get(pk=world["a"]["child"].pk)
    assert (child.exit_reason, child.exit_reason_text, child.exit_reason_label()) == (
        "other",
        "随父母迁居外省",
        "随父母迁居外省",
    )


def test_a_proposer_never_approves_their_own(world, users):
    proposal = proposal_submit(
        kind=Kind.EXIT, by=users["admin"], child=world["a"]["child"], payload={"reason": "died", "on": ON}
    )
    with pytest.raises(PermissionDenied):
        proposal_approve(proposal=proposal, by=users["admin"])
    assert Child.objects.get(pk=world["a"]["child"].pk).status == "active"


def test_only_county_admins_and_above_decide(world, users, regions):
    proposal = _exit(world, users)
    # a township account given the permission still cannot: the level decides too
    town_admin = staff_user("town_admin", regions["town_a"], "admin")
    for user in (users["town_a"], users["viewer"], users["nobody"], town_admin):
        with pytest.raises(PermissionDenied):
            proposal_approve(proposal=proposal, by=user)
        with pytest.raises(PermissionDenied):
            proposal_return(proposal=proposal, by=user, reason="不对")
    assert Proposal.objects.get(pk=proposal.pk).state == State.PENDING


def test_another_countys_admin_cannot_decide(world, users, regions):
    from regions.tests.factories import RegionFactory

    other = RegionFactory(code="141129000000", name="临县", parent=regions["county"].parent)
    with pytest.raises(PermissionDenied):
        proposal_approve(proposal=_exit(world, users), by=staff_user("other_admin", other, "admin"))


def test_a_township_cannot_propose_for_another_townships_child(world, users):
    with pytest.raises(ValidationError):
        proposal_submit(
            kind=Kind.EXIT, by=users["town_a"], child=world["b"]["child"], payload={"reason": "died", "on": ON}
        )
    assert not Proposal.objects.exists()


def test_it_keeps_one_pending_proposal_per_child(world, users):
    _exit(world, users)
    with pytest.raises(ValidationError):
        _exit(world, users, reason="died")
    assert Proposal.objects.count() == 1


def test_it_returns_with_a_reason_and_alerts_the_proposer_on_commit(world, users, django_capture_on_commit_callbacks):
    proposal = _exit(world, users)
    with pytest.raises(ValidationError):
        proposal_return(proposal=proposal, by=users["admin"], reason="  ")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        proposal_return(proposal=proposal, by=users["admin"], reason="年龄有误，请核实")
    assert not Message.objects.filter(recipient=users["town_a"]).exists()  # not before the commit
    for callback in callbacks:
        callback()
    message = Message.objects.get(recipient=users["town_a"])
    assert message.body == "年龄有误，请核实" and message.kind == "alert"
    assert Child.objects.get(pk=world["a"]["child"].pk).status == "active"
    with pytest.raises(ValidationError):
        proposal_approve(proposal=proposal, by=users["admin"])  # decided already


def test_proposing_again_withdraws_the_returned_one(world, users):
    first = _exit(world, users)
    proposal_return(proposal=first, by=users["admin"], reason="日期不对")
    second = _exit(world, users, on=D(2025, 2, 1).isoformat())
    first.refresh_from_db()
    assert (first.state, second.state) == (State.WITHDRAWN, State.PENDING)


def test_the_proposer_withdraws_only_their_own(world, users):
    proposal = _exit(world, users)
    with pytest.raises(PermissionDenied):
        proposal_withdraw(proposal=proposal, by=users["town_b"])
    proposal_withdraw(proposal=proposal, by=users["town_a"])
    assert Proposal.objects.get(pk=proposal.pk).state == State.WITHDRAWN


def _new_child_payload(regions, **extra):
    from children.models import ChildCategory

    return {
        "name": "新童",
        "id_number": make_id_number("141128100002"),
        "category": str(ChildCategory.objects.get(name="农村留守儿童").pk),
        "card_colour": "yellow",
        "region": str(regions["village_a2"].pk),
        "entered_on": D(2025, 1, 10).isoformat(),
        **extra,
    }


def test_a_new_child_is_registered_only_on_approval(world, users, regions):
    payload = _new_child_payload(regions)
    proposal = proposal_submit(kind=Kind.NEW_CHILD, by=users["town_a"], payload=payload)
    assert not Child.objects.filter(id_number=payload["id_number"]).exists()
    assert proposal.region == regions["village_a2"]
    proposal_approve(proposal=proposal, by=users["admin"])
    child = Child.objects.get(id_number=payload["id_number"])
    assert (child.card_colour, child.region, child.entered_on) == ("yellow", regions["village_a2"], D(2025, 1, 10))
    assert child.card_changes.get().to_colour == "yellow"
    assert Proposal.objects.get(pk=proposal.pk).child == child
    assert child.history.get().history_user == users["admin"]


def test_a_new_child_in_another_township_is_refused(world, users, regions):
    with pytest.raises(ValidationError):
        proposal_submit(
            kind=Kind.NEW_CHILD,
            by=users["town_a"],
            payload=_new_child_payload(regions, region=str(regions["village_b1"].pk)),
        )


def test_approval_checks_the_payload_again(world, users, regions):
    payload = _new_child_payload(regions)
    proposal = proposal_submit(kind=Kind.NEW_CHILD, by=users["town_a"], payload=payload)
    ChildFactory(id_number=payload["id_number"], region=regions["village_a1"])  # registered meanwhile
    with pytest.raises(ValidationError):
        proposal_approve(proposal=proposal, by=users["admin"])
    assert Proposal.objects.get(pk=proposal.pk).state == State.PENDING


def test_a_kind_needing_no_approval_is_applied_at_once_as_approved_by_its_proposer(world, users):
    payload = {"to_colour": "red", "effective_on": ON, "reason_choice": "走访评估", "reason": ""}
    proposal = proposal_submit(kind=Kind.COLOUR, by=users["town_a"], child=world["a"]["child"], payload=payload)
    assert (proposal.state, proposal.decided_by) == (State.APPROVED, users["town_a"])
    child = Child.objects.get(pk=world["a"]["child"].pk)
    assert child.card_colour == "red"
    assert child.card_changes.latest("created_at").changed_by == users["town_a"]


def test_the_setting_chooses_what_needs_approval(world, users, settings):
    settings.PROPOSALS_NEED_APPROVAL = ["colour"]
    payload = {"to_colour": "red", "effective_on": ON, "reason_choice": "走访评估", "reason": ""}
    proposal = proposal_submit(kind=Kind.COLOUR, by=users["town_a"], child=world["a"]["child"], payload=payload)
    assert proposal.state == State.PENDING
    assert Child.objects.get(pk=world["a"]["child"].pk).card_colour == "green"
    exit_now = proposal_submit(
        kind=Kind.EXIT, by=users["town_b"], child=world["b"]["child"], payload={"reason": "died", "on": ON}
    )
    assert exit_now.state == State.APPROVED
    assert Child.objects.get(pk=world["b"]["child"].pk).status == "exited"


def test_an_exited_child_re_enters_with_its_history_kept(world, users, settings):
    settings.PROPOSALS_NEED_APPROVAL = ["exit", "reenter"]
    child = world["a"]["child"]
    proposal_approve(proposal=_exit(world, users), by=users["admin"])
    back = proposal_submit(
        kind=Kind.REENTER,
        by=users["town_a"],
        child=child,
        payload={"on": D(2025, 6, 1).isoformat(), "reason": "父母再次外出"},
    )
    assert Child.objects.get(pk=child.pk).status == "exited"
    proposal_approve(proposal=back, by=users["admin"])
    child.refresh_from_db()
    assert (child.status, child.exit_reason, child.exited_on, child.entered_on) == ("active", "", None, D(2025, 6, 1))
    statuses = list(Child.history.filter(id=child.pk).order_by("history_date").values_list("status", flat=True))
    assert statuses[-2:] == ["exited", "active"]


def test_re_entry_is_only_for_an_exited_child(world, users):
    with pytest.raises(ValidationError):
        proposal_submit(
            kind=Kind.REENTER, by=users["town_a"], child=world["a"]["child"], payload={"on": ON, "reason": "x"}
        )


def test_an_exit_in_a_closed_month_is_a_correction(world, users, regions):
    from closing.models import Correction, MonthClose, MonthState

    MonthClose.objects.create(region=regions["town_a"], month=D(2025, 3, 1), state=MonthState.CLOSED)
    proposal_approve(proposal=_exit(world, users), by=users["admin"])
    correction = Correction.objects.get(region=regions["town_a"], month=D(2025, 3, 1))
    assert world["a"]["child"].name in correction.record
