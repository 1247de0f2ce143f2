"""Issue 14 item 7: the child's file (一人一档) and the pairing card (结对卡) as PDF.

Most of it is checked on the .xlsx (openpyxl, no LibreOffice); a few tests render the PDF and
read its text with pdftotext (they fail rather than skip when CI=true, as the ledger's do).
"""

import datetime
import io
import os
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from activities.tests.factories import VisitFactory
from audit.models import LedgerEvent
from casework.tests.factories import casework_rows
from children.services import child_change_colour
from children.tests.factories import ChildFactory
from core.idnumber import mask_id_number, mask_phone
from reports import dossier
from reports.jobs import job_start
from reports.models import JobStatus
from reports.tests.test_ledger_print import need_soffice

D = datetime.date
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
GUARDIAN_PHONE = "13912345678"
FATHER_PHONE = "13787654321"


@pytest.fixture
def filed(world, users):
    """Township A's child 甲童 with a family, a card change, a need with a referral and a promise."""
    a = world["a"]
    child = a["child"]
    child.guardian_name, child.guardian_relation, child.guardian_phone = "甲奶奶", "祖母", GUARDIAN_PHONE
    child.father_name, child.father_status, child.father_phone = "甲爸爸", "migrant", FATHER_PHONE
    child.father_work_province, child.father_work_city = "广东省", "深圳市"
    child.save()
    child_change_colour(
        child=child, to_colour="yellow", effective_on=D(2025, 2, 1), reason="父母外出务工", by=users["admin"]
    )
    casework_rows(a, world["regions"]["town_a"])
    a["pairing"].commitment = "每月至少走访一次，辅导功课"
    a["pairing"].save()
    a["visit"].findings = "学习用品不足"
    a["visit"].save()
    child.refresh_from_db()
    return world


def children_of(user, **filters):
    return list(dossier.dossier_queryset(user).filter(**filters).order_by("region__code", "name"))


def workbook(user, children) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    dossier.write_dossiers(buffer, user, children)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def sheet_text(sheet) -> str:
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)


# --- the .xlsx layer -----------------------------------------------------------------------
def test_the_file_has_every_section_in_order_and_the_signature_lines(filed, users):
    book = workbook(users["admin"], children_of(users["admin"], name="甲童"))
    (sheet,) = book.worksheets
    text = sheet_text(sheet)
    assert dossier.TITLE in text and "甲童" in text
    positions = [text.index(title) for title in dossier.SECTIONS]
    assert positions == sorted(positions)
    for line in ("填报单位（盖章）：方山县", "填表人：county_admin", "审核人：", "日期："):
        assert line in text
    assert text.rindex("填表人") > positions[-1]
    # What each section holds.
    assert "甲奶奶（祖母）" in text and "甲爸爸" in text and "广东省深圳市" in text
    assert "父母外出务工" in text  # the card change
    assert "甲妈妈" in text and "圪洞镇服务队" in text and "每月至少走访一次，辅导功课" in text
    assert "甲童需要课业辅导" in text and "协调学校安排课后辅导" in text
    assert "学习用品不足" in text


def test_an_empty_section_says_none(world, users):
    child = ChildFactory(region=world["regions"]["village_a2"], name="空童")
    book = workbook(users["admin"], children_of(users["admin"], pk=child.pk))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row if c.value is not None]
    # 家庭与监护, 结对, 需求与帮扶, 走访, 转介 empty; 三色卡记录 has the colour but no change.
    for title in ("二、家庭与监护", "四、结对", "五、需求与帮扶", "六、走访", "七、转介"):
        assert values[values.index(title) + 1] == "无", title
    assert values[values.index("三、三色卡记录") + 1] == "当前卡片颜色"


def test_the_county_admin_sees_full_numbers(filed, users):
    child = filed["a"]["child"]
    text = sheet_text(workbook(users["admin"], children_of(users["admin"], pk=child.pk)).worksheets[0])
    assert child.id_number in text and GUARDIAN_PHONE in text and FATHER_PHONE in text
    assert f"{child.birth_date:%Y-%m-%d}" in text


