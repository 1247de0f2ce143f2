"""Township staff on a phone (375×812), issue 15 item 1: the login lands on 待办, and 登记走访 on a
child due for a visit opens that child's visit form."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, login
from .test_visit import NO_SIDEWAYS_SCROLL, save_for_docs

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def phone(open_context):
    return open_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


@pytest.fixture
def todo(county):
    """圪洞镇 has, besides the county's children, a need past due with a referral awaiting the
    department, and a child who reaches the age limit next month."""
    from casework import services
    from casework.models import ActorKind, Department
    from children.models import ChildCategory
    from children.tests.factories import ChildFactory, make_id_number
    from regions.models import Region

    today = county["today"]
    need = services.need_add(
        child=county["xiaohua"],
        kind="study",
        description="数学跟不上，需要课后辅导",
        actor_kind=ActorKind.MOTHER,
        volunteer=county["gedong_town"][0],
        found_on=today - datetime.timedelta(days=20),
        due_on=today - datetime.timedelta(days=3),
    )
    services.referral_create(
        need=need,
        department=Department.objects.get(name="教育"),
        referred_on=today - datetime.timedelta(days=10),
        request="协调学校安排课后辅导",
        due_on=today + datetime.timedelta(days=5),
    )
    village = Region.objects.get(code="141128100002")
    soon = (today.replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
    ChildFactory(
        name="孙大伟",
        region=village,
        card_colour="green",
        category=ChildCategory.objects.get(name="困境儿童"),
        id_number=make_id_number(village.code, soon.replace(year=soon.year - 18, day=12)),
    )
    return county


def test_township_staff_land_on_the_todo_list_and_record_a_visit_from_it(todo, phone, shot):
    login(phone, "gedong_staff")
    expect(phone).to_have_url(re.compile(r"/todo/$"))
    expect(phone.locator("h1")).to_contain_text("待办")
    visits = phone.locator("#todo-visits")
    expect(visits.locator("h2")).to_contain_text("7天内到期和逾期未走访")
    card = visits.locator(".todo-item", has_text="李小明")
    expect(card).to_contain_text("从未走访")
    expect(visits).not_to_contain_text("赵小军")  # 大武镇's
    expect(phone.locator("#todo-needs")).to_contain_text("数学跟不上")
    expect(phone.locator("#todo-referrals")).to_contain_text("教育")
    expect(phone.locator("#todo-age_limit")).to_contain_text("孙大伟")
    expect(phone.locator("#todo-months")).to_contain_text("无")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    save_for_docs(shot(phone, "todo", full_page=False), "todo-phone.png")
    shot(phone, "todo-whole-page")

    card.get_by_role("link", name="登记走访").tap()
    expect(phone).to_have_url(re.compile(rf"/visits/new/\?child={todo['xiaoming'].pk}$"))
    expect(phone.locator("textarea[name=findings]")).to_be_visible()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    expect(phone.locator("#topbar-todo")).to_contain_text("待办")


def test_the_county_admin_still_lands_on_the_dashboard_with_its_todo_panel(todo, page, shot):
    login(page, "fs_admin")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    panel = page.locator("#dash-todo")
    expect(panel).to_contain_text("待审核的月份")
    expect(panel.locator("#dash-todo-overdue")).to_contain_text("圪洞镇")
    shot(page, "dashboard-todo-panel", full_page=False)


def test_township_staff_find_the_todo_link_with_its_count_in_the_admin_sidebar(todo, page, shot):
    login(page, "gedong_staff")
    expect(page).to_have_url(re.compile(r"/todo/$"))
    page.goto("/admin/children/child/")
    link = page.locator("#nav-todo a")
    expect(link).to_contain_text("待办")
    expect(page.locator("#nav-todo-count")).to_have_text("5")  # 2 visits, a need, a referral, an age limit
    shot(page, "sidebar-todo-link", full_page=False)
    link.click()
    expect(page).to_have_url(re.compile(r"/todo/$"))
