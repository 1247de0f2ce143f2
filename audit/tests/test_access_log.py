"""The access log closes the audit gaps (issue 11, item 8): each path writes its record."""

import datetime

import pytest
from django.urls import reverse

from activities.tests.photos import jpeg_bytes, upload
from audit.models import AccessEvent, LedgerEvent
from core.masking import mask_query
from reports.jobs import job_start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def only(kind):
    return AccessEvent.objects.get(kind=kind)


def test_a_changelist_search_is_logged_with_numbers_masked(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["town_a"])
    client.get(reverse("admin:children_child_changelist"), {"q": f"甲 {child.id_number}"})
    event = only("search")
    assert event.user == users["town_a"] and event.place == "children_child_changelist:children.child"
    assert event.detail == f"甲 {child.id_number[:6]}{'*' * 12}"
    assert child.id_number not in event.detail


def test_an_autocomplete_term_is_logged_with_the_phone_masked(client, users, world):
    client.force_login(users["town_a"])
    params = {"app_label": "activities", "model_name": "visit", "field_name": "child", "term": "13912345678"}
    assert client.get(reverse("admin:autocomplete"), params).status_code == 200
    event = only("search")
    assert event.place == "autocomplete:children.child" and event.detail == "139********"


def test_the_phone_pages_child_search_is_logged(client, users, world):
    client.force_login(users["town_a"])
    client.get(reverse("activities:child_search"), {"q": "甲童"})
    client.get(reverse("activities:visit_entry"), {"q": "1411"})
    assert list(AccessEvent.objects.filter(kind="search").order_by("at").values_list("place", "detail")) == [
        ("visit_entry", "甲童"),
        ("visit_entry", "****"),
    ]


def test_a_visit_form_showing_the_guardians_full_phone_is_logged_as_a_record_view(client, users, world):
    from audit.models import RecordView

    child = world["a"]["child"]
    child.guardian_phone = "13912345678"
    child.save()
    client.force_login(users["town_a"])
    page = client.get(reverse("activities:visit_entry"), {"child": child.pk}).content.decode()
    assert 'href="tel:13912345678"' in page
    view = RecordView.objects.get(child=child)
    assert view.user == users["town_a"] and view.region_id == child.region_id


def test_the_visit_forms_mother_search_is_logged_with_the_phone_masked(client, users, world):
    client.force_login(users["town_a"])
    params = {"child": world["a"]["child"].pk, "q": "13812345678"}
    assert client.get(reverse("activities:mother_search"), params).status_code == 200
    event = only("search")
    assert event.place == "visit_mothers" and event.detail == "138********"


def test_a_childs_history_page_is_logged_with_the_child(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["town_a"])
    assert client.get(reverse("admin:children_child_history", args=[child.pk])).status_code == 200
    version = child.history.latest().history_id
    client.get(reverse("admin:children_child_simple_history", args=[child.pk, version]))
    events = AccessEvent.objects.filter(kind="history", child=child)
    assert events.count() == 2 and {e.region_id for e in events} == {child.region_id}


def test_a_photo_view_is_logged(client, users, world):
    from activities.photos import clean_photo
    from activities.services import visit_add_photos

    (photo,) = visit_add_photos(visit=world["a"]["visit"], photos=[clean_photo(upload(jpeg_bytes()))])
    client.force_login(users["town_a"])
    assert client.get(reverse("activities:visit_photo", args=[photo.pk])).status_code == 200
    event = only("photo")
    assert event.child == world["a"]["child"] and event.detail == str(photo.pk)


def test_a_visit_ledger_job_export_and_its_download_are_logged(client, users, world):
    job = job_start(user=users["town_a"], kind="visit_ledger", params={"month": "2025-01", "region": ""})
    export = LedgerEvent.objects.get(direction="export", ledger="visits")
    assert export.user == users["town_a"] and export.filters["month"] == "2025-01"
    client.force_login(users["town_a"])
    response = client.get(reverse("reports:job_file", args=[job.pk]))
    assert response.status_code == 200
    event = only("job_file")
    assert (event.user, event.place, event.detail) == (users["town_a"], "visit_ledger", job.result_name)


def test_an_import_preview_is_logged_and_a_confirmed_import_is_not_a_preview(users, world):
    from core.tests.ledger_helpers import import_bytes, xlsx

    child = world["a"]["child"]
    data = xlsx(
        [["身份证号码", "走访日期", "走访方式", "走访人"], [child.id_number, "2025-01-05", "入户走访", "乡镇干部"]]
    )
    import_bytes("visits", data, users["town_a"], dry_run=True)
    event = only("preview")
    assert (event.user, event.place, event.detail) == (users["town_a"], "visits", "test.xlsx")
    import_bytes("visits", data, users["town_a"])
    assert AccessEvent.objects.filter(kind="preview").count() == 1


def test_the_query_mask_hides_every_run_of_digits():
    assert mask_query("张三 141102201507192377") == "张三 141102************"
    assert mask_query("139 1234 5678") == "139********"
    assert mask_query("尾号2377") == "尾号****"
    assert mask_query("王芳") == "王芳"


def test_refused_registrations_are_kept_masked(users):
    from core.masking import refuse_registration

    refuse_registration(user=users["town_a"], number="141102201507192377", place="import:children")
    assert only("refused").detail == "141102************"
    assert only("refused").at.date() <= datetime.date.today()