def test_a_township_user_gets_masked_numbers_and_no_birth_date(filed, users):
    child = filed["a"]["child"]
    mother_phone = filed["a"]["mother"].phone
    text = sheet_text(workbook(users["town_a"], children_of(users["town_a"], pk=child.pk)).worksheets[0])
    for full in (child.id_number, GUARDIAN_PHONE, FATHER_PHONE, mother_phone, f"{child.birth_date:%Y-%m-%d}"):
        assert full not in text
    assert mask_id_number(child.id_number) in text and mask_phone(GUARDIAN_PHONE) in text
    assert mask_phone(mother_phone) in text and f"{child.birth_date.year}" in text


def test_a_page_per_child_set_up_for_a4_portrait(filed, users):
    children = children_of(users["admin"], region__parent=filed["regions"]["town_a"])
    book = workbook(users["admin"], children)
    assert [s.title for s in book.worksheets] == [dossier.sheet_name(i, c.name) for i, c in enumerate(children, 1)]
    for sheet, child in zip(book.worksheets, children, strict=True):
        assert child.name in sheet_text(sheet)
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"
        # fit to one page across (1, the default, is left out of the file) and any number down
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1)
        assert sheet.page_setup.fitToHeight == 0


def test_the_files_are_gathered_in_a_fixed_number_of_queries(filed, users, django_assert_max_num_queries):
    for n in range(5):
        child = ChildFactory(region=filed["regions"]["village_a1"], name=f"多童{n}")
        VisitFactory(child=child)
    with django_assert_max_num_queries(12):
        children = children_of(users["admin"])
        for child in children:
            dossier.gather(users["admin"], child)
    assert len(children) >= 7


def test_the_pairing_card_is_the_card_twice(filed, users):
    pairing = dossier.card_pairing(users["town_a"], filed["a"]["pairing"].pk)
    buffer = io.BytesIO()
    dossier.write_pairing_card(buffer, users["town_a"], pairing)
    (sheet,) = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets
    text = sheet_text(sheet)
    assert text.count(dossier.CARD_TITLE) == 2 and text.count("甲童") == 2 and text.count("甲妈妈") == 2
    assert "（家庭联）" in text and "（爱心妈妈联）" in text and "沿此线剪开" in text
    assert text.count("每月至少走访一次，辅导功课") == 2 and text.count("爱心妈妈（签字）") == 2
    assert GUARDIAN_PHONE not in text and mask_phone(GUARDIAN_PHONE) in text
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToHeight in (None, 1) and sheet.page_setup.fitToWidth in (None, 1)


def test_a_pairing_out_of_scope_has_no_card(filed, users):
    assert dossier.card_pairing(users["town_a"], filed["b"]["pairing"].pk) is None


# --- the views -----------------------------------------------------------------------------
def test_the_profile_offers_the_file(filed, users, client):
    client.force_login(users["town_a"])
    child = filed["a"]["child"]
    page = client.get(reverse("children:profile", args=[child.pk])).content.decode()
    assert reverse("reports:child_dossier_pdf", args=[child.pk]) in page and "打印一人一档（PDF）" in page


def test_another_townships_child_and_pairing_are_not_found(filed, users, client):
    client.force_login(users["town_a"])
    assert client.get(reverse("reports:child_dossier_pdf", args=[filed["b"]["child"].pk])).status_code == 404
    assert client.get(reverse("reports:pairing_card_pdf", args=[filed["b"]["pairing"].pk])).status_code == 404


