"""Exports carry the importer's headers, stay in scope, mask where needed and never hold formulas."""

import io

import openpyxl
import pytest
from django.urls import reverse

from children.models import Child
from core.signals import ledger_exported

from .ledger_helpers import ORDER, counts, county_admin, import_bytes, load_sample_regions, sample
from .test_ledger_samples import ADMINS


def export(client, admin_name, **params):
    url = reverse(f"admin:{admin_name}_export")
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(url, {"format": "0", "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def sheet_rows(data):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in workbook.active.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_every_register_exports_and_reimports_without_changes(client):
    load_sample_regions()
    user = county_admin()
    for kind, name in ORDER:
        import_bytes(kind, sample(name).read_bytes(), user)
    client.force_login(user)
    for kind, _name in ORDER:
        data = export(client, ADMINS[kind])
        result = import_bytes(kind, data, user)
        assert counts(result) == {
            "new": 0,
            "updated": 0,
            "conflicts": 0,
            "skipped": counts(result)["skipped"],
            "errors": 0,
        }, (
            kind,
            [r.error_dict for r in result.invalid_rows],
            [str(e.error) for e in result.base_errors],
        )
        assert counts(result)["skipped"] > 0


@pytest.mark.django_db
def test_an_export_holds_only_the_users_township(client, world, users):
    # Township staff export visit ledgers (issue 3), of their own township only.
    client.force_login(users["town_a"])
    rows = sheet_rows(export(client, "activities_visit"))
    name_col = next(i for i, h in enumerate(rows[1]) if "姓名" in str(h))
    assert [r[name_col] for r in rows[2:]] == ["甲童"]


@pytest.mark.django_db
def test_a_masked_export_says_so_and_cannot_be_reimported(client, world, users):
    client.force_login(users["town_a"])  # township staff do not see full ID numbers
    data = export(client, "activities_visit")
    rows = sheet_rows(data)
    assert "遮蔽" in rows[0][0] or "masked" in rows[0][0]
    id_col = next(i for i, h in enumerate(rows[1]) if "身份证" in str(h))
    assert "*" in rows[2][id_col]
    assert world["a"]["child"].id_number not in data.decode("latin-1")
    assert counts(import_bytes("visits", data, users["admin"]))["errors"] >= 1


@pytest.mark.django_db
def test_an_unmasked_export_has_full_numbers_as_text(client, world, users):
    client.force_login(users["admin"])
    rows = sheet_rows(export(client, "children_child"))
    header = rows[1]
    assert header[:4] == ["姓名", "性别", "身份证号码", "出生日期"]
    assert {r[2] for r in rows[2:]} == set(Child.objects.values_list("id_number", flat=True))


@pytest.mark.django_db
def test_text_that_looks_like_a_formula_is_written_as_text(client, world, users):
    child = world["a"]["child"]
    child.notes = '=HYPERLINK("http://evil","x")'
    child.address = "+1+2"
    child.school = "@SUM(A1)"
    child.grade = "-3"
    child.guardian_name = "\t=cmd"
    child.save()
    client.force_login(users["admin"])
    data = export(client, "children_child")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for value in ['=HYPERLINK("http://evil","x")', "+1+2", "@SUM(A1)", "-3", "\t=cmd"]:
        assert cells[value].data_type == "s"
        assert cells[value].quotePrefix
    assert b"<f>" not in _sheet_xml(data)


def _sheet_xml(data):
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.django_db
def test_an_export_sends_ledger_exported(client, world, users):
    received = []

    def listener(**kwargs):
        received.append(kwargs)

    ledger_exported.connect(listener)
    try:
        client.force_login(users["admin"])
        export(client, "children_child", township="141128100000")
    finally:
        ledger_exported.disconnect(listener)
    assert len(received) == 1
    assert received[0]["ledger"] == "children" and received[0]["rows"] == 1
    assert received[0]["filters"] == {"township": "141128100000"}


@pytest.mark.django_db
def test_the_blank_template_has_headers_dropdowns_text_ids_and_instructions(client, world, users):
    client.force_login(users["town_a"])
    response = client.get(reverse("admin:activities_visit_download_ledger_template"))
    assert response.status_code == 200
    client.force_login(users["admin"])
    response = client.get(reverse("admin:children_child_download_ledger_template"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["困境儿童基础台账", "选项", "填写说明"]
    sheet = workbook["困境儿童基础台账"]
    assert [c.value for c in sheet[1]][:3] == ["姓名", "性别", "身份证号码"]
    assert sheet.column_dimensions["C"].number_format == "@"
    validated = {str(dv.sqref).split(":")[0][0] for dv in sheet.data_validations.dataValidation}
    assert {"B", "E", "F", "G", "H", "I"} <= validated  # gender, township, village, category, difficulty, colour
    options = workbook["选项"]
    values = {c.value for row in options.iter_rows() for c in row}
    assert {"圪洞镇", "大武镇", "武当社区", "红", "男", "困境儿童"} <= values
    # The template itself imports with nothing to do.
    assert counts(import_bytes("children", response.content, users["admin"])) == {
        "new": 0,
        "updated": 0,
        "conflicts": 0,
        "skipped": 0,
        "errors": 0,
    }


@pytest.mark.django_db
def test_a_township_template_offers_only_its_own_places(client, world, users):
    client.force_login(users["town_a"])
    response = client.get(reverse("admin:activities_activity_download_ledger_template"))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    values = {c.value for row in workbook["选项"].iter_rows() for c in row}
    assert "圪洞镇" in values and "大武镇" not in values


@pytest.mark.django_db
def test_a_viewer_can_neither_export_personal_data_nor_import(client, world, users):
    client.force_login(users["viewer"])
    assert client.get(reverse("admin:children_child_import")).status_code == 403
    assert client.get(reverse("admin:children_child_download_ledger_template")).status_code == 403
    assert client.post(reverse("admin:children_child_export"), {"format": "0", "resource": "0"}).status_code == 403


@pytest.mark.django_db
def test_the_changelist_offers_import_export_and_the_blank_template(client, world, users):
    client.force_login(users["admin"])
    page = client.get(reverse("admin:children_child_changelist")).content.decode()
    for name in ["import", "export", "download_ledger_template"]:
        assert reverse(f"admin:children_child_{name}") in page
    form = client.get(reverse("admin:children_child_import")).content.decode()
    assert "身份证号码" in form and "儿童类别" in form


def test_permission_checks_on_the_admin_itself_win_over_import_exports_defaults(rf, django_user_model):
    from core.admin import ScopedAdmin
    from core.ledger_admin import LedgerImportExportMixin

    class Guarded(ScopedAdmin):
        def has_import_permission(self, request):
            return False

        def has_export_permission(self, request):
            return False

    class ChildLedgerAdmin(LedgerImportExportMixin, Guarded):
        pass

    from django.contrib.admin import AdminSite

    admin = ChildLedgerAdmin(Child, AdminSite())
    request = rf.get("/")
    request.user = django_user_model(is_superuser=True, is_active=True)
    assert admin.has_import_permission(request) is False
    assert admin.has_export_permission(request) is False
