"""The township's phone pages and the county's admin list."""

import datetime

import pytest
from django.urls import reverse

from children.models import Child
from children.tests.test_admin_actions import post_action
from proposals.models import Kind, Proposal, State
from proposals.services import proposal_return, proposal_submit

pytestmark = pytest.mark.django_db
ON = datetime.date(2025, 3, 1).isoformat()


def test_a_township_proposes_an_exit_from_its_phone_page(client, world, users):
    child = world["a"]["child"]
    client.force_login(users["town_a"])
    url = reverse("proposals:propose", args=["exit"])
    page = client.get(url, {"child": child.pk})
    assert page.status_code == 200 and "退出原因" in page.content.decode()
    response = client.post(url, {"child": child.pk, "reason": "aged_16", "reason_text": "", "on": ON}, follow=True)
    assert "等待县级审批" in response.content.decode()
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.state, proposal.proposer, proposal.child) == (
        "exit",
        "pending",
        users["town_a"],
        child,
    )
    assert Child.objects.get(pk=child.pk).status == "active"


def test_bad_input_is_told_in_chinese_and_writes_nothing(client, world, users):
    client.force_login(users["town_a"])
    url = reverse("proposals:propose", args=["exit"])
    response = client.post(url, {"child": world["a"]["child"].pk, "reason": "other", "reason_text": "", "on": "明天"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "请写明" in body or "请说明" in body or "原因" in body
    assert not Proposal.objects.exists()


def test_another_townships_child_is_not_offered(client, world, users):
    client.force_login(users["town_a"])
    url = reverse("proposals:propose", args=["exit"])
    response = client.post(url, {"child": world["b"]["child"].pk, "reason": "died", "on": ON})
    assert response.status_code == 200 and world["b"]["child"].name not in response.content.decode()
    assert not Proposal.objects.exists()
    found = client.get(url, {"q": world["b"]["child"].name})
    assert world["b"]["child"].name not in found.content.decode().replace(f'value="{world["b"]["child"].name}"', "")


def test_a_viewer_may_not_propose(client, world, users):
    client.force_login(users["viewer"])
    assert client.get(reverse("proposals:propose", args=["exit"])).status_code == 403


def test_a_returned_proposal_shows_its_reason_and_can_be_withdrawn(client, world, users):
    proposal = proposal_submit(
        kind=Kind.EXIT, by=users["town_a"], child=world["a"]["child"], payload={"reason": "died", "on": ON}
    )
    proposal_return(proposal=proposal, by=users["admin"], reason="请附死亡证明")
    client.force_login(users["town_a"])
    page = client.get(reverse("proposals:mine")).content.decode()
    assert "请附死亡证明" in page and "已退回" in page or "退回" in page
    client.post(reverse("proposals:withdraw", args=[proposal.pk]))
    assert Proposal.objects.get(pk=proposal.pk).state == State.WITHDRAWN
    client.force_login(users["town_b"])
    assert client.post(reverse("proposals:withdraw", args=[proposal.pk])).status_code == 404


def _pending(world, users):
    return proposal_submit(
        kind=Kind.EXIT, by=users["town_a"], child=world["a"]["child"], payload={"reason": "died", "on": ON}
    )


def test_the_county_approves_from_its_list(client, world, users):
    proposal = _pending(world, users)
    client.force_login(users["admin"])
    listed = client.get(reverse("admin:proposals_proposal_changelist"), {"state__exact": "pending"})
    assert proposal.summary in listed.content.decode()
    confirm = post_action(client, Proposal, "approve_selected", [proposal.pk])
    assert Proposal.objects.get(pk=proposal.pk).state == State.PENDING and confirm.status_code == 200
    post_action(client, Proposal, "approve_selected", [proposal.pk], apply=1)
    assert Proposal.objects.get(pk=proposal.pk).state == State.APPROVED
    assert Child.objects.get(pk=world["a"]["child"].pk).status == "exited"


def test_a_return_needs_its_reason(client, world, users):
    proposal = _pending(world, users)
    client.force_login(users["admin"])
    refused = post_action(client, Proposal, "return_selected", [proposal.pk], apply=1, reason="")
    assert refused.status_code == 200 and Proposal.objects.get(pk=proposal.pk).state == State.PENDING
    post_action(client, Proposal, "return_selected", [proposal.pk], apply=1, reason="信息不全")
    returned = Proposal.objects.get(pk=proposal.pk)
    assert (returned.state, returned.return_reason, returned.decided_by) == (State.RETURNED, "信息不全", users["admin"])


def test_the_detail_page_approves_and_masks_the_id_number(client, world, users, regions):
    from children.models import ChildCategory
    from children.tests.factories import make_id_number

    number = make_id_number("141128100002")
    payload = {
        "name": "新童",
        "id_number": number,
        "category": str(ChildCategory.objects.get(name="农村留守儿童").pk),
        "card_colour": "green",
        "region": str(regions["village_a2"].pk),
        "entered_on": ON,
    }
    proposal = proposal_submit(kind=Kind.NEW_CHILD, by=users["town_a"], payload=payload)
    client.force_login(users["town_a"])
    seen = client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk])).content.decode()
    assert "新童" in seen and number not in seen
    client.force_login(users["admin"])
    assert number in client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk])).content.decode()
    client.post(reverse("admin:proposals_proposal_approve_detail", args=[proposal.pk]), {"apply": "1"})
    assert Child.objects.filter(id_number=number).exists()


def test_a_township_cannot_approve(client, world, users):
    proposal = _pending(world, users)
    client.force_login(users["town_a"])
    post_action(client, Proposal, "approve_selected", [proposal.pk], apply=1)
    response = client.post(reverse("admin:proposals_proposal_approve_detail", args=[proposal.pk]), {"apply": "1"})
    assert response.status_code in (302, 403)
    assert Proposal.objects.get(pk=proposal.pk).state == State.PENDING
