"""A transfer: the sending township proposes, the receiving county accepts; access moves with the child."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activities.models import Visit
from children.models import Child
from pairing.models import Pairing
from proposals.models import Kind, Proposal, State
from proposals.services import proposal_approve, proposal_submit
from regions.tests.factories import RegionFactory, staff_user
from todo import lists

pytestmark = pytest.mark.django_db
ON = datetime.date(2025, 3, 1).isoformat()


@pytest.fixture
def elsewhere(regions):
    """临县 with a township and a village, and its admin and township staff."""
    county = RegionFactory(code="141124000000", name="临县", parent=regions["county"].parent)
    town = RegionFactory(code="141124100000", name="临泉镇", parent=county)
    village = RegionFactory(code="141124100001", name="南村", parent=town)
    return {
        "village": village,
        "admin": staff_user("linxian_admin", county, "admin"),
        "town": staff_user("linquan_staff", town, "township"),
    }


def _transfer(world, users, code, end="keep"):
    payload = {"to_code": code, "on": ON, "end_pairings": end}
    return proposal_submit(kind=Kind.TRANSFER, by=users["town_a"], child=world["a"]["child"], payload=payload)


def test_the_receiving_county_accepts_and_access_moves_with_the_child(world, users, elsewhere, settings):
    settings.PROPOSALS_NEED_APPROVAL = []  # a transfer waits for the receiving side all the same
    child = world["a"]["child"]
    proposal = _transfer(world, users, elsewhere["village"].code)
    assert proposal.state == State.PENDING
    # both sides see it; only the receiving county decides
    for user in (users["town_a"], users["admin"], elsewhere["admin"], elsewhere["town"]):
        assert Proposal.objects.for_user(user).filter(pk=proposal.pk).exists()
    assert not Proposal.objects.for_user(users["town_b"]).filter(pk=proposal.pk).exists()
    assert list(lists.proposals_to_decide(elsewhere["admin"])) == [proposal]
    assert not lists.proposals_to_decide(users["admin"]).exists()
    with pytest.raises(PermissionDenied):
        proposal_approve(proposal=proposal, by=users["admin"])

    proposal_approve(proposal=proposal, by=elsewhere["admin"])
    child.refresh_from_db()
    assert child.region == elsewhere["village"]
    assert Child.objects.for_user(elsewhere["town"]).filter(pk=child.pk).exists()
    assert not Child.objects.for_user(users["town_a"]).filter(pk=child.pk).exists()
    assert Visit.objects.filter(child=child).count() == 1  # the visits stay with the child
    assert Pairing.objects.get(pk=world["a"]["pairing"].pk).ended_on is None  # kept, as chosen
    assert Proposal.objects.for_user(users["town_a"]).filter(pk=proposal.pk).exists()  # its record stays


def test_a_transfer_may_end_the_open_pairings(world, users, elsewhere):
    proposal_approve(proposal=_transfer(world, users, elsewhere["village"].code, end="end"), by=elsewhere["admin"])
    pairing = Pairing.objects.get(pk=world["a"]["pairing"].pk)
    assert (pairing.ended_on, pairing.end_reason) == (datetime.date(2025, 3, 1), "moved")


def test_a_transfer_needs_a_real_village_elsewhere(world, users, regions):
    for code in ("141128100001", "141128100000", "999999999999", "12"):  # its own, a township, none, bad
        with pytest.raises(ValidationError):
            _transfer(world, users, code)
    assert not Proposal.objects.exists()


def test_a_transfer_within_the_county_is_accepted_by_the_county(world, users, regions):
    proposal = _transfer(world, users, regions["village_b1"].code)
    assert Proposal.objects.for_user(users["town_b"]).filter(pk=proposal.pk).exists()
    proposal_approve(proposal=proposal, by=users["admin"])
    assert Child.objects.get(pk=world["a"]["child"].pk).region == regions["village_b1"]
