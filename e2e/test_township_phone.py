"""Township staff on a phone (375×812): a visit with a photo, and nothing of another township."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def photo(tmp_path):
    from PIL import Image

    path = tmp_path / "走访照片.png"
    Image.new("RGB", (640, 480), (200, 120, 60)).save(path)
    return path


@pytest.fixture
def phone(open_context):
    return open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


def test_township_user_records_a_visit_with_a_photo_and_sees_the_next_due_date(county, phone, photo, shot):
    from activities.models import Visit

    login(phone, "gedong_staff")
    phone.goto("/visits/new/")
    phone.fill("#child-q", "王小")  # the live search lists matches while typing
    child = phone.locator("#child-results a.choice")
    expect(child).to_have_count(1)
    expect(child).to_contain_text("王小花")
    shot(phone, "visit-search")
    child.tap()

    expect(phone.locator("input[name=visited_on]")).to_have_value(county["today"].isoformat())
    expect(phone.get_by_label(re.compile("张秀英"))).to_be_checked()  # the paired mother
    phone.fill("textarea[name=findings]", "孩子学习状态良好，奶奶身体健康。")
    phone.fill("textarea[name=help_given]", "送去课外书两本。")
    phone.set_input_files("input[name=photos]", photo)
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "visit-form")
    phone.get_by_role("button", name="保存走访记录").tap()

    next_due = county["today"] + datetime.timedelta(days=90)  # a green card: every 90 days
    expect(phone.locator(".next-due strong")).to_have_text(f"{next_due:%Y-%m-%d}")
    expect(phone.locator(".messages")).to_contain_text("走访")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "visit-saved")
    visit = Visit.objects.filter(child=county["xiaohua"]).latest("pk")
    assert visit.visited_on == county["today"] and visit.photos.count() == 1


def test_township_user_gets_404_for_another_townships_child(county, phone, problems, shot):
    login(phone, "gedong_staff")
    problems.allow("status of 404")  # the browser logs the 404 this test asks for
    response = phone.goto(f"/children/{county['xiaojun'].pk}/profile/")
    assert response.status == 404
    expect(phone.locator("body")).not_to_contain_text("赵小军")
    shot(phone, "other-township-404")

    own = phone.goto(f"/children/{county['xiaohua'].pk}/profile/")
    assert own.status == 200
    expect(phone.locator("h1")).to_contain_text("王小花")
    shot(phone, "own-child-profile")
