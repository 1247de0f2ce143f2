"""Issue 14, item 6: the guardian's consent (PIPL art. 31) — list flag, profile, scans, photo setting."""

import datetime
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities.models import Visit, VisitMode, VisitPhoto
from activities.tests.photos import jpeg_bytes, upload
from safeguarding.models import Consent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def consent(child, purpose="processing", **extra):
    return Consent.objects.create(
        child=child,
        purpose=purpose,
        given_on=datetime.date(2025, 1, 2),
        given_by="祖母 王某",
        method="written",
        **extra,
    )


def visit_post(child, photos):
    return {
        "child": child.pk,
        "visited_on": timezone.localdate().isoformat(),
        "mode": VisitMode.objects.get(name="入户走访").pk,
        "visitors": [],
        "staff_visitors": "乡镇干部王某",
        "findings": "学习正常",
        "help_given": "送学习用品",
        "goods_value": "0",
        "reassessed_colour": "",
        "reassessment_reason": "",
        "entry_token": str(uuid.uuid4()),
        "photos": photos,
    }


def test_the_children_list_flags_children_without_recorded_consent(client, world, users, django_assert_max_num_queries):
    consent(world["a"]["child"])
    consent(world["b"]["child"], purpose="photos")  # photos only: processing is still missing
    client.force_login(users["admin"])
    url = reverse("admin:children_child_changelist")
    client.get(url, {"consent": "missing"})
    with django_assert_max_num_queries(20):
        missing = client.get(url, {"consent": "missing"})
    assert [c.name for c in missing.context["cl"].queryset] == ["乙童"]
    assert "同意书" in missing.content.decode() and "未登记" in missing.content.decode()
    recorded = client.get(url, {"consent": "recorded"})
    assert [c.name for c in recorded.context["cl"].queryset] == ["甲童"]


def _consent_cells(response) -> dict[str, str]:
    """Each listed child's 同意书 cell, as text."""
    page = response.content.decode()
    cells = {}
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S):
        name = re.search(r"field-name[^>]*>(?:<a[^>]*>)?([^<]+)", row)
        cell = re.search(r"field-consent_display[^>]*>(.*?)</td>", row, flags=re.S)
        if name and cell:
            cells[name.group(1).strip()] = re.sub(r"<[^>]+>|\s+", "", cell.group(1))
    return cells


def test_the_children_list_has_a_consent_column_that_highlights_the_missing_ones(
    client, world, users, django_assert_max_num_queries
):
    from children.tests.factories import ChildFactory

    consent(world["a"]["child"])
    client.force_login(users["admin"])
    url = reverse("admin:children_child_changelist")
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(8):
        child = ChildFactory(region=world["regions"]["village_a1"], name=f"多童{i}")
        if i % 2:
            consent(child)
    with django_assert_max_num_queries(len(few.captured_queries)):  # an annotation, not a query a row
        response = client.get(url)
    page = response.content.decode()
    assert 'data-label="同意书"' in page  # the column
    assert re.search(r"以\s*监护人同意\s*</h3>", page)  # the filter's title
    cells = _consent_cells(response)
    assert cells["甲童"] == "已登记" and cells["乙童"] == "未登记"
    assert {cells[f"多童{i}"] for i in range(1, 8, 2)} == {"已登记"}
    assert {cells[f"多童{i}"] for i in range(0, 8, 2)} == {"未登记"}
    row = next(r for r in page.split("<tr") if "乙童" in r)
    assert "red" in row.split("field-consent_display")[1].split("</td>")[0]  # highlighted


def test_a_withdrawn_consent_counts_as_not_recorded(client, world, users):
    consent(world["a"]["child"], withdrawn_on=datetime.date(2025, 6, 1))
    client.force_login(users["admin"])
    missing = client.get(reverse("admin:children_child_changelist"), {"consent": "missing"})
    assert "甲童" in [c.name for c in missing.context["cl"].queryset]


