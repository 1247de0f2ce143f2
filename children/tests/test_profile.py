import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.photos import clean_photo
from activities.services import visit_add_photos
from activities.tests.factories import VisitFactory
from activities.tests.photos import jpeg_bytes, upload
from children.services import child_change_colour
from core.signals import child_record_viewed


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def profile_url(child):
    return reverse("children:profile", args=[child.pk])


def test_the_profile_url_is_the_childs_absolute_url(world):
    child = world["a"]["child"]
    assert child.get_absolute_url() == f"/children/{child.pk}/profile/"


def test_it_sends_anonymous_users_to_the_admin_login(client, world):
    response = client.get(profile_url(world["a"]["child"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_a_township_user_cannot_open_another_townships_profile(client, users, world):
    client.force_login(users["town_a"])
    response = client.get(profile_url(world["b"]["child"]))
    assert response.status_code == 404
    assert "乙童" not in response.content.decode()


def test_a_township_user_sees_masked_identity_but_the_guardians_full_phone(client, users, world):
    child = world["a"]["child"]
    child.guardian_phone = "13912345678"
    child.save()
    client.force_login(users["town_a"])
    page = client.get(profile_url(child)).content.decode()
    assert "甲童" in page
    assert child.id_number not in page and child.id_number[:6] + "*" * 12 in page
    # Township staff call the families they visit (README, 脱敏规则): the full number, as a link.
    assert '<a href="tel:13912345678">13912345678</a>' in page


def test_a_viewer_sees_the_guardians_phone_masked(client, users, world):
    child = world["a"]["child"]
    child.guardian_phone = "13912345678"
    child.save()
    client.force_login(users["viewer"])
    page = client.get(profile_url(child)).content.decode()
    assert "13912345678" not in page and "139********" in page and "tel:" not in page
    # The birth year, not the date or the age (see core.idnumber.mask_id_number).
    assert f"{child.birth_date.year}年" in page and child.birth_date.strftime("%Y-%m-%d") not in page
    assert world["a"]["mother"].phone not in page


def test_a_federation_admin_sees_full_identity(client, users, world):
    child = world["a"]["child"]
    child.guardian_phone = "13912345678"
    child.save()
    client.force_login(users["admin"])
    page = client.get(profile_url(child)).content.decode()
    assert child.id_number in page and "13912345678" in page


def test_it_shows_colour_pairing_and_visit_history(client, users, world):
    child, mother = world["a"]["child"], world["a"]["mother"]
    child_change_colour(child=child, to_colour="yellow", effective_on=datetime.date(2025, 2, 1), reason="成绩下滑")
    (photo,) = visit_add_photos(visit=world["a"]["visit"], photos=[clean_photo(upload(jpeg_bytes()))])
    client.force_login(users["town_a"])
    page = client.get(profile_url(child)).content.decode()
    assert "成绩下滑" in page and "2025-02-01" in page
    assert mother.name in page
    assert "2025-01-10" in page  # the visit
    assert reverse("activities:visit_photo", args=[photo.pk]) in page
    assert photo.image.name not in page


def test_it_announces_that_the_record_was_viewed(client, users, world):
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    child_record_viewed.connect(listener)
    try:
        client.force_login(users["town_a"])
        client.get(profile_url(world["a"]["child"]))
    finally:
        child_record_viewed.disconnect(listener)
    assert [(s["user"], s["child"]) for s in seen] == [(users["town_a"], world["a"]["child"])]


def test_the_profile_prints_on_a4(client, users, world):
    client.force_login(users["town_a"])
    page = client.get(profile_url(world["a"]["child"])).content.decode()
    assert "css/pages.css" in page
    css = (Path(settings.BASE_DIR) / "static/css/pages.css").read_text()
    assert "@page { size: A4" in css and ".topbar" in css.split("@media print")[1]


def test_the_profile_query_count_does_not_grow_with_visits(client, users, world):
    child, mother = world["a"]["child"], world["a"]["mother"]
    client.force_login(users["town_a"])
    client.get(profile_url(child))  # warm caches (content types, permissions)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(profile_url(child)).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for day in range(1, 16):
        visit = VisitFactory(child=child, visited_on=datetime.date(2025, 3, day))
        visit.visitors.add(mother)
        visit_add_photos(visit=visit, photos=[clean_photo(upload(jpeg_bytes()))])
        child_change_colour(
            child=child, to_colour="red" if day % 2 else "green", effective_on=visit.visited_on, reason="走访"
        )
    many = count()
    print(f"profile queries: {few} with 1 visit, {many} with 16 visits")
    assert many == few
    assert many <= 20


def test_the_child_admin_page_links_to_the_profile(client, users, world):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    page = client.get(reverse("admin:children_child_change", args=[child.pk])).content.decode()
    shortcut = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(child).pk, child.pk])
    assert shortcut in page
    assert client.get(shortcut)["Location"].endswith(child.get_absolute_url())
