"""A caring mother on her phone (375×812): first sign-in, her child, a contact; nothing else."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
NEW_PASSWORD = "Hua-shu-2026!x"


@pytest.fixture
def phone(open_context):
    return open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


def test_a_mother_signs_in_records_a_contact_and_sees_no_other_child(county, phone, problems, shot):
    from activities.models import Visit
    from volunteers.services import mother_account_grant

    user, password = mother_account_grant(volunteer=county["gedong_town"][0], by=None)  # 张秀英 → 王小花
    phone.goto("/mother/login/")
    phone.fill("input[name=username]", user.username)
    phone.fill("input[name=password]", password)
    shot(phone, "mother-login")
    phone.get_by_role("button", name="登录").tap()

    expect(phone.locator("h1")).to_have_text("修改我的密码")  # the one-time password first
    phone.fill("input[name=old_password]", password)
    phone.fill("input[name=new_password1]", NEW_PASSWORD)
    phone.fill("input[name=new_password2]", NEW_PASSWORD)
    phone.get_by_role("button", name="修改我的密码").tap()

    expect(phone.locator("h1")).to_have_text("张秀英")
    children = phone.locator("#mother-children .todo-item")
    expect(children).to_have_count(1)
    expect(children).to_contain_text("王小花")
    expect(phone.locator("body")).not_to_contain_text("李小明")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "mother-home")

    children.get_by_role("link", name="记录联系").tap()
    phone.get_by_label("微信").check()
    phone.fill("textarea[name=findings]", "微信视频，孩子说期中考试进步了。")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "mother-contact")
    phone.get_by_role("button", name="保存联系记录").tap()

    expect(phone.locator(".messages")).to_contain_text("联系记录已保存")
    expect(phone.locator("#mother-records")).to_contain_text("爱心妈妈本人记录")
    shot(phone, "mother-saved")
    visit = Visit.objects.by_mother().get()
    assert visit.child == county["xiaohua"] and visit.mode.name == "微信"

    problems.allow("status of 404")
    assert phone.goto(f"/mother/children/{county['xiaojun'].pk}/contact/").status == 404
    expect(phone.locator("body")).not_to_contain_text("赵小军")
    problems.allow("status of 403")
    assert phone.goto("/visits/new/").status == 403
    phone.goto("/admin/children/child/")
    assert "/admin/login/" in phone.url
    expect(phone.locator("body")).not_to_contain_text("王小花")