def test_the_profile_shows_the_consents_and_what_is_missing(client, world, users):
    consent(world["a"]["child"])
    client.force_login(users["town_a"])
    page = client.get(reverse("children:profile", args=[world["a"]["child"].pk])).content.decode()
    section = page.split('id="profile-consents"')[1].split("</table>")[0]
    assert "处理个人信息" in section and "祖母 王某" in section and "书面" in section
    assert "照片" in section and "未登记" in section


@pytest.mark.parametrize("required", [True, False])
def test_the_photo_setting_refuses_a_visit_photo_without_photo_consent(client, world, users, settings, required):
    settings.PHOTOS_REQUIRE_CONSENT = required
    child = world["a"]["child"]
    consent(child)  # processing only
    client.force_login(users["town_a"])
    response = client.post(reverse("activities:visit_entry"), visit_post(child, [upload(jpeg_bytes())]))
    if required:
        assert response.status_code == 200
        assert "监护人未同意拍摄该儿童的照片" in response.content.decode()
        assert not Visit.objects.filter(child=child, visited_on=timezone.localdate()).exists()
        assert not VisitPhoto.objects.exists()
    else:
        assert response.status_code == 302
        assert VisitPhoto.objects.filter(visit__child=child).count() == 1


def test_the_photo_setting_accepts_a_photo_with_photo_consent(client, world, users, settings):
    settings.PHOTOS_REQUIRE_CONSENT = True
    child = world["a"]["child"]
    consent(child, purpose="photos")
    client.force_login(users["town_a"])
    response = client.post(reverse("activities:visit_entry"), visit_post(child, [upload(jpeg_bytes())]))
    assert response.status_code == 302
    assert VisitPhoto.objects.filter(visit__child=child).count() == 1


def test_a_visit_without_photos_needs_no_photo_consent(client, world, users, settings):
    settings.PHOTOS_REQUIRE_CONSENT = True
    client.force_login(users["town_a"])
    response = client.post(reverse("activities:visit_entry"), visit_post(world["a"]["child"], []))
    assert response.status_code == 302


def consent_form(child, scan):
    return {
        "child": child.pk,
        "purpose": "photos",
        "given_on": "2025-01-02",
        "given_by": "祖母 王某",
        "method": "written",
        "withdrawn_on": "",
        "scan_upload": scan,
    }


def test_a_consent_is_recorded_with_a_pdf_scan_served_only_in_scope(client, world, users):
    client.force_login(users["town_a"])
    scan = SimpleUploadedFile("同意书.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("admin:safeguarding_consent_add"), consent_form(world["a"]["child"], scan))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Consent.objects.get()
    assert saved.recorded_by == users["town_a"] and saved.scan.name.endswith(".pdf") and "同意书" not in saved.scan.name
    url = reverse("safeguarding:consent_scan", args=[saved.pk])
    served = client.get(url)
    assert served.status_code == 200 and served["Cache-Control"] == "private, no-store"
    assert b"".join(served.streaming_content) == PDF
    client.force_login(users["town_b"])
    assert client.get(url).status_code == 404


def test_a_scan_that_is_neither_a_picture_nor_a_pdf_is_refused_and_nothing_written(client, world, users):
    client.force_login(users["town_a"])
    scan = SimpleUploadedFile("同意书.pdf", b"MZ\x90\x00 a program", content_type="application/pdf")
    response = client.post(reverse("admin:safeguarding_consent_add"), consent_form(world["a"]["child"], scan))
    assert response.status_code == 200
    assert "扫描件只能是 JPEG、PNG 图片或 PDF 文件" in response.content.decode()
    assert not Consent.objects.exists()


def test_an_over_size_scan_is_refused(client, world, users, settings):
    settings.CONSENT_SCAN_MAX_BYTES = 20
    client.force_login(users["town_a"])
    scan = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("admin:safeguarding_consent_add"), consent_form(world["a"]["child"], scan))
    assert "超过允许的" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_picture_scan_is_re_encoded(client, world, users):
    client.force_login(users["town_a"])
    response = client.post(
        reverse("admin:safeguarding_consent_add"),
        consent_form(world["a"]["child"], upload(jpeg_bytes(gps=True), name="scan.jpg")),
    )
    assert response.status_code == 302
    assert Consent.objects.get().scan.name.endswith(".jpg")
