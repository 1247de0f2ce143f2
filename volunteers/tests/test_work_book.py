"""履职台账 (issue 15, item 8): a year of each mother's work in the user's scope, through the one
workbook writer, logged as an export, phones masked for masked roles."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from activities.models import VisitMode
from activities.tests.factories import ActivityFactory, VisitFactory
from audit.models import LedgerEvent
from casework.models import ActorKind, Need, NeedStatus
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from volunteers.models import Training
from volunteers.tests.factories import VolunteerFactory
from volunteers.work_book import write_work_book, year_work

D = datetime.date
TODAY = D(2025, 6, 3)


def _pair(mother, village, started, ended=None):
    child = ChildFactory(region=village)
    pairing = PairingFactory(child=child, started_on=started, ended_on=ended)
    PairingMemberFactory(pairing=pairing, volunteer=mother, joined_on=started)
    return child


def _visit(child, mother, on, mode="入户走访"):
    visit = VisitFactory(child=child, visited_on=on, mode=VisitMode.objects.get(name=mode))
    visit.visitors.add(mother)


@pytest.fixture
def busy(regions):
    m = VolunteerFactory(region=regions["town_a"], name="十佳妈妈", phone="13900001111", employer="县一中")
    a = _pair(m, regions["village_a1"], D(2024, 3, 1))  # open all year
    b = _pair(m, regions["village_a1"], D(2025, 2, 1), ended=D(2025, 4, 1))  # paired in the year, ended
    _pair(m, regions["village_a1"], D(2023, 1, 1), ended=D(2024, 6, 1))  # ended before the year
    _visit(a, m, D(2025, 1, 5))
    _visit(a, m, D(2025, 3, 5), mode="电话")
    _visit(b, m, D(2025, 3, 20))
    _visit(a, m, D(2024, 12, 30))  # last year
    for on, hours in [(D(2025, 3, 1), 2), (D(2025, 5, 1), 3.5), (D(2024, 5, 1), 2)]:
        t = Training.objects.create(title=f"培训{on}", held_on=on, region=regions["county"], hours=hours)
        t.attendees.add(m)
    ActivityFactory(region=regions["town_a"], held_on=D(2025, 4, 1)).volunteers.add(m)
    for status, outcome in [(NeedStatus.DONE, "已解决"), (NeedStatus.PENDING, "")]:
        Need.objects.create(
            child=a,
            kind="study",
            description="辅导作业",
            actor_kind=ActorKind.MOTHER,
            volunteer=m,
            found_on=D(2025, 2, 2),
            status=status,
            outcome=outcome,
        )
    return m


def _row(work, name):
    return dict(zip(work.headers, next(r for r in work.rows if r[1] == name), strict=True))


def test_it_counts_a_year_of_her_work(busy, users):
    row = _row(year_work(users["admin"], 2025, today=TODAY), "十佳妈妈")
    assert row["联系电话"] == "13900001111" and row["工作单位"] == "县一中"
    assert row["期末在结对数"] == 1
    assert row["本年结对儿童数"] == 2
    assert row["本年联系次数"] == 3
    assert row["其中：入户走访"] == 2 and row["其中：电话"] == 1
    assert row["最近联系"] == D(2025, 3, 20)
    assert row["参加培训（次）"] == 2 and float(row["培训学时"]) == 5.5
    assert row["参加活动（次）"] == 1
    assert row["承担需求（项）"] == 2 and row["其中已办结"] == 1


def test_the_year_is_checked(users):
    with pytest.raises(ValueError, match="2025"):
        year_work(users["admin"], 2026, today=TODAY)
    with pytest.raises(ValueError):
        year_work(users["admin"], 1999, today=TODAY)


def test_a_township_gets_its_own_mothers_with_masked_phones_and_only_its_childrens_rows(busy, regions, users, world):
    elsewhere = _pair(busy, regions["village_b1"], D(2025, 1, 1))
    _visit(elsewhere, busy, D(2025, 5, 5))
    work = year_work(users["town_a"], 2025, today=TODAY)
    names = {r[1] for r in work.rows}
    assert "十佳妈妈" in names and world["b"]["mother"].name not in names
    row = _row(work, "十佳妈妈")
    assert row["联系电话"] == "139********"
    assert row["本年联系次数"] == 3 and row["期末在结对数"] == 1
    assert _row(year_work(users["admin"], 2025, today=TODAY), "十佳妈妈")["本年联系次数"] == 4


def test_the_workbook_has_the_sheet_a_total_and_is_logged(busy, users):
    buffer = io.BytesIO()
    assert write_work_book(buffer, user=users["admin"], year=2025, today=TODAY) == 1
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet.title == "2025年履职台账"
    assert "爱心妈妈履职台账（2025年，截至2025-06-03）" in sheet["A1"].value
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:3] == ("序号", "姓名", "联系电话")
    assert rows[1][1] == "十佳妈妈" and rows[-1][0] == "合计"
    event = LedgerEvent.objects.get(ledger="mothers_work")
    assert event.user == users["admin"] and event.rows == 1 and event.filters == {"year": "2025"}


def test_the_mothers_list_offers_it_with_a_year_chooser(client, busy, users):
    client.force_login(users["admin"])
    changelist = client.get(reverse("admin:volunteers_volunteer_changelist")).content.decode()
    url = reverse("admin:volunteers_volunteer_work_book")
    assert url in changelist and "履职台账" in changelist
    page = client.get(url)
    assert page.status_code == 200 and "2024年" in page.content.decode()
    response = client.get(url, {"year": "2024"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.title == "2024年履职台账"
    assert client.get(url, {"year": "abc"}).status_code == 200  # the chooser again, with its error
    assert LedgerEvent.objects.filter(ledger="mothers_work").count() == 1


@pytest.mark.parametrize("who", ["town_a", "viewer"])
def test_who_may_not_export_mothers_gets_no_work_ledger(client, busy, users, who):
    client.force_login(users[who])
    assert client.get(reverse("admin:volunteers_volunteer_work_book"), {"year": "2024"}).status_code == 403
    assert not LedgerEvent.objects.filter(ledger="mothers_work").exists()


def test_the_command_writes_it(busy, users, tmp_path):
    out = io.StringIO()
    target = tmp_path / "work.xlsx"
    call_command("export_mothers_work", "--year", "2024", "--user", "county_admin", "-o", str(target), stdout=out)
    assert target.exists() and "爱心妈妈" in out.getvalue()
    with pytest.raises(CommandError, match="无权"):
        call_command("export_mothers_work", "--year", "2024", "--user", "viewer", "-o", str(target))
    with pytest.raises(CommandError, match="年份"):
        call_command("export_mothers_work", "--year", "3000", "--user", "county_admin", "-o", str(target))


def test_the_view_itself_refuses_who_may_not_export_mothers(rf, users):
    """Besides unfold's check on the button: the view asks core.permissions too."""
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    from volunteers.models import Volunteer
    from volunteers.work_book_views import work_book_view

    request = rf.get("/", {"year": "2024"})
    request.user = users["town_a"]
    with pytest.raises(PermissionDenied):
        work_book_view(admin.site._registry[Volunteer], request)
