"""Period statistics (阶段统计): the flow check, agreement with the month's figures, bands, scope."""

import datetime
import io
import random
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import ActivityType, Course, Workstation
from activities.tests.factories import ActivityFactory, VisitFactory
from audit.models import LedgerEvent
from children.models import Child, ChildCategory
from children.services import child_exit
from children.tests.factories import ChildFactory, make_id_number
from core.tests.test_no_english import english_in
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from reports.indicators import compute
from reports.statistics import SHEETS, period_statistics, preset_range
from reports.statistics_book import write_statistics
from volunteers.models import Training
from volunteers.tests.factories import VolunteerFactory

D = datetime.date
Q1 = (D(2025, 1, 1), D(2025, 3, 31))
QUARTERS_2025 = [(D(2025, m, 1), D(2025, m + 2, 30 if m in (4, 7) else 31)) for m in (1, 4, 7, 10)]


def _end_reason(child) -> str:
    """The pairing's end reason for the child's exit, as ``child_exit`` maps it."""
    from pairing.models import Pairing

    return child.exit_reason if child.exit_reason in Pairing.EndReason.values else Pairing.EndReason.OTHER


def random_county(regions, rng: random.Random, children: int) -> None:
    """Children entering and leaving at random dates in 2024–2025, with pairings, visits,
    activities and mothers, all dated consistently (an exit after the entry)."""
    villages = [regions["village_a1"], regions["village_a2"], regions["village_b1"], regions["village_b2"]]
    categories = list(ChildCategory.objects.all())
    first = D(2024, 1, 1)

    def day(after=first, span=730):
        return after + datetime.timedelta(days=rng.randrange(span))

    mothers = [
        VolunteerFactory(region=villages[i % 4].parent, joined_on=day(), phone=f"137{rng.randrange(10**8):08d}")
        for i in range(max(3, children // 3))
    ]
    for i in range(children):
        entered = day()
        exited = day(entered, 400) if rng.random() < 0.4 else None
        born = D(2007, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 18))
        child = ChildFactory(
            region=villages[i % 4],
            category=rng.choice(categories),
            id_number=make_id_number(villages[i % 4].code, born, rng.random() < 0.5),
            entered_on=entered,
            status="exited" if exited else "active",
            exit_reason=rng.choice(Child.ExitReason.values) if exited else "",
            exited_on=exited,
        )
        if rng.random() < 0.7:
            started = day(entered, 60)
            ended = exited if exited and exited > started else None
            pairing = PairingFactory(
                child=child, started_on=started, ended_on=ended, end_reason=_end_reason(child) if ended else ""
            )
            for mother in rng.sample(mothers, rng.choice([1, 1, 2, 3])):
                PairingMemberFactory(pairing=pairing, volunteer=mother, joined_on=started)
        for _ in range(rng.randrange(3)):
            VisitFactory(child=child, visited_on=day(entered, 200), goods_value=Decimal(rng.choice([0, 50])))
    courses = [Course.objects.create(name=f"课程{i}", region=regions["county"]) for i in range(3)]
    stations = [Workstation.objects.create(name=f"工作站{i}", region=v.parent) for i, v in enumerate(villages)]
    for _ in range(children // 4):
        ActivityFactory(
            region=rng.choice(villages).parent,
            held_on=day(),
            person_times=rng.randrange(40),
            goods_value=Decimal(100),
            course=rng.choice([None, *courses]),
            workstation=rng.choice([None, *stations]),
        )


def ranges(rng):
    yield from QUARTERS_2025
    yield D(2024, 1, 1), D(2025, 12, 31)
    for _ in range(10):
        start = D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(700))
        yield start, start + datetime.timedelta(days=rng.randrange(200))


def test_the_flow_holds_on_random_data(regions, users):
    rng = random.Random(15)
    random_county(regions, rng, 60)
    for user in (users["admin"], users["town_a"], None):
        for start, end in ranges(rng):
            f = period_statistics(user, start, end, today=D(2026, 6, 1))
            assert f.flow_holds, (start, end, f.flow_text())
            assert f.opening + f.entered - f.exited == f.closing
    # Not trivially: children came and went.
    year = period_statistics(None, D(2025, 1, 1), D(2025, 12, 31), today=D(2026, 6, 1))
    assert year.entered and year.exited and year.opening


def test_the_flow_check_fails_and_says_so_when_an_exit_predates_the_entry(world, users, client, tmp_path):
    """Entered on 2025-02-10 but exited on 2024-12-20: new in the quarter, yet neither on the
    books at its end nor exited in it."""
    ChildFactory(
        region=world["regions"]["village_a1"],
        entered_on=D(2025, 2, 10),
        status="exited",
        exit_reason="moved",
        exited_on=D(2024, 12, 20),
    )
    f = period_statistics(users["admin"], *Q1)
    assert not f.flow_holds and f.flow_difference == 1
    assert "1" in f.flow_text() and "≠" in f.flow_text()
    client.force_login(users["admin"])
    page = client.get(reverse("reports:statistics"), {"period": "custom", "start": "2025-01-01", "end": "2025-03-31"})
    assert 'style="color:#c00000' in page.content.decode()
    assert f.flow_text() in page.content.decode()
    out = io.StringIO()
    call_command(
        "export_statistics",
        "--from",
        "2025-01-01",
        "--to",
        "2025-03-31",
        "-o",
        tmp_path / "s.xlsx",
        stdout=out,
    )
    assert f.flow_text() in out.getvalue()


def test_an_exited_child_without_an_exit_date_breaks_the_flow(world, users):
    ChildFactory(region=world["regions"]["village_a1"], entered_on=D(2025, 1, 5), status="exited", exit_reason="moved")
    assert period_statistics(users["admin"], *Q1).flow_difference == 1


@pytest.mark.parametrize("month", [D(2025, 1, 1), D(2025, 2, 1), D(2024, 12, 1)])
@pytest.mark.parametrize("who", ["admin", "town_a", "viewer"])
def test_a_one_month_range_gives_the_months_figures(casebook, users, month, who):
    user = users[who]
    m = compute(month=month, user=user)
    f = period_statistics(user, m.month, m.end)
    assert f.closing == m.children_total
    assert sum(n for *_k, n in f.structure) == m.children_total
    by_category = {}
    for category, _band, _gender, n in f.structure:
        by_category[category] = by_category.get(category, 0) + n
    assert by_category == dict(m.children_by_category)
    assert (f.paired, f.coverage) == (m.paired, m.paired_pct)
    assert (f.one_to_one, f.many_to_one) == (m.one_to_one, m.many_to_one)
    assert (f.mothers_active, f.mothers_by_sector, f.teams) == (m.mothers_total, m.mothers_by_sector, m.teams)
    assert (f.visits, f.children_visited, f.visit_goods) == (m.visits, m.children_visited, m.visit_goods)
    assert (f.activities, f.person_times, f.activity_goods) == (
        m.activities.month,
        m.person_times.month,
        m.activity_goods.month,
    )
    assert (f.trainings, f.training_attendance) == (m.trainings.month, m.training_attendance.month)


def test_the_casebooks_january_by_hand(casebook, users):
    f = period_statistics(users["admin"], D(2025, 1, 1), D(2025, 1, 31))
    # 甲童 乙童 红童 黄童 丙童 and the child leaving in February; one exited in December 2024.
    assert (f.opening, f.entered, f.exited, f.closing) == (6, 0, 0, 6)
    feb = period_statistics(users["admin"], D(2025, 2, 1), D(2025, 2, 28))
    assert (feb.opening, feb.exited, feb.closing) == (6, 1, 5)
    assert dict(feb.exits_by_reason) == {
        "父母返乡": 0,
        "监护恢复": 0,
        "年满16周岁（留守儿童）": 0,
        "年满18周岁": 0,
        "户籍迁出": 1,
        "困境解除": 0,
        "转为其他类别": 0,
        "死亡": 0,
        "其他": 0,
    }
    assert feb.pairings_ended == 1 and dict(feb.pairings_ended_by_reason)["迁出"] == 1


def test_age_bands_at_the_end_date(world, users):
    """On 2025-03-31: born 2019-04-01 is 5, born 2019-03-31 is 6; likewise 13/14, 16/17, 17/18."""
    village = world["regions"]["village_b2"]
    for born in [
        D(2019, 4, 1),
        D(2019, 3, 31),
        D(2011, 4, 1),
        D(2011, 3, 31),
        D(2008, 4, 1),
        D(2008, 3, 31),
        D(2007, 4, 1),
        D(2007, 3, 31),
    ]:
        ChildFactory(region=village, id_number=make_id_number(village.code, born, male=False))
    f = period_statistics(None, *Q1, region=village)
    girls = {band: n for _c, band, gender, n in f.structure if gender == "F"}
    assert girls == {"0-5": 1, "6-13": 2, "14-16": 2, "17": 2, "18+": 1}
    table = f.tables()["儿童结构"][0]
    assert [row[1] for row in table.rows][-5:] == ["0–5岁", "6–13岁", "14–16岁", "17岁", "18岁及以上"]
    total = table.rows[-5:]
    assert [row[3] for row in total] == [1, 2, 2, 2, 1] and all(row[2] == 0 for row in total)


def test_one_to_one_and_many_to_one(world, users):
    r = world["regions"]
    m1, m2, m3 = (VolunteerFactory(region=r["town_b"]) for _ in range(3))
    solo = ChildFactory(region=r["village_b2"])
    pair = PairingFactory(child=solo, started_on=D(2025, 2, 1))
    PairingMemberFactory(pairing=pair, volunteer=m1, joined_on=D(2025, 2, 1))
    group = ChildFactory(region=r["village_b2"])
    pair = PairingFactory(child=group, started_on=D(2025, 2, 3))
    PairingMemberFactory(pairing=pair, volunteer=m2, joined_on=D(2025, 2, 3))
    PairingMemberFactory(pairing=pair, volunteer=m3, joined_on=D(2025, 2, 3))
    # One mother at the start, a second from March: one-to-one when started, many-to-one at the end.
    grows = ChildFactory(region=r["village_b2"])
    pair = PairingFactory(child=grows, started_on=D(2025, 2, 5))
    PairingMemberFactory(pairing=pair, volunteer=m1, joined_on=D(2025, 2, 5))
    PairingMemberFactory(pairing=pair, volunteer=m3, joined_on=D(2025, 3, 5))
    f = period_statistics(None, *Q1, region=r["village_b2"])
    assert (f.one_to_one, f.many_to_one) == (1, 2)
    assert (f.pairings_new, f.pairings_new_one, f.pairings_new_many) == (3, 2, 1)
    child_exit(child=group, reason="moved", on=D(2025, 3, 20), by=users["admin"])
    f = period_statistics(None, *Q1, region=r["village_b2"])
    assert (f.one_to_one, f.many_to_one, f.pairings_ended) == (1, 1, 1)
    assert dict(f.pairings_ended_by_reason)["迁出"] == 1


def test_a_township_sees_only_its_own(world, users):
    a = period_statistics(users["town_a"], *Q1)
    b = period_statistics(users["town_b"], *Q1)
    county = period_statistics(users["admin"], *Q1)
    assert (a.closing, b.closing, county.closing) == (1, 1, 2)
    assert a.region_name.endswith("圪洞镇")
    # A township asking for the county's other township gets nothing of it.
    assert period_statistics(users["town_a"], *Q1, region=world["regions"]["town_b"]).closing == 0
    assert period_statistics(users["admin"], *Q1, region=world["regions"]["town_b"]).closing == 1
    assert period_statistics(users["nobody"], *Q1).closing == 0


def test_the_command_prints_the_briefing_and_writes_the_sheets(casebook, tmp_path):
    out = io.StringIO()
    target = tmp_path / "q1.xlsx"
    call_command(
        "export_statistics",
        "--from",
        "2025-01-01",
        "--to",
        "2025-03-31",
        "--region",
        "141128000000",
        "-o",
        target,
        stdout=out,
    )
    text = out.getvalue()
    assert "招募爱心妈妈" in text and "覆盖率" in text and "品牌课程" in text
    assert "核对：" in text and "成立" in text
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == SHEETS
    brief = [row[0] for row in book["简报"].iter_rows(values_only=True) if row[0]]
    assert any("招募爱心妈妈" in cell for cell in brief)
    event = LedgerEvent.objects.get(ledger="statistics")
    assert event.filters == {"from": "2025-01-01", "to": "2025-03-31", "region": "141128000000"}


def test_the_command_as_a_user_counts_its_region_only(world, users, tmp_path):
    out = io.StringIO()
    call_command(
        "export_statistics",
        "--from",
        "2025-01-01",
        "--to",
        "2025-03-31",
        "--user",
        "town_a",
        "-o",
        tmp_path,
        stdout=out,
    )
    written = list(tmp_path.glob("*.xlsx"))
    assert len(written) == 1 and "圪洞镇" in written[0].name
    rows = list(openpyxl.load_workbook(written[0])["流动"].iter_rows(values_only=True))
    assert any(row[0] and row[0].startswith("期末") and row[1] == 1 for row in rows)


def test_the_briefing_has_the_reports_figures(casebook, users):
    r = casebook["regions"]
    course = Course.objects.create(name="心理护航课", region=r["county"])
    station = Workstation.objects.create(name="圪洞镇爱心妈妈工作站", region=r["town_a"])
    ActivityFactory(region=r["town_a"], held_on=D(2025, 3, 3), course=course, workstation=station, goods_value=500)
    other = Workstation.objects.create(name="大武镇爱心妈妈工作站", region=r["town_b"])
    ActivityFactory(region=r["town_b"], held_on=D(2025, 3, 4), workstation=other)
    f = period_statistics(users["admin"], *Q1)
    text = f.briefing()
    assert f"招募爱心妈妈{f.mothers_active}名" in text
    assert f"服务队{f.teams}支" in text and f"结对儿童{f.paired}名" in text
    assert f"覆盖率{f.coverage:g}%" in text
    assert f"培训{f.trainings}场{f.training_attendance}人次" in text
    assert f"活动{f.activities}场次" in text and f"物资{f.activity_goods:.0f}元" in text
    assert "品牌课程1门" in text
    assert f.courses_used == [("心理护航课", 1)]
    assert sorted(f.workstations_used) == sorted([("圪洞镇爱心妈妈工作站", 1), ("大武镇爱心妈妈工作站", 1)])
    assert f.workstations == 2
    types = {name: (n, pt, goods) for name, n, pt, goods in f.activities_by_type}
    assert sum(n for n, _pt, _g in types.values()) == f.activities


@pytest.mark.parametrize("who", ["admin", "town_a", "viewer"])
def test_the_page_is_chinese_and_downloads_the_workbook(casebook, users, client, who):
    client.force_login(users[who])
    page = client.get(reverse("reports:statistics"), {"period": "custom", "start": "2025-01-01", "end": "2025-03-31"})
    html = page.content.decode()
    assert page.status_code == 200 and not english_in(html), english_in(html)
    assert 'id="stats-briefing"' in html and 'id="stats-copy"' in html and "招募爱心妈妈" in html
    for name in SHEETS[:-1]:
        assert f'data-sheet="{name}"' in html
    download = client.get(reverse("reports:statistics_xlsx"), {"period": "this_year"})
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.sheetnames == SHEETS
    assert LedgerEvent.objects.filter(ledger="statistics", user=users[who]).count() == 1


def test_the_page_without_a_query_shows_this_quarter_and_bad_dates_say_so(world, users, client):
    client.force_login(users["admin"])
    html = client.get(reverse("reports:statistics")).content.decode()
    assert 'id="stats-flow"' in html
    html = client.get(
        reverse("reports:statistics"), {"period": "custom", "start": "2025-03-01", "end": "2025-01-01"}
    ).content.decode()
    assert "结束日期早于开始日期" in html and 'id="stats-flow"' not in html and not english_in(html)


def test_the_page_is_refused_without_the_right(world, users, client, django_user_model):
    outsider = django_user_model.objects.create_user("outsider", is_staff=True)
    client.force_login(outsider)
    assert client.get(reverse("reports:statistics")).status_code == 403
    assert client.get(reverse("reports:statistics_xlsx")).status_code == 403


def test_a_township_picks_only_its_own_region(world, users, client):
    client.force_login(users["town_a"])
    html = client.get(reverse("reports:statistics")).content.decode()
    form = html.split('id="stats-form"')[1].split("</form>")[0]
    assert "圪洞镇" in form and "大武镇" not in form and "方山县" not in form
    html = client.get(reverse("reports:statistics"), {"region": world["regions"]["town_b"].pk}).content.decode()
    assert 'id="stats-flow"' not in html


def test_a_wide_scope_picks_the_region_by_search(world, users, client, monkeypatch):
    from reports.forms import StatisticsForm

    client.force_login(users["admin"])
    assert "data-ajax--url" not in client.get(reverse("reports:statistics")).content.decode()
    monkeypatch.setattr(StatisticsForm, "LIST_LIMIT", 1)
    html = client.get(reverse("reports:statistics"), {"region": world["regions"]["town_a"].pk}).content.decode()
    form = html.split('id="stats-form"')[1].split("</form>")[0]
    assert "data-ajax--url" in form and "圪洞镇" in form and "大武镇" not in form


def test_the_dashboard_links_to_the_page(world, users, client):
    client.force_login(users["viewer"])
    assert reverse("reports:statistics") in client.get(reverse("admin:index")).content.decode()


def test_presets():
    today = D(2025, 2, 14)
    assert preset_range("this_quarter", today) == (D(2025, 1, 1), D(2025, 3, 31))
    assert preset_range("last_quarter", today) == (D(2024, 10, 1), D(2024, 12, 31))
    assert preset_range("last_quarter", D(2025, 8, 1)) == (D(2025, 4, 1), D(2025, 6, 30))
    assert preset_range("this_year", today) == (D(2025, 1, 1), D(2025, 12, 31))
    assert preset_range("last_year", today) == (D(2024, 1, 1), D(2024, 12, 31))


def test_the_query_count_does_not_grow_with_the_data(regions, users):
    def queries(n):
        random_county(regions, random.Random(n), n)
        with CaptureQueriesContext(connection) as captured:
            f = period_statistics(users["admin"], D(2024, 1, 1), D(2025, 12, 31))
            write_statistics(io.BytesIO(), f, user=users["admin"])
        return len(captured)

    # Once before counting: what is read once per process or account (the region tree's names)
    # is not what grows with the data.
    write_statistics(
        io.BytesIO(), period_statistics(users["admin"], D(2024, 1, 1), D(2024, 1, 31)), user=users["admin"]
    )
    small, large = queries(8), queries(80)
    assert small == large <= 20


def test_the_flow_holds_on_the_demo_data_for_every_quarter_of_the_demo_year(db):
    """seed_demo's builder with its year set to 2025, then some children leave."""
    from core.demo import SCALES, Generator

    Generator(SCALES["demo"], today=D(2025, 12, 31)).run()
    for start, end in QUARTERS_2025:
        f = period_statistics(None, start, end, today=D(2025, 12, 31))
        assert f.flow_holds, (start, f.flow_text())
    year = period_statistics(None, D(2025, 1, 1), D(2025, 12, 31), today=D(2025, 12, 31))
    assert year.closing == 150 and year.flow_holds
    for i, child in enumerate(Child.objects.order_by("pk")[:11]):
        # Three of them on a quarter's first day (April, July, October 1st).
        on = D(2025, 2 + i, 1 if i % 3 == 2 else 10 + i)
        child_exit(child=child, reason=Child.ExitReason.values[i % 5], on=on, by=None)
    figures = [period_statistics(None, start, end, today=D(2025, 12, 31)) for start, end in QUARTERS_2025]
    assert all(f.flow_holds for f in figures), [f.flow_text() for f in figures]
    assert [f.exited for f in figures] == [2, 3, 3, 3]  # one a month, February to December
    assert figures[-1].closing == 150 - 11
    assert all(a.closing == b.opening for a, b in zip(figures, figures[1:], strict=False))


def test_trainings_and_visits_in_the_range(casebook, users):
    """The casebook: one training in January (3 attend) and one in February (1)."""
    f = period_statistics(users["admin"], *Q1)
    assert (f.trainings, f.training_attendance) == (2, 4)
    assert Training.objects.count() == 3
    assert f.visits == 3 and f.visit_goods == Decimal("50")
    assert ActivityType.objects.exists()


def test_the_no_english_crawl_reaches_the_page(world, users):
    from core.tests.test_no_english import site_pages

    assert ("reports:statistics", reverse("reports:statistics")) in list(site_pages(users["town_a"]))


@pytest.mark.parametrize("start", ["0001-01-01", "0005-01-01", "1999-12-31"])
def test_a_period_from_far_back_is_refused_in_chinese_not_a_500(world, users, client, tmp_path, start):
    from django.core.management import CommandError

    client.force_login(users["admin"])
    for url in (reverse("reports:statistics"), reverse("reports:statistics_xlsx")):
        response = client.get(url, {"period": "custom", "start": start, "end": "2020-01-01"})
        assert response.status_code in (200, 400), url
        assert "统计期间最早从 2000-01-01 开始" in response.content.decode(), url
    with pytest.raises(CommandError, match="2000-01-01"):
        call_command("export_statistics", "--from", start, "--to", "2020-01-01", "-o", tmp_path / "s.xlsx")


def test_the_running_quarter_says_up_to_which_day_in_chinese(world, users, client):
    client.force_login(users["admin"])
    today = datetime.date.today()
    running = {"period": "custom", "start": today.isoformat(), "end": (today + datetime.timedelta(days=30)).isoformat()}
    page = client.get(reverse("reports:statistics"), running).content.decode()
    assert "数据截至" in page and "figures up to" not in page