def test_without_libreoffice_the_profile_says_so(filed, users, client, monkeypatch):
    monkeypatch.setattr("reports.pdf.soffice", lambda: None)
    client.force_login(users["town_a"])
    child = filed["a"]["child"]
    response = client.get(reverse("reports:child_dossier_pdf", args=[child.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("children:profile", args=[child.pk])
    assert "LibreOffice" in response.content.decode()


def test_the_pairing_page_links_its_card(filed, users, client):
    client.force_login(users["town_a"])
    pk = filed["a"]["pairing"].pk
    page = client.get(reverse("admin:pairing_pairing_change", args=[pk])).content.decode()
    assert "打印结对卡（PDF）" in page
    response = client.get(reverse("admin:pairing_pairing_card_detail", args=[pk]))
    assert response.status_code == 302 and response["Location"] == reverse("reports:pairing_card_pdf", args=[pk])


def test_the_promise_is_written_on_the_pairing_form(filed, users, client):
    client.force_login(users["admin"])
    pk = filed["a"]["pairing"].pk
    page = client.get(reverse("admin:pairing_pairing_change", args=[pk])).content.decode()
    assert 'name="commitment"' in page and "结对承诺" in page and "每月至少走访一次，辅导功课" in page


def test_the_batch_form_offers_the_users_townships_and_villages(filed, users, client):
    client.force_login(users["town_a"])
    page = client.get(reverse("admin:reports_job_start", args=["dossier_batch"])).content.decode()
    assert "圪洞镇" in page and "武当社区" in page and "大武镇" not in page and "东村" not in page


# --- the PDF -------------------------------------------------------------------------------
def pdftotext(data: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def page_count(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def save_docs_screenshot(data: bytes, name: str) -> None:
    """With SAVE_DOCS_SCREENSHOTS=1, page 1 as docs/screenshots/<name>.png (the committed picture)."""
    if os.environ.get("SAVE_DOCS_SCREENSHOTS") == "1":
        stem = DOCS / name
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", "1", "-", str(stem)], input=data, check=True
        )


def test_the_one_child_pdf_for_a_township_user(filed, users, client):
    need_soffice()
    client.force_login(users["town_a"])
    child = filed["a"]["child"]
    response = client.get(reverse("reports:child_dossier_pdf", args=[child.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        "filename*=UTF-8''%E4%B8%80%E4%BA%BA%E4%B8%80%E6%A1%A3-%E7%94%B2%E7%AB%A5.pdf"
        in response["Content-Disposition"]
    )
    data = b"".join(response.streaming_content)
    save_docs_screenshot(data, "dossier-pdf")
    text = squeeze(pdftotext(data))
    assert "甲童" in text
    for title in dossier.SECTIONS:
        assert title in text, title
    for line in ("填报单位（盖章）：方山县圪洞镇", "填表人：town_a", "审核人：", "日期："):
        assert line in text, line
    assert child.id_number not in text and GUARDIAN_PHONE not in text
    assert mask_id_number(child.id_number) in text and mask_phone(GUARDIAN_PHONE) in text
    event = LedgerEvent.objects.get(user=users["town_a"], ledger="一人一档")
    assert event.rows == 1 and event.direction == LedgerEvent.Direction.EXPORT


def test_the_batch_job_one_pdf_a_page_per_child(filed, users):
    need_soffice()
    town_a = filed["regions"]["town_a"]
    ChildFactory(region=filed["regions"]["village_a2"], name="乙二童")
    job = job_start(user=users["town_a"], kind="dossier_batch", params={"month": "2026-12", "region": town_a.code})
    assert job.status == JobStatus.DONE, job.message
    assert job.result_name == "方山县圪洞镇一人一档（2026年12月）.pdf"
    assert job.report == {"children": 2, "masked": True} and job.done == job.total == 3
    data = job.result.read()
    names = [c.name for c in children_of(users["town_a"], region__parent=town_a)]
    assert names == ["甲童", "乙二童"]
    pages = page_count(data)
    assert pages >= len(names)
    # each child starts a new page: its name on a page of its own, never on another child's
    starts = []
    for n in range(1, pages + 1):
        text = squeeze(pdftotext(data, n))
        holding = [name for name in names if f"儿童姓名：{name}" in text]
        assert len(holding) <= 1
        starts += holding
    assert starts == names
    assert filed["a"]["child"].id_number not in squeeze(pdftotext(data))


def test_the_pairing_card_pdf_is_one_page_with_the_card_twice(filed, users, client):
    need_soffice()
    client.force_login(users["town_a"])
    response = client.get(reverse("reports:pairing_card_pdf", args=[filed["a"]["pairing"].pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    save_docs_screenshot(data, "pairing-card")
    assert page_count(data) == 1
    text = squeeze(pdftotext(data))
    assert text.count("爱心妈妈结对卡") == 2 and text.count("甲童") == 2 and text.count("甲妈妈") == 2


# --- the batch job without LibreOffice -----------------------------------------------------
@pytest.fixture
def no_pdf(monkeypatch):
    """LibreOffice stands in: the 'PDF' is the workbook's bytes (enough for the job's own logic)."""
    monkeypatch.setattr(dossier, "xlsx_to_pdf", lambda xlsx: Path(xlsx).read_bytes())


def test_the_batch_takes_a_township_or_village_only(filed, users, no_pdf):
    county = filed["regions"]["county"]
    job = job_start(user=users["admin"], kind="dossier_batch", params={"month": "2026-12", "region": county.code})
    assert job.status == JobStatus.FAILED and job.message == "请选择一个乡镇或村（社区）。"
    town_b = filed["regions"]["town_b"]
    job = job_start(user=users["town_a"], kind="dossier_batch", params={"month": "2026-12", "region": town_b.code})
    assert job.status == JobStatus.FAILED and not job.result


def test_the_batch_reports_progress_per_child(filed, users, no_pdf, monkeypatch):
    seen = []
    monkeypatch.setattr("reports.jobs._write_progress", lambda job, done, total: seen.append((done, total)))
    monkeypatch.setattr("reports.jobs.PROGRESS_EVERY_ROWS", 1)
    village = filed["regions"]["village_a1"]
    ChildFactory(region=village, name="丁童")
    job = job_start(user=users["admin"], kind="dossier_batch", params={"month": "2026-12", "region": village.code})
    assert job.status == JobStatus.DONE and job.report == {"children": 2, "masked": False}
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    book = openpyxl.load_workbook(io.BytesIO(job.result.read()))
    assert [s.title for s in book.worksheets] == ["001丁童", "002甲童"]


def test_an_unmasked_batch_is_not_sent_once_its_owner_may_not_see_full_numbers(filed, users, no_pdf, client):
    from django.contrib.auth.models import Group

    admin = users["admin"]
    job = job_start(
        user=admin, kind="dossier_batch", params={"month": "2026-12", "region": filed["regions"]["town_a"].code}
    )
    client.force_login(admin)
    assert client.get(reverse("reports:job_file", args=[job.pk])).status_code == 200
    admin.groups.set([Group.objects.get(name="township")])
    admin = type(admin).objects.get(pk=admin.pk)  # a fresh permission cache
    client.force_login(admin)
    assert client.get(reverse("reports:job_file", args=[job.pk])).status_code == 403


def test_who_keeps_the_files_may_start_the_batch(users, regions):
    from regions.tests.factories import staff_user
    from reports.jobs import KINDS

    kind = KINDS["dossier_batch"]
    assert kind.may_start(users["town_a"]) and kind.may_start(users["admin"])
    assert not kind.may_start(users["viewer"]) and not kind.may_start(staff_user("no_role", regions["town_a"], None))


def test_a_viewer_may_not_print_personal_data(filed, users, client):
    client.force_login(users["viewer"])
    child, pairing = filed["a"]["child"], filed["a"]["pairing"]
    page = client.get(reverse("children:profile", args=[child.pk])).content.decode()
    assert reverse("reports:child_dossier_pdf", args=[child.pk]) not in page
    assert client.get(reverse("reports:child_dossier_pdf", args=[child.pk])).status_code == 403
    assert client.get(reverse("reports:pairing_card_pdf", args=[pairing.pk])).status_code == 403
    change_page = client.get(reverse("admin:pairing_pairing_change", args=[pairing.pk])).content.decode()
    assert "打印结对卡（PDF）" not in change_page
