"""动态管理 end to end: township staff propose an exit on a phone, the county approves on the desktop."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_township_proposes_an_exit_on_a_phone_and_the_county_approves_it_on_the_desktop(
    county, open_context, page, shot
):
    from children.models import Child
    from proposals.models import Proposal

    child = county["xiaohua"]
    phone = open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    login(phone, "gedong_staff")
    phone.goto("/proposals/")
    phone.get_by_role("link", name="申请：退出").tap()
    phone.fill("#child-q", "王小")
    phone.get_by_role("button", name="查找").tap()
    phone.locator("#child-results a.choice", has_text="王小花").tap()
    phone.select_option("select[name=reason]", label="年满16周岁（留守儿童）")
    phone.fill("input[name=on]", county["today"].isoformat())
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "propose-exit")
    phone.get_by_role("button", name="提交申请").tap()
    expect(phone.locator(".messages")).to_contain_text("等待县级审批")
    expect(phone.locator("#my-proposals")).to_contain_text("待审批")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "my-proposals")
    assert Child.objects.get(pk=child.pk).status == "active"  # nothing changes before the county decides

    login(page, "fs_admin")
    panel = page.locator("#dash-todo-proposals")
    expect(panel.locator("strong")).to_have_text("1")
    shot(page, "dashboard-panel")
    panel.get_by_role("link", name=re.compile("王小花")).click()
    proposal = Proposal.objects.get(child=child)
    expect(page).to_have_url(re.compile(rf"/admin/proposals/proposal/{proposal.pk}/change/$"))
    expect(page.locator("body")).to_contain_text("年满16周岁（留守儿童）")
    shot(page, "proposal")
    page.get_by_role("link", name=re.compile("审批通过")).click()
    page.get_by_role("button", name="确定").click()
    expect(page).to_have_url(re.compile(rf"/admin/proposals/proposal/{proposal.pk}/change/$"))
    expect(page.locator("body")).to_contain_text("已通过")
    shot(page, "approved")

    child.refresh_from_db()
    assert (child.status, child.exit_reason) == ("exited", "aged_16")
    last = Child.history.filter(id=child.pk).latest("history_date")
    assert last.history_user == county["admin"] and f"#{proposal.pk}" in last.history_change_reason
