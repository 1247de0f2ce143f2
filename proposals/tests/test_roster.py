"""全覆盖核查's one click: candidates become proposals, pending for another county admin."""

import re

import pytest
from django.test import Client

from children.models import Child
from proposals.models import Kind, Proposal, State
from proposals.services import proposal_approve
from regions.tests.factories import staff_user
from roster.tests.samples import roster_file, world_of_children
from roster.tests.test_views import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_folder(settings, tmp_path):
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"


def _reconciled(regions, users):
    ours, rows, extra = world_of_children(regions)
    client = Client()
    client.force_login(users["admin"])
    page = upload(client, roster_file(rows)).content.decode()
    url = re.search(r'action="(/admin/children/reconcile/[0-9a-f]{32}/propose/)"', page)[1]
    return client, url, ours, extra


def test_one_click_turns_the_candidates_into_pending_proposals(regions, users, settings):
    settings.PROPOSALS_NEED_APPROVAL = []  # even then: the candidates wait for a person
    client, url, ours, extra = _reconciled(regions, users)
    response = client.post(url, follow=True)
    assert "待审批" in response.content.decode() or response.status_code == 200
    new = Proposal.objects.get(kind=Kind.NEW_CHILD)
    assert (new.state, new.payload["id_number"], new.region) == (
        State.PENDING,
        extra["unregistered"],
        regions["village_a2"],
    )
    gone = Proposal.objects.get(kind=Kind.EXIT)
    assert (gone.state, gone.child) == (State.PENDING, ours["ours_only"])
    assert "全覆盖核查" in gone.payload["reason_text"]
    assert Child.objects.get(pk=ours["ours_only"].pk).status == "active"
    assert not Child.objects.filter(id_number=extra["unregistered"]).exists()
    # another county admin approves; the one who clicked cannot
    proposal_approve(proposal=new, by=staff_user("county_admin_2", regions["county"], "admin"))
    assert Child.objects.filter(id_number=extra["unregistered"], category__name="困境儿童").exists()


def test_the_click_works_once_and_only_for_the_session_that_reconciled(regions, users):
    client, url, ours, extra = _reconciled(regions, users)
    other = Client()
    other.force_login(staff_user("county_admin_2", regions["county"], "admin"))
    assert other.post(url).status_code == 404
    client.post(url)
    assert client.post(url).status_code == 404
    assert Proposal.objects.count() == 2
