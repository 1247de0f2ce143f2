"""A county admin's day: dashboard with its charts, the overdue list, a child's profile.

``SAVE_DOCS_SCREENSHOTS=1`` also writes docs/screenshots/profile.png (the profile with its 打印一人一档 button).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# True once Chart.js has painted something: any pixel with some opacity.
CANVAS_DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
  return false;
}"""
CHARTS = ["chart-colours", "chart-categories", "chart-sectors", "chart-townships"]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_county_admin_sees_dashboard_charts_overdue_list_and_a_profile(county, page, shot):
    login(page, "fs_admin")
    expect(page.locator(".dash")).to_be_visible()
    expect(page.locator("#dash-overdue strong")).to_have_text("2")
    for chart in CHARTS:
        page.wait_for_function(CANVAS_DRAWN, arg=chart)
    shot(page, "dashboard")

    page.click("#dash-overdue")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("李小明")
    expect(page.locator("#result_list")).to_contain_text("赵小军")
    expect(page.locator("#result_list")).not_to_contain_text("王小花")
    shot(page, "overdue-list")

    page.locator("#result_list").get_by_role("link", name="李小明").click()
    expect(page).to_have_url(re.compile(rf"/admin/children/child/{county['xiaoming'].pk}/change/"))
    shot(page, "child-admin")
    with page.context.expect_page() as opened:  # "在站点上查看" opens the profile in a new tab
        page.get_by_role("link", name="在站点上查看").click()
    profile = opened.value
    expect(profile).to_have_url(re.compile(rf"/children/{county['xiaoming'].pk}/profile/$"))
    expect(profile.locator("h1")).to_contain_text("李小明")
    expect(profile.get_by_role("link", name="打印一人一档（PDF）")).to_be_visible()
    shot(profile, "child-profile")
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        profile.screenshot(path=str(DOCS / "profile.png"))


def test_county_admin_imports_the_sample_ledger_and_downloads_the_monthly_ledger(county, page, shot, tmp_path):
    from children.models import Child
    from core.tests.ledger_helpers import EXPECTED, sample

    login(page, "fs_admin")
    page.goto("/admin/children/child/")
    page.get_by_role("link", name=re.compile("导入$")).click()  # the name starts with the icon's ligature
    page.set_input_files("input[name=import_file]", sample(EXPECTED["children_file"]))
    shot(page, "import-form")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("button", name="确认导入")).to_be_visible()
    expect(page.locator("body")).to_contain_text(f"新增 {EXPECTED['children_valid']}，")
    shot(page, "import-preview")
    page.get_by_role("button", name="确认导入").click()

    expect(page).to_have_url(re.compile(r"/admin/children/child/$"))
    total = 3 + EXPECTED["children_valid"]
    assert Child.objects.count() == total
    newcomer = Child.objects.get(id_number=EXPECTED["children_ids"][0])
    page.fill("input[name=q]", newcomer.name)
    page.keyboard.press("Enter")
    expect(page.locator("#result_list")).to_contain_text(newcomer.name)
    shot(page, "imported-children")

    page.goto("/admin/")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载月度台账").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("方山县") and path.suffix == ".xlsx"
    summary = dict(_rows(path, "汇总"))
    assert summary["在册儿童"] == total
    assert summary["逾期未走访儿童"] >= 2
    shot(page, "ledger-downloaded")


def _rows(path, sheet):
    """(label, value) pairs of a ledger sheet, below its title and header rows."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [(row[0], row[1]) for row in book[sheet].iter_rows(min_row=3, values_only=True) if row and row[0]]
    finally:
        book.close()
