import datetime
import io
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from activities.models import Visit, VisitMode, VisitPhoto
from children.models import CardChange

from .photos import jpeg_bytes, upload

ENTRY = "activities:visit_entry"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def town_a(client, users):
    client.force_login(users["town_a"])
    return client


def post_data(child, *, visitors=None, **extra):
    data = {
        "child": child.pk,
        "visited_on": timezone.localdate().isoformat(),
        "mode": VisitMode.objects.get(name="入户走访").pk,
        "visitors": visitors if visitors is not None else [],
        "staff_visitors": "乡镇干部王某",
        "findings": "学习正常，生活困难",
        "help_given": "送学习用品",
        "goods_value": "120.50",
        "reassessed_colour": "",
        "reassessment_reason": "",
        "entry_token": str(uuid.uuid4()),
    }
    data.update(extra)
    return data


def test_it_sends_anonymous_users_to_the_admin_login(client, db):
    response = client.get(reverse(ENTRY))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_refuses_a_read_only_user(client, users):
    client.force_login(users["viewer"])
    assert client.get(reverse(ENTRY)).status_code == 403


def test_it_finds_children_by_name_only_in_scope(town_a, world):
    results = town_a.get(reverse("activities:child_search"), {"q": "童"}).json()["results"]
    assert [r["id"] for r in results] == [world["a"]["child"].pk]


def test_it_finds_a_child_by_the_complete_id_number_with_a_masked_label(town_a, world):
    # Not by the last four digits any more: beside the birth year they left ~33 candidates.
    child = world["a"]["child"]
    assert town_a.get(reverse("activities:child_search"), {"q": child.id_number[-4:]}).json()["results"] == []
    results = town_a.get(reverse("activities:child_search"), {"q": child.id_number}).json()["results"]
    assert [r["id"] for r in results] == [child.pk]
    label = results[0]["label"]
    assert child.id_number not in label
    assert label == f"甲童 {child.id_number[:6]}{'*' * 12} · 武当社区"


def test_it_does_not_find_another_townships_child_by_digits(town_a, world):
    other = world["b"]["child"]
    assert town_a.get(reverse("activities:child_search"), {"q": other.id_number}).json()["results"] == []


def test_the_search_works_without_javascript(town_a, world):
    page = town_a.get(reverse(ENTRY), {"q": "甲"}).content.decode()
    assert f'href="?child={world["a"]["child"].pk}"' in page


def test_it_preselects_the_childs_current_mothers(town_a, world):
    page = town_a.get(reverse(ENTRY), {"child": world["a"]["child"].pk}).content.decode()
    mother = world["a"]["mother"]
    checkbox = re.search(rf'<input[^>]*name="visitors"[^>]*value="{mother.pk}"[^>]*>', page).group(0)
    assert "checked" in checkbox
    assert "乙妈妈" not in page


def test_it_does_not_open_another_townships_child(town_a, world):
    page = town_a.get(reverse(ENTRY), {"child": world["b"]["child"].pk}).content.decode()
    assert "乙童" not in page
    assert "不在您的辖区" in page or "not in your area" in page


def test_it_saves_a_visit_and_shows_the_next_due_date(town_a, world, users):
    child, mother = world["a"]["child"], world["a"]["mother"]
    response = town_a.post(reverse(ENTRY), post_data(child, visitors=[mother.pk]))
    visit = Visit.objects.get(child=child, visited_on=timezone.localdate())
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:visit_saved", args=[visit.pk])
    assert list(visit.visitors.all()) == [mother]
    assert visit.recorded_by == users["town_a"] and str(visit.goods_value) == "120.50"
    page = town_a.get(response["Location"]).content.decode()
    next_due = timezone.localdate() + datetime.timedelta(days=90)  # green card
    assert next_due.isoformat() in page


