"""Issue 13, items 9 and 8 in a browser: a county admin creates a township account and the
village picker finds villages by their township.

方山县's admin (desktop) opens 工作人员账号 › 增加, makes an account for 圪洞镇 and sees its one-time
password once; the new account signs in with it and must change it before anything else.
"""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_county_admin_creates_a_township_account_that_must_change_its_password(county, open_context, shot):
    admin = open_context().new_page()
    login(admin, "fs_admin")
    admin.goto("/admin/regions/staffprofile/")
    admin.locator('a[href$="/admin/regions/staffprofile/add/"]').first.click()
    expect(admin.locator("#staff-create")).to_be_visible()
    role_options = admin.locator("#id_role option").all_inner_texts()
    assert not any("管理员" in text for text in role_options), role_options  # no admin accounts
    admin.fill("#id_username", "gedong_new")
    admin.fill("#id_name", "刘晓燕")
    admin.select_option("#id_role", value="township")
    admin.select_option("#id_region", label="方山县 › 圪洞镇")
    shot(admin, "create-form")
    admin.click("#staff-create button[type=submit]")

    password = admin.locator("#one-time-password").inner_text().strip()
    assert len(password) >= 12
    expect(admin.get_by_role("alert")).to_contain_text("只显示这一次")
    shot(admin, "one-time-password")
    # Shown once: the list and the account's page never show it again.
    admin.get_by_role("link", name="返回工作人员账号").click()
    expect(admin.locator("#result_list")).to_contain_text("gedong_new")
    assert password not in admin.content()
    admin.get_by_role("link", name="gedong_new").click()
    assert password not in admin.content()

    phone = open_context(viewport=PHONE).new_page()
    login(phone, "gedong_new", password)
    phone.wait_for_load_state()
    assert phone.url.endswith("/admin/password_change/"), phone.url
    phone.goto("/admin/children/child/")  # anything else sends it back
    assert phone.url.endswith("/admin/password_change/"), phone.url
    shot(phone, "forced-change")
    phone.fill("#id_old_password", password)
    phone.fill("#id_new_password1", "Gedong-new-2025-xyz")
    phone.fill("#id_new_password2", "Gedong-new-2025-xyz")
    phone.locator("form button[type=submit], form input[type=submit]").last.click()
    phone.goto("/admin/children/child/")
    assert phone.url.endswith("/admin/children/child/"), phone.url
    expect(phone.locator("body")).to_contain_text("王小花")
    shot(phone, "after-change")


def test_the_village_picker_finds_villages_by_their_township(county, page, shot):
    login(page, "fs_admin")
    page.goto(f"/admin/children/child/{county['xiaoming'].pk}/change/")
    page.locator("#id_region").locator("xpath=..").locator(".select2-selection").click()
    search = page.locator('.select2-search__field[aria-controls="select2-id_region-results"]')
    search.fill("大武")
    options = page.locator("#select2-id_region-results .select2-results__option")
    expect(options.first).to_contain_text("大武镇 › ")
    texts = options.all_inner_texts()
    assert texts and all(text.startswith("大武镇 › ") for text in texts), texts
    shot(page, "village-picker")
