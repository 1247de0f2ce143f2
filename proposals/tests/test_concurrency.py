"""Two county admins approve the same proposal at the same moment: the change is applied once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from children.models import CardChange, Child
from core.tests.concurrency import restore_seeded_rows, together  # noqa: F401 (a fixture)
from proposals.models import Kind, Proposal, State
from proposals.services import proposal_approve, proposal_submit
from regions.tests.factories import staff_user

pytestmark = [
    pytest.mark.security,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once need a server database"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_seeded_rows"),
]


def test_two_approvers_at_once_apply_a_colour_change_once(world, users, regions, settings):
    settings.PROPOSALS_NEED_APPROVAL = ["colour"]
    child = world["a"]["child"]
    payload = {"to_colour": "red", "effective_on": datetime.date(2025, 3, 1).isoformat(), "reason_choice": "走访评估"}
    proposal = proposal_submit(kind=Kind.COLOUR, by=users["town_a"], child=child, payload=payload)
    second = staff_user("county_admin_2", regions["county"], "admin")
    before = CardChange.objects.filter(child=child).count()

    results = together(
        lambda: proposal_approve(proposal=proposal, by=users["admin"]),
        lambda: proposal_approve(proposal=proposal, by=second),
    )

    approved = [r for r in results if isinstance(r, Proposal)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(approved), len(refused)) == (1, 1), results
    assert "已" in refused[0].messages[0]
    assert CardChange.objects.filter(child=child).count() == before + 1
    assert Child.objects.get(pk=child.pk).card_colour == "red"
    assert Proposal.objects.get(pk=proposal.pk).state == State.APPROVED