def test_it_changes_the_card_through_a_reassessment_with_a_reason(town_a, world, users):
    child = world["a"]["child"]
    town_a.post(reverse(ENTRY), post_data(child, reassessed_colour="red", reassessment_reason="父亲离家"))
    change = CardChange.objects.get(child=child)
    assert (change.from_colour, change.to_colour, change.reason) == ("green", "red", "父亲离家")
    assert change.changed_by == users["town_a"]


def test_it_requires_a_reason_when_the_colour_changes(town_a, world):
    child = world["a"]["child"]
    response = town_a.post(reverse(ENTRY), post_data(child, reassessed_colour="red"))
    assert response.status_code == 200
    assert not Visit.objects.filter(child=child, visited_on=timezone.localdate()).exists()
    assert not CardChange.objects.exists()


@pytest.mark.parametrize("field", ["child", "visitors"])
def test_it_rejects_forged_ids_from_another_township(town_a, world, field):
    own, other = world["a"], world["b"]
    data = post_data(own["child"], visitors=[own["mother"].pk])
    data[field] = other["child"].pk if field == "child" else [other["mother"].pk]
    before = Visit.objects.count()
    response = town_a.post(reverse(ENTRY), data)
    assert response.status_code == 200
    assert Visit.objects.count() == before
    assert "乙童" not in response.content.decode()


