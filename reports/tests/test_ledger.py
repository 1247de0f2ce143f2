import datetime
import io
import shutil
import subprocess

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import VisitMode
from activities.tests.factories import ActivityFactory, VisitFactory
from casework.models import Need
from children.models import DifficultyType
from children.tests.factories import ChildFactory
from core.permissions import LEDGER_SHEETS, MONTHLY_LEDGER, may_export
from core.signals import ledger_exported
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from regions.tests.factories import staff_user
from reports import ledger
from reports.indicators import compute
from reports.ledger import write_ledger
from volunteers.tests.factories import VolunteerFactory

D = datetime.date
JAN = D(2025, 1, 1)
JAN_3 = D(2025, 1, 3)
SHEETS = ["汇总", "基础台账", "家庭监护台账", "结对帮扶关爱台账", "活动台账", "培训台账"]
TITLE = "方山县“爱心妈妈”结对关爱台账（2025年1月）"  # the file's name; each sheet has its own title
CHILD_TITLE = "方山县“爱心妈妈”结对关爱基础台账（2025年1月）"
DATA = 4  # first data row: title, 填报单位/填报日期, header


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def build(**kwargs) -> bytes:
    out = io.BytesIO()
    write_ledger(out, month=JAN, **kwargs)
    return out.getvalue()


def test_the_workbook_has_its_sheets_title_frozen_header_and_print_settings(casebook, users):
    book = workbook(build(user=users["admin"], mask_for=users["admin"]))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet["A1"].value.startswith("方山县“爱心妈妈”")  # print set-up: test_ledger_print
        assert sheet.freeze_panes == "A4"
        assert str(sheet.page_setup.paperSize) == "9"
    children = book["基础台账"]
    assert children["A3"].value == "序号" and children["D3"].value == "身份证号"
    assert isinstance(children["E4"].value, datetime.datetime)  # a real date
    assert children.max_row == 3 + 6 + 2  # six children, a blank row, the signatures


def test_the_summary_sheet_equals_the_dashboard_figures(casebook, users, client):
    figures = compute(month=JAN, user=users["admin"])
    client.force_login(users["admin"])
    dashboard = client.get(reverse("admin:index"), {"month": "2025-01"}).context["dashboard"]
    assert dashboard.summary_rows() == figures.summary_rows()
    sheet = workbook(build(user=users["admin"]))["汇总"]
    written = [
        (row[0], row[1])
        for row in sheet.iter_rows(min_row=DATA, max_row=DATA - 1 + len(figures.summary_rows()), values_only=True)
    ]
    assert written == [
        (label, float(value) if not isinstance(value, int) else value) for label, value in figures.summary_rows()
    ]


def test_the_pairing_sheet_lists_mothers_and_the_months_visits(casebook, users):
    sheet = workbook(build(user=users["admin"]))["结对帮扶关爱台账"]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    yellow = rows["黄童"]
    assert yellow[6] == "多对一" and len(yellow[7].split("、")) == 2
    assert rows["甲童"][7] == "甲妈妈" and rows["甲童"][10] == 1 and "1月10日" in rows["甲童"][11]
    assert rows["红童"][7] is None and rows["红童"][10] == 0


def test_ids_and_phones_are_masked_for_users_without_the_right(casebook, users):
    full = workbook(build(user=users["admin"], mask_for=users["admin"]))["基础台账"]
    masked = workbook(build(user=users["viewer"], mask_for=users["viewer"]))["基础台账"]
    assert "*" not in full["D4"].value
    assert masked["D4"].value.startswith(full["D4"].value[:6]) and "*" in masked["D4"].value
    pairing = workbook(build(user=users["viewer"], mask_for=users["viewer"]))["结对帮扶关爱台账"]
    assert all("*" in (row[8] or "*") for row in pairing.iter_rows(min_row=DATA, values_only=True))


def test_a_sheet_past_the_row_limit_continues_on_a_second_sheet(casebook, users):
    book = workbook(build(user=users["admin"], max_rows=9))
    assert "基础台账（续1）" in book.sheetnames
    first, second = book["基础台账"], book["基础台账（续1）"]
    assert first["A1"].value == CHILD_TITLE and second["A3"].value == "序号"
    # Nine rows a sheet: title, 填报单位, header, three children and room for 合计 and signatures.
    assert "基础台账（续2）" not in book.sheetnames
    numbers = [r[0] for s in (first, second) for r in s.iter_rows(min_row=DATA, values_only=True)]
    assert [n for n in numbers if isinstance(n, int)] == list(range(1, 7))


