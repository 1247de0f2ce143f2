"""Issue 13, item 9: staff accounts made in the browser, under create_staff's rules.

A county admin gives township and viewer accounts inside its county; a superuser any. The
one-time password is shown once (never cached, stored only as Django's hash, never logged) and
must be changed at the first login. Tampered posts and other people's accounts are refused.
"""

import logging

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from regions.accounts import staff_create
from regions.models import StaffProfile
from regions.tests.factories import RegionFactory, staff_user

pytestmark = pytest.mark.security

ADD = "admin:regions_staffprofile_add"


@pytest.fixture
def other_county(regions):
    county = RegionFactory(code="141102000000", name="离石区", parent=regions["county"].parent)
    town = RegionFactory(code="141102001000", name="滨河街道", parent=county)
    return {"county": county, "town": town, "admin": staff_user("lishi_admin", county, "admin")}


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", None)


def _post(client, region, role="township", username="wang_a", **extra):
    return client.post(
        reverse(ADD), {"username": username, "name": "王小红", "role": role, "region": region.pk, **extra}
    )


def _password(response):
    return response.context["password"]


def test_a_county_admin_creates_a_township_account_and_sees_its_password_once(client, users, regions, caplog):
    client.force_login(users["admin"])
    form = client.get(reverse(ADD))
    assert form.status_code == 200
    assert [value for value, _label in form.context["form"].fields["role"].choices] == ["township", "viewer"]
    with caplog.at_level(logging.DEBUG):
        response = _post(client, regions["town_a"])
    assert response.status_code == 200
    password = _password(response)
    assert password in response.content.decode() and len(password) >= 12
    assert "no-store" in response["Cache-Control"]
    user = User.objects.get(username="wang_a")
    assert user.first_name == "王小红" and user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["township"]
    assert user.staff_profile.region == regions["town_a"] and user.staff_profile.must_change_password
    assert user.check_password(password) and password not in user.password
    # Never in clear anywhere else: not in the session, the history, the logs, or a second look.
    assert all(password not in str(value) for value in client.session.values())
    assert password not in str(list(StaffProfile.history.values()))
    assert all(password not in record.getMessage() for record in caplog.records)
    assert user.staff_profile.history.latest().history_user == users["admin"]
    assert password not in client.get(reverse("admin:regions_staffprofile_changelist")).content.decode()

    # The new account signs in with it and is sent to change it before anything else.
    client.logout()
    login = client.post(reverse("admin:login"), {"username": "wang_a", "password": password, "next": "/admin/"})
    assert login.status_code == 302
    response = client.get(reverse("admin:children_child_changelist"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:password_change")


def test_a_county_admin_cannot_give_a_role_above_or_a_region_outside_its_own(client, users, regions, other_county):
    client.force_login(users["admin"])
    before = User.objects.count()
    for data in (
        {"region": regions["town_a"], "role": "admin"},  # its own role: admins are made by superusers
        {"region": other_county["town"], "role": "township"},  # another county
        {"region": other_county["county"], "role": "viewer"},
        {"region": regions["county"].parent, "role": "viewer"},  # the city above
        {"region": regions["town_a"], "role": "superuser"},
        # A "township" account for the whole county would see every guardian's phone in it.
        {"region": regions["county"], "role": "township"},
        {"region": regions["village_a1"], "role": "township"},
    ):
        response = _post(client, **data)
        assert response.status_code == 200 and "password" not in response.context, data
        assert response.context["form"].errors, data
    # Fields the form doesn't have are ignored, not applied.
    response = _post(client, regions["town_a"], username="sneaky", is_superuser="on", groups="1", user_permissions="1")
    assert response.status_code == 200
    sneaky = User.objects.get(username="sneaky")
    assert not sneaky.is_superuser and not sneaky.user_permissions.exists()
    assert list(sneaky.groups.values_list("name", flat=True)) == ["township"]
    assert User.objects.count() == before + 1


def test_an_existing_or_malformed_username_is_refused_in_chinese(client, users, regions):
    client.force_login(users["admin"])
    for username, message in (("TOWN_A", "已存在"), ("王 小", "用户名"), (" ", "")):
        response = _post(client, regions["town_a"], username=username)
        assert response.status_code == 200 and response.context["form"].errors
        assert message in response.content.decode()
    assert not User.objects.filter(username__in=["王 小"]).exists()


@pytest.mark.parametrize("role", ["town_a", "viewer", "nobody"])
def test_other_roles_cannot_create_accounts(client, users, regions, role):
    client.force_login(users[role])
    assert client.get(reverse(ADD)).status_code == 403
    assert _post(client, regions["town_a"], role="viewer").status_code == 403
    assert not User.objects.filter(username="wang_a").exists()


def test_a_superuser_may_create_an_admin_account(client, root, regions):
    client.force_login(root)
    response = _post(client, regions["county"], role="admin", username="fs_admin2")
    assert response.status_code == 200 and _password(response)
    assert User.objects.get(username="fs_admin2").groups.get().name == "admin"


def _reset_url(profile):
    return reverse("admin:regions_staffprofile_reset_password", args=[profile.pk])


def test_a_county_admin_resets_a_township_password_to_a_new_one_time_password(client, users):
    profile = users["town_a"].staff_profile
    client.force_login(users["admin"])
    page = client.get(reverse("admin:regions_staffprofile_change", args=[profile.pk]))
    assert _reset_url(profile) in page.content.decode()
    assert client.get(_reset_url(profile)).status_code == 200  # a confirmation, nothing changed yet
    response = client.post(_reset_url(profile))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = _password(response)
    user = User.objects.get(pk=users["town_a"].pk)
    assert user.check_password(password) and not user.check_password("Correct-horse-9")
    profile.refresh_from_db()
    assert profile.must_change_password
    assert profile.history.latest().history_user == users["admin"]


def test_a_county_admin_cannot_reach_other_accounts(client, users, regions, other_county, root):
    peer = staff_user("fs_admin_peer", regions["county"], "admin")
    StaffProfile.objects.create(user=root, region=regions["town_a"])
    targets = [
        users["admin"].staff_profile,  # itself
        peer.staff_profile,  # another admin of the same county
        other_county["admin"].staff_profile,  # another county's
        root.staff_profile,  # a superuser's
    ]
    client.force_login(users["admin"])
    hashes = {p.pk: p.user.password for p in targets}
    for profile in targets:
        for method in ("get", "post"):
            response = getattr(client, method)(_reset_url(profile))
            assert response.status_code in (403, 404), (profile, method)
    for profile in targets:
        assert User.objects.get(pk=profile.user_id).password == hashes[profile.pk]
    # Township staff reset nobody's password, their own township's neither.
    colleague = staff_user("town_a2", regions["town_a"], "township")
    client.force_login(users["town_a"])
    assert client.post(_reset_url(colleague.staff_profile)).status_code in (403, 404)


def test_the_command_and_the_page_share_one_service(regions, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="admin"):
        staff_create(username="x1", region=regions["town_a"], role="admin", by=users["admin"])
    user, password = staff_create(username="x2", region=regions["town_a"], role="viewer", name="李", by=None)
    assert user.check_password(password) and user.staff_profile.must_change_password


def test_the_staff_account_list_is_flat(client, users, regions, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["admin"])
    url = reverse("admin:regions_staffprofile_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        staff_user(f"more_{n}", regions["town_b"], "township")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert "more_9" in response.content.decode()