def test_it_rejects_a_future_date(town_a, world):
    child = world["a"]["child"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = town_a.post(reverse(ENTRY), post_data(child, visited_on=tomorrow.isoformat()))
    assert response.status_code == 200
    assert not Visit.objects.filter(child=child, visited_on=tomorrow).exists()


def test_it_rejects_negative_goods(town_a, world):
    child = world["a"]["child"]
    town_a.post(reverse(ENTRY), post_data(child, goods_value="-1"))
    assert not Visit.objects.filter(child=child, visited_on=timezone.localdate()).exists()


def test_it_stores_photos_without_gps_under_random_names(town_a, world):
    child = world["a"]["child"]
    town_a.post(reverse(ENTRY), post_data(child, photos=[upload(jpeg_bytes(gps=True), name="张三家.jpg")]))
    photo = VisitPhoto.objects.get(visit__child=child)
    path = Path(photo.image.path)
    assert path.is_relative_to(Path(django_settings.MEDIA_ROOT))
    assert "张三" not in photo.image.name and re.search(r"/[0-9a-f]{32}\.jpg$", photo.image.name)
    image = Image.open(path)
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert dict(image.getexif()) == {}


def test_it_rejects_a_renamed_non_image_and_saves_nothing(town_a, world):
    child = world["a"]["child"]
    response = town_a.post(
        reverse(ENTRY), post_data(child, photos=[upload(b"MZ\x90\x00 this is a program", name="photo.jpg")])
    )
    assert response.status_code == 200
    assert "photo.jpg" in response.content.decode()
    assert not Visit.objects.filter(child=child, visited_on=timezone.localdate()).exists()
    assert not VisitPhoto.objects.exists()


def test_it_rejects_an_over_size_photo(town_a, world, settings):
    settings.VISIT_PHOTO_MAX_BYTES = 2000
    child = world["a"]["child"]
    big = jpeg_bytes(size=(600, 600))
    assert len(big) > 2000
    response = town_a.post(reverse(ENTRY), post_data(child, photos=[upload(big)]))
    assert response.status_code == 200
    assert not VisitPhoto.objects.exists()


def test_it_accepts_at_most_six_photos(town_a, world):
    child = world["a"]["child"]
    photos = [upload(jpeg_bytes(), name=f"p{i}.jpg") for i in range(7)]
    response = town_a.post(reverse(ENTRY), post_data(child, photos=photos))
    assert response.status_code == 200
    assert not VisitPhoto.objects.exists()


@pytest.fixture
def photo_a(world, settings):
    from activities.photos import clean_photo
    from activities.services import visit_add_photos

    (photo,) = visit_add_photos(visit=world["a"]["visit"], photos=[clean_photo(upload(jpeg_bytes()))])
    return photo


def test_the_photo_view_serves_a_photo_privately(town_a, photo_a):
    response = town_a.get(reverse("activities:visit_photo", args=[photo_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"


def test_a_township_user_cannot_open_another_townships_photo(client, users, photo_a):
    client.force_login(users["town_b"])
    assert client.get(reverse("activities:visit_photo", args=[photo_a.pk])).status_code == 404


def test_media_files_are_not_served_directly(town_a, photo_a):
    assert town_a.get(f"{django_settings.MEDIA_URL}{photo_a.image.name}").status_code == 404


def test_the_page_fits_a_phone(town_a, world):
    page = town_a.get(reverse(ENTRY), {"child": world["a"]["child"].pk}).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script>" not in page and " onclick=" not in page and " onchange=" not in page
    css = (Path(django_settings.BASE_DIR) / "static/css/pages.css").read_text()
    widths = [int(w) for w in re.findall(r"(?:min-)?width:\s*(\d+)px", css)]
    assert widths and max(widths) <= 375


def test_the_date_defaults_to_today_in_iso_form_for_the_date_picker(town_a, world):
    page = town_a.get(
        reverse(ENTRY), {"child": world["a"]["child"].pk}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    today = timezone.localdate().isoformat()
    assert re.search(rf'<input type="date" name="visited_on" value="{today}"[^>]*max="{today}"', page)


def test_the_admin_index_links_to_the_visit_page_for_township_staff(town_a):
    page = town_a.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse(ENTRY)}"' in page
    assert "走访登记" in page


def test_the_admin_index_has_no_visit_link_for_read_only_users(client, users):
    client.force_login(users["viewer"])
    assert f'href="{reverse(ENTRY)}"' not in client.get(reverse("admin:index")).content.decode()


def test_another_township_cannot_open_the_confirmation_page(client, users, world):
    client.force_login(users["town_b"])
    response = client.get(reverse("activities:visit_saved", args=[world["a"]["visit"].pk]))
    assert response.status_code == 404
    assert "甲童" not in response.content.decode()


def test_the_child_search_answers_nothing_to_anonymous_users(client, world):
    response = client.get(reverse("activities:child_search"), {"q": "甲"})
    assert response.status_code == 302
    assert "甲童" not in response.content.decode()


def test_the_same_form_sent_twice_stores_one_visit_and_shows_it_again(town_a, world):
    child, mother = world["a"]["child"], world["a"]["mother"]
    form = town_a.get(reverse(ENTRY), {"child": child.pk}).content.decode()
    token = re.search(r'name="entry_token" value="([0-9a-f-]{36})"', form).group(1)
    data = post_data(child, visitors=[mother.pk], entry_token=token)
    first = town_a.post(reverse(ENTRY), data)
    before = Visit.objects.count()
    again = town_a.post(reverse(ENTRY), data, follow=True)
    assert Visit.objects.count() == before
    assert first["Location"] == again.redirect_chain[0][0]
    assert "已经保存过" in again.content.decode()


def test_a_form_without_its_token_saves_nothing(town_a, world):
    child = world["a"]["child"]
    before = Visit.objects.count()
    response = town_a.post(reverse(ENTRY), post_data(child, entry_token=""))
    assert response.status_code == 200 and "已过期" in response.content.decode()
    assert Visit.objects.count() == before


def test_the_same_visit_from_a_second_form_is_refused_with_a_message(town_a, world):
    child, mother = world["a"]["child"], world["a"]["mother"]
    town_a.post(reverse(ENTRY), post_data(child, visitors=[mother.pk]))
    before = Visit.objects.count()
    response = town_a.post(reverse(ENTRY), post_data(child, visitors=[mother.pk], findings="另写了一遍"))
    assert response.status_code == 200 and "已经记录" in response.content.decode()
    assert Visit.objects.count() == before
