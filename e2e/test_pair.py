"""A county admin pairs a child with two mothers (多对一): the lead is chosen, not clicked first.

Issue 13 item 1 in the browser: clicking 许轩 first and 林阳英 second made 林阳英 the lead. Here
许轩 is chosen first (as another mother) and 林阳英 second (as 主责): the stored lead is 林阳英.
The picker is a search (name, phone tail, team, township); two mothers called 许轩 are told apart
by township, team and phone tail; a mother of another county is never offered.

``SAVE_DOCS_SCREENSHOTS=1`` also writes docs/screenshots/mother-picker.png (1366×768).
"""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def mothers(county):
    from regions.models import Region
    from volunteers.tests.factories import VolunteerFactory, VolunteerTeamFactory

    gedong = Region.objects.get(code="141128100000")
    dawu = Region.objects.get(code="141128101000")
    north = VolunteerTeamFactory(name="北关爱心妈妈服务队", region=gedong)
    dawu_team = VolunteerTeamFactory(name="大武镇巾帼服务队", region=dawu)
    other_county = Region.objects.exclude(code__startswith="141128").filter(level=4).first()
    out = {
        "xu": VolunteerFactory(name="许轩", region=gedong, team=north, phone="13912345678"),
        "xu_dawu": VolunteerFactory(name="许轩", region=dawu, team=dawu_team, phone="13987654321"),
        "lin": VolunteerFactory(name="林阳英", region=gedong, team=north, phone="13700001111"),
    }
    if other_county is not None:
        out["stranger"] = VolunteerFactory(name="许轩琳", region=other_county, phone="13811112222")
    return out


def _choose(page, field: str, term: str, option: str):
    """Open the select2 picker of ``field``, type ``term``, click the option containing ``option``."""
    page.locator(f"#id_{field} + .select2").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    choice = page.locator(".select2-results__option", has_text=option)
    expect(choice).to_have_count(1)
    choice.click()


def test_a_many_to_one_pairing_takes_the_lead_chosen_second_as_its_lead(county, mothers, open_context, shot):
    from pairing.models import Pairing

    page = open_context(viewport=LAPTOP).new_page()
    login(page, "fs_admin")
    child = county["xiaoming"]
    page.goto(f"/admin/pairing/pairing/pair/?child={child.pk}")
    expect(page.locator("#id_child")).to_have_value(str(child.pk))

    # First click: 许轩 (圪洞镇) as another mother; the two 许轩 are told apart in the options.
    page.locator("#id_others + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill("许轩")
    options = page.locator(".select2-results__option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_text("许轩 · 圪洞镇 · 北关爱心妈妈服务队 · 尾号5678")
    expect(options.nth(1)).to_have_text("许轩 · 大武镇 · 大武镇巾帼服务队 · 尾号4321")
    expect(page.locator(".select2-results")).not_to_contain_text("许轩琳")  # another county's mother
    shot(page, "picker-duplicate-names", full_page=False)
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / "mother-picker.png"))
    options.nth(0).click()

    # Second click: 林阳英 as 主责, found by her phone's last digits.
    _choose(page, "lead", "1111", "林阳英 · 圪洞镇")
    expect(page.locator("#id_lead + .select2")).to_contain_text("林阳英 · 圪洞镇 · 北关爱心妈妈服务队 · 尾号1111")
    expect(page.locator("#id_others + .select2")).to_contain_text("许轩 · 圪洞镇")
    shot(page, "pair-form-filled")
    page.get_by_role("button", name="结对").click()

    expect(page).to_have_url(re.compile(r"/admin/pairing/pairing/\d+/change/$"))
    pairing = Pairing.objects.get(child=child, ended_on__isnull=True)
    roles = {m.volunteer_id: m.role for m in pairing.members.all()}
    assert roles == {mothers["lin"].pk: "lead", mothers["xu"].pk: "assisting"}
    assert pairing.mode == Pairing.Mode.MANY_TO_ONE
    expect(page.locator("body")).to_contain_text("林阳英")
    shot(page, "pairing-page", full_page=False)

    # Later the lead changes from the pairing's page, and its history says so.
    page.get_by_role("link", name=re.compile("更换主责妈妈")).click()
    expect(page).to_have_url(reverse("admin:pairing_pairing_change_lead_detail", args=[pairing.pk]))
    page.locator("label", has_text="许轩 · 圪洞镇").click()
    shot(page, "change-lead")
    page.get_by_role("button", name="确定").click()
    expect(page).to_have_url(re.compile(rf"/admin/pairing/pairing/{pairing.pk}/change/$"))
    assert pairing.members.get(role="lead").volunteer == mothers["xu"]
    page.goto(f"/admin/pairing/pairing/{pairing.pk}/history/")
    expect(page.locator("#change-history")).to_contain_text("主责妈妈：林阳英 → 许轩")
    shot(page, "pairing-history")