def test_text_that_looks_like_a_formula_stays_text(casebook, users):
    child = casebook["a"]["child"]
    child.notes = '=HYPERLINK("http://x")'
    child.save()
    sheet = workbook(build(user=users["admin"]))["基础台账"]
    notes = [row[-1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert child.notes in notes


def test_the_export_sends_the_signal(casebook, users):
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    ledger_exported.connect(listener)
    try:
        build(user=users["admin"], mask_for=users["admin"])
    finally:
        ledger_exported.disconnect(listener)
    assert seen[0]["user"] == users["admin"] and seen[0]["ledger"] == "monthly"
    assert seen[0]["rows"] > 6 and seen[0]["filters"]["month"] == "2025-01"


def test_the_command_writes_the_region_ledger(casebook, tmp_path):
    target = tmp_path / "ledger.xlsx"
    call_command("export_ledger", "--month", "2025-01", "--region", "141128101000", "-o", str(target))
    book = openpyxl.load_workbook(target)
    assert book["汇总"]["A1"].value == "方山县大武镇“爱心妈妈”结对关爱工作汇总表（2025年1月）"
    assert book["基础台账"]["A4"].value == 1 and book["基础台账"]["A5"].value is None  # one child


@pytest.mark.parametrize(
    "args",
    [
        ["--month", "2025-13"],
        ["--month", "2025-01", "--region", "999999999999"],
        ["--month", "2025-01", "--user", "ghost"],
    ],
)
def test_the_command_rejects_bad_input_clearly(casebook, tmp_path, args):
    with pytest.raises(CommandError):
        call_command("export_ledger", *args, "-o", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_the_admin_page_downloads_the_users_ledger(client, users, regions, casebook):
    # An admin assigned to township A: all sheets (township staff get 汇总 and 活动台账 only).
    client.force_login(staff_user("town_a_admin", regions["town_a"], "admin"))
    response = client.get(reverse("reports_ledger"), {"month": "2025-01"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = workbook(b"".join(response.streaming_content))
    names = {row[1] for row in book["基础台账"].iter_rows(min_row=3, values_only=True)}
    assert "甲童" in names and "乙童" not in names


def test_the_admin_page_needs_a_login_and_the_right(client, users, casebook):
    assert client.get(reverse("reports_ledger")).status_code == 302
    outsider = User.objects.create_user("outsider", is_staff=True)
    client.force_login(outsider)
    assert client.get(reverse("reports_ledger")).status_code == 403


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice not installed")
def test_libreoffice_opens_the_workbook(casebook, users, tmp_path):
    target = tmp_path / "ledger.xlsx"
    target.write_bytes(build(user=users["admin"]))
    result = subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # 76: UTF-8
            "--outdir",
            str(tmp_path),
            str(target),
        ],
        capture_output=True,
        timeout=180,
    )
    assert result.returncode == 0
    assert (tmp_path / "ledger.csv").read_text(encoding="utf-8").startswith("方山县“爱心妈妈”结对关爱工作汇总表")


def _pairing_row(data: bytes, name: str):
    rows = workbook(data)["结对帮扶关爱台账"].iter_rows(min_row=DATA, values_only=True)
    return next(row for row in rows if row[1] == name)


def test_mothers_are_listed_lead_first_then_in_the_order_they_joined(casebook, users):
    r = casebook["regions"]
    child = ChildFactory(region=r["village_a1"], name="丁童")
    pairing = PairingFactory(child=child, started_on=D(2024, 9, 1))
    # Entered out of order: the lead joined last, the later assistant was entered first.
    later = VolunteerFactory(region=r["town_a"], name="后妈妈", phone="13900000003")
    earlier = VolunteerFactory(region=r["town_a"], name="先妈妈", phone="13900000002")
    lead = VolunteerFactory(region=r["town_a"], name="主妈妈", phone="13900000001")
    PairingMemberFactory(pairing=pairing, volunteer=later, joined_on=D(2024, 9, 20), role="assisting")
    PairingMemberFactory(pairing=pairing, volunteer=earlier, joined_on=D(2024, 9, 10), role="assisting")
    PairingMemberFactory(pairing=pairing, volunteer=lead, joined_on=D(2024, 10, 1))
    gone = VolunteerFactory(region=r["town_a"], name="走妈妈")
    PairingMemberFactory(pairing=pairing, volunteer=gone, joined_on=D(2024, 9, 1), left_on=D(2025, 1, 5))

    row = _pairing_row(build(user=users["admin"], mask_for=users["admin"]), "丁童")
    assert row[6] == "多对一"
    # One to a line (reports.ledger_print.LINES), still 、-separated for the importer.
    assert row[7] == "主妈妈、\n先妈妈、\n后妈妈"
    assert row[8] == "13900000001、\n13900000002、\n13900000003"
    assert row[9] == datetime.datetime(2024, 9, 1)
    masked = _pairing_row(build(user=users["viewer"], mask_for=users["viewer"]), "丁童")
    assert masked[8] == "、\n".join(["139" + "*" * 8] * 3)


def test_the_pairing_open_at_the_months_end_is_the_latest_started_of_two_that_overlap(casebook, users):
    r = casebook["regions"]
    child = ChildFactory(region=r["village_a1"], name="戊童")
    old = PairingFactory(child=child, started_on=D(2024, 3, 1), ended_on=D(2025, 2, 10))  # ended late
    PairingMemberFactory(pairing=old, volunteer=VolunteerFactory(region=r["town_a"], name="旧妈妈"))
    new = PairingFactory(child=child, started_on=D(2025, 1, 15))
    PairingMemberFactory(pairing=new, volunteer=VolunteerFactory(region=r["town_a"], name="新妈妈"))

    row = _pairing_row(build(user=users["admin"]), "戊童")
    assert (row[7], row[9]) == ("新妈妈", datetime.datetime(2025, 1, 15))
    unpaired = _pairing_row(build(user=users["admin"]), "红童")  # listed too, with no pairing
    assert not unpaired[7] and unpaired[9] is None


def test_the_pairing_sheet_looks_up_each_childs_open_pairing_once(casebook, users):
    sql = str(ledger.LedgerRows.for_month(JAN, user=users["admin"]).pairings().query)
    # One look-up (the join's condition), which the start date and the mothers' lists read.
    assert sql.count('FROM "pairing_pairing"') == 1, sql
    assert sql.count('JOIN "pairing_pairing"') == 1, sql
    assert sql.count('"pairing_pairingmember"') == 2  # the mothers' names and phones


def test_the_months_visits_are_one_line_each_in_date_order_with_their_goods(casebook, users):
    child = casebook["a"]["child"]
    phone_call = VisitMode.objects.get(name="电话")
    VisitFactory(child=child, visited_on=D(2025, 1, 28), mode=phone_call, findings="", help_given="")
    VisitFactory(child=child, visited_on=D(2025, 1, 3), findings="情绪稳定", help_given="送去冬衣", goods_value=40)
    VisitFactory(child=child, visited_on=D(2025, 2, 1), goods_value=1000)  # next month: not listed

    row = _pairing_row(build(user=users["admin"]), "甲童")
    assert row[10] == 3
    assert row[11].split("\n") == [
        "1月3日 入户走访，情绪稳定，帮扶：送去冬衣",
        "1月10日 入户走访，了解学习生活情况",
        "1月28日 电话",
    ]
    assert row[12] == 40


def test_difficulty_types_are_listed_in_their_own_order(casebook, users):
    child = casebook["a"]["child"]
    child.difficulties.set(DifficultyType.objects.filter(name__in=["单亲家庭", "家庭经济困难", "重病"]))
    expected = "、".join(d.name for d in child.difficulties.all())
    rows = workbook(build(user=users["admin"]))["基础台账"].iter_rows(min_row=3, values_only=True)
    row = next(row for row in rows if row[1] == "甲童")
    assert row[6] == expected and len(expected.split("、")) == 3


def _more_of_everything(casebook, n):
    r = casebook["regions"]
    for i in range(n):
        child = ChildFactory(region=r["village_a1"], name=f"加童{i}", card_colour="yellow")
        child.difficulties.set(DifficultyType.objects.all()[:2])
        pairing = PairingFactory(child=child, started_on=D(2024, 11, 1))
        for role in ("lead", "assisting"):
            PairingMemberFactory(pairing=pairing, volunteer=VolunteerFactory(region=r["town_a"]), role=role)
        VisitFactory(child=child, visited_on=D(2025, 1, 5 + i % 20), goods_value=10)
        ActivityFactory(region=r["town_a"], held_on=D(2025, 1, 5 + i % 20))
        # 家庭监护台账's columns and 结对帮扶关爱台账's open needs: a query a row would show.
        ChildFactory._meta.model.objects.filter(pk=child.pk).update(
            father_status="migrant", father_work_province="广东省", guardian_phone="13800000000", aid_received=["dibao"]
        )
        _need(child, "study", f"需要{i}", found_on=D(2025, 1, 2))


def test_the_ledger_costs_the_same_queries_for_few_or_many_children(casebook, users, monkeypatch):
    # Small chunks, so that a query per chunk of rows (a prefetch) would show as well.
    monkeypatch.setattr(ledger, "CHUNK", 10)

    def queries():
        # Fresh accounts each time, so neither run finds permissions or regions cached.
        admin, viewer = (User.objects.get(pk=users[name].pk) for name in ("admin", "viewer"))
        with CaptureQueriesContext(connection) as captured:
            build(user=admin, mask_for=viewer)
        return len(captured)

    few = queries()
    _more_of_everything(casebook, 25)
    many = queries()
    assert many == few
    # 27 today: 汇总's indicators (11), one query a sheet (5), the account's region and
    # permissions, the visit intervals, the transaction and the audit record.
    assert few <= 31


@pytest.mark.parametrize(
    ("sheet_name", "model_path"),
    [("活动台账", "activities.models.Activity"), ("培训台账", "volunteers.models.Training")],
)
def test_the_activity_and_training_sheets_list_every_row_to_the_last(casebook, users, sheet_name, model_path):
    """Issue 11, item 15 (c): a sheet that lost its last row went unnoticed."""
    from django.utils.module_loading import import_string

    model = import_string(model_path)
    expected = list(
        model.objects.for_user(users["admin"])
        .filter(held_on__range=(JAN, D(2025, 1, 31)))
        .order_by("held_on", "pk")
        .values_list("title", flat=True)
    )
    assert expected
    sheet = workbook(build(user=users["admin"], mask_for=users["admin"]))[sheet_name]
    # Below the title, the unit and date line and the header: the numbered rows, then 合计 and signatures.
    listed = [(row[0], row[1]) for row in sheet.iter_rows(min_row=4, values_only=True) if isinstance(row[0], int)]
    assert listed == list(enumerate(expected, start=1))


# -- 家庭监护台账 (issue 14, item 1) and the pairing sheet's open needs (item 2) -----------------


def _sheet_rows(data: bytes, name: str) -> dict:
    rows = workbook(data)[name].iter_rows(min_row=DATA, values_only=True)
    return {row[1]: row for row in rows if isinstance(row[0], int)}


@pytest.fixture
def family(casebook):
    child = casebook["a"]["child"]
    for key, value in {
        "father_name": "甲父",
        "father_status": "migrant",
        "father_work_province": "广东省",
        "father_work_city": "深圳市",
        "mother_name": "甲母",
        "mother_status": "dead",
        "guardian_name": "甲奶奶",
        "guardian_relation": "祖母",
        "guardian_phone": "13812345678",
        "guardianship_type": "carer_weak",
        "guardianship_rating": "fair",
        "guardianship_rated_on": D(2025, 1, 5),
        "health_status": "disabled",
        "disability_category": "physical",
        "disability_grade": "2",
        "school_stage": "primary",
        "boarding": True,
        "aid_received": ["dibao", "medical"],
    }.items():
        setattr(child, key, value)
    child.save()
    return child


def test_the_family_sheet_follows_the_childrens_sheet_row_for_row(family, users):
    data = build(user=users["admin"], mask_for=users["admin"])
    book = workbook(data)
    assert book.sheetnames.index("家庭监护台账") == book.sheetnames.index("基础台账") + 1
    sheet = book["家庭监护台账"]
    assert sheet["A1"].value == "方山县“爱心妈妈”结对关爱家庭监护台账（2025年1月）"
    assert [c.value for c in sheet[3]] == [
        "序号", "姓名", "村（社区）", "父亲姓名", "父亲状况（含务工地点）", "母亲姓名", "母亲状况（含务工地点）",
        "实际监护人/委托照护人", "与儿童关系", "监护人电话", "监护类型", "监护评价", "健康状况", "就学阶段",
        "是否寄宿", "享受救助",
    ]  # fmt: skip
    children = [
        row[:2] for row in book["基础台账"].iter_rows(min_row=DATA, values_only=True) if isinstance(row[0], int)
    ]
    families = [row[:2] for row in sheet.iter_rows(min_row=DATA, values_only=True) if isinstance(row[0], int)]
    assert families == children and len(families) == 6
    row = _sheet_rows(data, "家庭监护台账")["甲童"]
    assert row[2:] == (
        family.region.name, "甲父", "外出务工（广东省深圳市）", "甲母", "死亡", "甲奶奶", "祖母", "13812345678",
        "受委托监护人监护能力不足", "一般", "残疾（肢体残疾二级）", "小学", "是", "低保、医疗救助",
    )  # fmt: skip
    blank = _sheet_rows(data, "家庭监护台账")["红童"]
    assert all(value is None for value in blank[3:])  # nothing recorded: empty cells, not 「None」


def test_the_family_sheet_masks_the_guardians_phone_for_a_role_without_full_identity(family, users):
    full = _sheet_rows(build(user=users["admin"], mask_for=users["admin"]), "家庭监护台账")["甲童"]
    township = _sheet_rows(build(user=users["admin"], mask_for=users["town_a"]), "家庭监护台账")["甲童"]
    assert full[9] == "13812345678"
    assert township[9] == "138********"  # core.idnumber.mask_phone, as on 基础台账
    assert township[:9] == full[:9] and township[10:] == full[10:]


def test_the_family_sheet_comes_only_with_the_childrens_sheet(casebook, users):
    assert LEDGER_SHEETS["家庭监护台账"] == LEDGER_SHEETS["基础台账"]  # the same grant
    for role in ("admin", "town_a", "viewer"):
        granted = may_export(users[role], MONTHLY_LEDGER)
        assert ("家庭监护台账" in granted) == ("基础台账" in granted), role
    alone = workbook(build(user=users["admin"], sheets=["汇总", "家庭监护台账", "活动台账"]))
    assert alone.sheetnames == ["汇总", "活动台账"]
    without = workbook(build(user=users["admin"], sheets=["汇总", "基础台账"]))
    assert without.sheetnames == ["汇总", "基础台账"]


def _need(child, kind, description, *, status="pending", found_on=JAN_3, **extra):
    if status in ("done", "unsolved"):
        extra.setdefault("outcome", "已解决")
    return Need.objects.create(
        child=child, kind=kind, description=description, actor_kind="staff", status=status, found_on=found_on, **extra
    )


def test_the_pairing_sheet_lists_the_childs_open_needs(casebook, users):
    child = casebook["a"]["child"]
    _need(child, "mental", "情绪低落，需要陪伴", status="in_progress", found_on=D(2025, 1, 8))
    _need(child, "study", "辅导作业", due_on=D(2025, 6, 30), found_on=D(2025, 1, 2))
    _need(child, "health", "视力检查", status="referred", found_on=D(2025, 1, 20))
    _need(child, "living", "冬衣已送到", status="done", closed_on=D(2025, 1, 15))
    _need(child, "safety", "二月才发现", found_on=D(2025, 2, 3))  # after the month: not yet found
    # Closed in February: still open at the end of January, the month of this ledger.
    _need(child, "legal", "户口迁移", status="done", found_on=D(2024, 12, 1), closed_on=D(2025, 2, 10))
    rows = _sheet_rows(build(user=users["admin"]), "结对帮扶关爱台账")
    assert workbook(build(user=users["admin"]))["结对帮扶关爱台账"]["N3"].value == "未完成帮扶需求"
    assert rows["甲童"][13].split("；\n") == [
        "法律：户口迁移",
        "学业：辅导作业（6月30日前）",
        "心理：情绪低落，需要陪伴",
        "健康/医疗：视力检查",
    ]
    assert rows["乙童"][13] is None  # no need at all: an empty cell
