"""A township submits last month from the dashboard; the county admin reviews and closes it."""

import datetime

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_township_submits_its_month_and_the_county_closes_it(county, page, shot):
    from closing.models import MonthClose, MonthState

    last_month = (county["today"].replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month = f"{last_month:%Y-%m}"

    login(page, "gedong_staff")
    page.goto(f"/admin/?month={month}")
    row = page.locator("#dash-month-states tr[data-region='141128100000']")
    expect(row).to_contain_text("未上报")
    shot(page, "township-before-submit")
    row.get_by_role("button", name="上报本月").click()
    expect(page.locator("#dash-month-states tr[data-region='141128100000']")).to_contain_text("已上报")
    shot(page, "township-submitted")

    page.context.clear_cookies()
    login(page, "fs_admin")
    page.goto(f"/admin/?month={month}")
    table = page.locator("#dash-month-states")
    expect(table.locator("tr[data-region='141128100000']")).to_contain_text("已上报")
    expect(table.locator("tr[data-region='141128101000']")).to_contain_text("未上报")
    shot(page, "county-review")
    table.locator("tr[data-region='141128100000']").get_by_role("button", name="审核锁定").click()
    expect(page.locator("#dash-month-states tr[data-region='141128100000']")).to_contain_text("已锁定")
    shot(page, "county-closed")
    close = MonthClose.objects.get(region__code="141128100000", month=last_month)
    assert close.state == MonthState.CLOSED and close.closed_by.username == "fs_admin"
    assert close.ledgers.count() >= 3  # the whole ledger, and one per role (sheets, masking)
