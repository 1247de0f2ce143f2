"""Township staff on a phone (375×812), issue 13: from the compact overdue list to a visit that
credits the child's current mother from another township, and a mother found by search."""

import datetime
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
GUARDIAN_PHONE = "13912345678"


def save_for_docs(path: Path, name: str) -> None:
    """Copy a screenshot into docs/screenshots only when asked (SAVE_DOCS_SCREENSHOTS=1)."""
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS / name)


@pytest.fixture
def phone(open_context):
    return open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


@pytest.fixture
def cross(county):
    """圪洞镇's 孙小雨 is paired with 陈丽华 of 大武镇 (a pairing across townships); a few more
    children of 圪洞镇 are behind with their visits, so the list looks like a real one."""
    from activities.tests.factories import VisitFactory
    from children.tests.factories import ChildFactory, make_id_number
    from pairing.tests.factories import PairingFactory, PairingMemberFactory
    from regions.models import Region

    today = county["today"]
    village = Region.objects.get(code="141128100001")
    born = datetime.date(2014, 5, 6)

    def kid(name, colour, days_ago=None, **extra):
        child = ChildFactory(
            name=name, region=village, card_colour=colour, id_number=make_id_number(village.code, born), **extra
        )
        if days_ago is not None:
            VisitFactory(child=child, visited_on=today - datetime.timedelta(days=days_ago))
        return child

    child = kid("孙小雨", "red", 20, guardian_name="孙大山", guardian_relation="祖父", guardian_phone=GUARDIAN_PHONE)
    far = county["dawu_town"][0]  # 陈丽华, 大武镇
    pairing = PairingFactory(child=child, started_on=today - datetime.timedelta(days=100))
    PairingMemberFactory(pairing=pairing, volunteer=far, joined_on=pairing.started_on)
    kid("周小兰", "yellow", 45)
    kid("吴小东", "green", 120)
    kid("郑小北", "red", 31)
    return {"child": child, "far": far, "searched": county["gedong_town"][1]}  # 刘桂兰, 圪洞镇


def test_township_staff_credit_a_mother_of_another_township_from_the_overdue_list(cross, county, phone, shot):
    from activities.models import Visit

    login(phone, "gedong_staff")
    phone.goto("/admin/children/child/?visit_status=overdue")
    cards = phone.locator("td.child-card")
    expect(cards.first).to_be_visible()
    assert cards.count() == 5  # 李小明 and the four above; 赵小军 is 大武镇's
    card = cards.filter(has_text="孙小雨")
    expect(card).to_contain_text("逾期 6 天")  # a red card: every 14 days, last visit 20 days ago
    expect(card).to_contain_text("红")
    # Compact: the card is a few lines, not one per column.
    assert card.bounding_box()["height"] < 120
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    save_for_docs(shot(phone, "overdue-list", full_page=False), "overdue-phone.png")

    card.get_by_role("link", name="登记走访").tap()
    expect(phone).to_have_url(re.compile(rf"/visits/new/\?child={cross['child'].pk}$"))
    expect(phone.get_by_role("link", name=re.compile(GUARDIAN_PHONE))).to_have_attribute(
        "href", f"tel:{GUARDIAN_PHONE}"
    )
    current = phone.get_by_label(re.compile("陈丽华 · 大武镇"))
    expect(current).to_be_checked()  # the child's current mother, from another township

    phone.fill("#mother-q", "刘桂")  # another mother who came along, found by search
    phone.locator("#mother-results button.choice", has_text="刘桂兰").tap()
    expect(phone.get_by_label(re.compile("刘桂兰 · 圪洞镇"))).to_be_checked()
    phone.fill("textarea[name=findings]", "孩子在校表现良好，祖父身体尚可。")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "visit-form-cross-township")
    phone.get_by_role("button", name="保存走访记录").tap()

    expect(phone.locator(".messages")).to_contain_text("走访")
    shot(phone, "visit-saved")
    visit = Visit.objects.get(child=cross["child"], visited_on=county["today"])
    assert set(visit.visitors.all()) == {cross["far"], cross["searched"]}
    assert visit.recorded_by.username == "gedong_staff"
