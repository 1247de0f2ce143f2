"""What a person reads in the browser is Chinese: the login page, the dashboard, the 404 page.

``SAVE_DOCS_SCREENSHOTS=1`` also writes docs/screenshots/404.png (the committed screenshot).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.tests.test_no_english import ENGLISH

from .conftest import DESKTOP, login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _docs_shot(page, name):
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name))


def _english(text: str) -> list[str]:
    return sorted({m.group(1) for m in ENGLISH.finditer(text)})


def test_the_login_page_and_the_dashboard_read_in_chinese(county, page, shot):
    page.goto("/admin/login/")
    expect(page.locator("#login-form")).to_be_visible()
    assert _english(page.locator("body").inner_text()) == []
    assert "欢迎回到" in page.locator("body").inner_text()
    shot(page, "login")

    login(page, "fs_admin")
    expect(page).to_have_title(re.compile("^工作台 .*爱心妈妈"))
    body = page.locator("body").inner_text()
    assert _english(body) == [], body
    assert "最近动作" not in body
    shot(page, "dashboard")


def test_a_missing_page_is_chinese_and_leads_back_to_the_dashboard(county, open_context, problems, shot):
    problems.allow("status of 404")  # the browser logs the 404 it was sent
    page = open_context(viewport=DESKTOP).new_page()
    login(page, "fs_admin")
    expect(page).to_have_url(re.compile("/admin/$"))
    page.goto("/admin/children/child/")
    page.goto("/children/999999/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    assert _english(page.locator("body").inner_text()) == []
    back = page.get_by_role("button", name="返回上一页")
    expect(back).to_be_visible()  # there is a page to go back to
    shot(page, "404")
    _docs_shot(page, "404.png")

    back.click()
    expect(page).to_have_url(re.compile("/admin/children/child/"))
    page.goto("/no-such-page/")
    page.get_by_role("link", name="返回工作台").click()
    expect(page).to_have_url(re.compile("/admin/$"))
