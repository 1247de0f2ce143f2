import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import AccessEvent, LedgerEvent
from core.tests import hostile_files as hostile
from core.tests.test_no_english import VisibleText, english_in

from .samples import roster_file, world_of_children

URL = "/admin/children/reconcile/"


@pytest.fixture
def case(regions, users):
    ours, rows, extra = world_of_children(regions)
    return {"ours": ours, "data": roster_file(rows)}


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def upload(client, data, name="民政名单.xlsx", source="民政"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), "source": source})


def test_the_page_is_under_children_at_its_url():
    assert reverse("roster_reconcile") == URL


def test_the_result_page_shows_the_four_counts_and_the_lists(case, users):
    response = upload(client_for(users["admin"]), case["data"])
    assert response.status_code == 200
    text, _title = VisibleText.of(response.content.decode())
    for line in ("双方都有：7", "仅对方有：1", "仅本系统有：1", "不一致：5", "无法核对：2"):
        assert line in text
    assert "仅对方有（待新增）（1）" in text and "吴十" in text
    assert "李 思" in text and "本系统已退出" in text
    assert case["ours"]["same"].id_number in text  # the county admin sees full numbers


def test_a_township_user_who_sees_masked_numbers_is_refused(case, users):
    client = client_for(users["town_a"])
    assert client.get(URL).status_code == 403
    response = upload(client, case["data"])
    assert response.status_code == 403
    assert case["ours"]["same"].id_number not in response.content.decode()
    assert not LedgerEvent.objects.exists()


def test_the_page_shows_the_first_fifty_of_a_list(regions, users):
    from .samples import roster_of

    data = roster_of(60, regions["village_a1"])
    page = upload(client_for(users["admin"]), data).content.decode()
    text, _title = VisibleText.of(page)
    assert "双方都有（60）" in text and "只显示前 50 条" in text
    assert page.count("<tr>") == 50 + 1  # 50 rows and the header; the other lists are empty


def test_the_result_file_downloads_once_reconciled_in_this_session(case, users, regions, settings):
    from regions.tests.factories import staff_user

    client = client_for(users["admin"])
    page = upload(client, case["data"]).content.decode()
    url = re.search(r'href="(/admin/children/reconcile/[0-9a-f]{32}/file/)"', page)[1]
    response = client.get(url)
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert "%E5%85%A8%E8%A6%86%E7%9B%96%E6%A0%B8%E6%9F%A5" in response["Content-Disposition"]  # 全覆盖核查
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["汇总", "双方都有", "仅对方有", "仅本系统有", "不一致", "无法核对"]
    assert AccessEvent.objects.filter(kind="job_file", place="roster", user=users["admin"]).count() == 1
    # another person (even one who may reconcile) cannot fetch it
    assert client_for(staff_user("county_admin_2", regions["county"], "admin")).get(url).status_code == 404
    assert client.get("/admin/children/reconcile/" + "0" * 32 + "/file/").status_code == 404
    stored = list((settings.LEDGER_UPLOAD_DIR).iterdir())
    # the result file and the candidates for the one click (roster.views.propose_view)
    assert len(stored) == 2 and all(f.stat().st_mode & 0o777 == 0o600 for f in stored)  # private, like uploads


def test_viewers_and_township_staff_are_refused_and_county_admins_may_open_it(users, regions):
    for role in ("viewer", "town_a"):
        assert client_for(users[role]).get(URL).status_code == 403
        assert client_for(users[role]).post(URL, {}).status_code == 403
    assert client_for(users["admin"]).get(URL).status_code == 200


def test_the_sidebar_lists_it_under_children_for_those_who_may_use_it(users, regions):
    for role, shown in [("admin", True), ("town_a", False), ("viewer", False)]:
        page = client_for(users[role]).get("/admin/children/").content.decode()
        assert (f'href="{URL}"' in page) is shown, role


@pytest.mark.parametrize(
    "data, name, words",
    [
        (hostile.xlsx_far_cell("XFD100000"), "炸弹.xlsx", "16384 列"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "照片.xlsx", "PNG"),
        (roster_file([["张三", "男"]], header=["姓名", "性别"], title_rows=()), "无身份证.xlsx", "身份证号码"),
    ],
    ids=["bomb", "photo", "no ID column"],
)
@pytest.mark.security
def test_a_bad_file_gets_a_chinese_message_not_an_error_page(users, regions, data, name, words):
    response = upload(client_for(users["admin"]), data, name=name)
    assert response.status_code == 200
    page = response.content.decode()
    assert words in VisibleText.of(page)[0] and 'id="roster-error"' in page
    assert 'id="roster-result"' not in page
    assert not LedgerEvent.objects.exists()


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(users, regions, settings):
    settings.LEDGER_MAX_UPLOAD_BYTES = 1024
    response = upload(client_for(users["admin"]), b"x" * 4096)
    text = VisibleText.of(response.content.decode())[0]
    assert "MB" in text and "超过" in text


@pytest.mark.parametrize("role", ["admin"])
def test_no_english_on_the_form_or_the_result(case, users, role):
    client = client_for(users[role])
    for page in (client.get(URL), upload(client, case["data"]), upload(client, b"\x89PNG0000")):
        found = english_in(page.content.decode())
        assert not found, found
