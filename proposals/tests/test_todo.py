"""待办: a returned proposal for its proposer, the proposals to decide for the county admin."""

import datetime

import pytest
from django.urls import reverse

from proposals.models import Kind
from proposals.services import proposal_return, proposal_submit
from regions.tests.factories import staff_user
from todo import lists

pytestmark = pytest.mark.django_db
ON = datetime.date(2025, 3, 1).isoformat()
TODAY = datetime.date(2025, 6, 3)


def _exit(world, users, key="a", by=None):
    return proposal_submit(
        kind=Kind.EXIT, by=by or users[f"town_{key}"], child=world[key]["child"], payload={"reason": "died", "on": ON}
    )


def test_a_returned_proposal_is_on_its_proposers_todo_only(world, users, regions):
    proposal = _exit(world, users)
    assert not lists.proposals_returned(users["town_a"], TODAY).exists()
    proposal_return(proposal=proposal, by=users["admin"], reason="核实")
    colleague = staff_user("town_a2", regions["town_a"], "township")
    assert list(lists.proposals_returned(users["town_a"], TODAY)) == [proposal]
    assert not lists.proposals_returned(colleague, TODAY).exists()
    assert not lists.proposals_returned(users["town_b"], TODAY).exists()
    assert lists.counts(users["town_a"], today=TODAY)["proposals"] == 1


def test_the_county_decides_pending_proposals_of_its_area_but_not_its_own(world, users):
    mine = _exit(world, users, "b", by=users["admin"])
    theirs = _exit(world, users, "a")
    assert list(lists.proposals_to_decide(users["admin"])) == [theirs]
    assert mine.pk not in set(lists.proposals_to_decide(users["admin"]).values_list("pk", flat=True))
    for user in (users["town_a"], users["viewer"], users["nobody"]):
        assert not lists.proposals_to_decide(user).exists()


def test_the_todo_page_lists_the_returned_proposal_with_its_reason(client, world, users):
    proposal_return(proposal=_exit(world, users), by=users["admin"], reason="请附证明材料")
    client.force_login(users["town_a"])
    html = client.get(reverse("todo:index")).content.decode()
    assert 'id="todo-proposals"' in html and "请附证明材料" in html


def test_the_dashboard_panel_lists_the_proposals_to_approve(client, world, users):
    proposal = _exit(world, users)
    client.force_login(users["admin"])
    response = client.get(reverse("admin:index"))
    panel = response.context["todo_panel"]
    assert panel["proposals_total"] == 1 and panel["proposals"][0]["proposal"] == proposal
    html = response.content.decode()
    assert 'id="dash-todo-proposals"' in html and "待审批的申请" in html and proposal.summary in html
