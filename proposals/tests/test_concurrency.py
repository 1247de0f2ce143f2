"""Two county admins approve the same proposal at the same moment: the change is applied once.

A new child: without the lock on the proposal both approvals would pass the form (neither sees
the other's uncommitted child) and the second would fail on the unique ID number with a database
error; with it, the second waits, then finds the proposal decided and says so.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from children.models import Child, ChildCategory
from children.tests.factories import make_id_number
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


def test_two_approvers_at_once_register_a_new_child_once(world, users, regions):
    number = make_id_number("141128100002")
    payload = {
        "name": "新童",
        "id_number": number,
        "category": str(ChildCategory.objects.get(name="农村留守儿童").pk),
        "card_colour": "green",
        "region": str(regions["village_a2"].pk),
        "entered_on": datetime.date(2025, 3, 1).isoformat(),
    }
    proposal = proposal_submit(kind=Kind.NEW_CHILD, by=users["town_a"], payload=payload)
    second = staff_user("county_admin_2", regions["county"], "admin")

    results = together(
        lambda: proposal_approve(proposal=proposal, by=users["admin"]),
        lambda: proposal_approve(proposal=proposal, by=second),
    )

    approved = [r for r in results if isinstance(r, Proposal)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(approved), len(refused)) == (1, 1), results
    assert refused[0].code == "decided"
    assert Child.objects.filter(id_number=number).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).state == State.APPROVED
