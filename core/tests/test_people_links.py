"""Issue 13, item 7: 变更人 and 发起人 show the person's name and link only where the viewer may go.

The user admin is for superusers; a county admin may open the staff accounts of its county; a
viewer and township staff see the name alone. No page links a person into a bare 403.
"""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.tests.factories import staff_user
from reports.models import Job

USER_ADMIN = "/admin/auth/user/"


@pytest.fixture
def named(users):
    town_a = users["town_a"]
    town_a.last_name, town_a.first_name = "张", "秀英"
    town_a.save()
    return town_a


def _history_page(client, world, user):
    child = world["a"]["child"]
    child.history.update(history_user=user)
    return client.get(reverse("admin:children_child_history", args=[child.pk])).content.decode()


def _profile_url(user):
    return reverse("admin:regions_staffprofile_change", args=[user.staff_profile.pk])


def test_the_history_names_the_person_and_a_county_admin_may_open_its_account(client, users, world, named):
    client.force_login(users["admin"])
    page = _history_page(client, world, named)
    assert "张秀英" in page
    assert f'href="{_profile_url(named)}"' in page
    assert USER_ADMIN not in page
    # …and the link it follows opens.
    assert client.get(_profile_url(named)).status_code == 200


@pytest.mark.parametrize("role", ["viewer", "town_a"])
def test_viewers_and_township_staff_see_the_name_without_a_link(client, users, world, named, role):
    client.force_login(users[role])
    page = _history_page(client, world, named)
    assert "张秀英" in page
    assert USER_ADMIN not in page and _profile_url(named) not in page


def test_a_superuser_is_linked_to_the_user_admin(client, world, named):
    root = User.objects.create_superuser("root", "root@example.com", None)
    client.force_login(root)
    page = _history_page(client, world, named)
    assert f'href="{reverse("admin:auth_user_change", args=[named.pk])}"' in page


def test_a_person_without_a_name_is_shown_by_username(client, users, world):
    client.force_login(users["viewer"])
    assert "town_a" in _history_page(client, world, users["town_a"])


def test_the_job_page_names_who_started_it_without_a_user_admin_link(client, users, named):
    job = Job.objects.create(user=named, kind="visit_ledger", params={"township": "141128100000"})
    client.force_login(users["admin"])
    response = client.get(reverse("admin:reports_job_change", args=[job.pk]))
    if response.status_code == 200:
        page = response.content.decode()
        assert "张秀英" in page and USER_ADMIN not in page
    client.force_login(named)
    page = client.get(reverse("admin:reports_job_change", args=[job.pk])).content.decode()
    assert "张秀英" in page and USER_ADMIN not in page


def test_a_visits_recorded_by_names_the_person(client, users, world, named):
    visit = world["a"]["visit"]
    type(visit).objects.filter(pk=visit.pk).update(recorded_by=named)
    client.force_login(users["admin"])
    page = client.get(reverse("admin:activities_visit_change", args=[visit.pk])).content.decode()
    assert "张秀英" in page and USER_ADMIN not in page
    assert f'href="{_profile_url(named)}"' in page


def test_the_history_page_does_not_query_per_person(client, users, world, regions):
    child = world["a"]["child"]
    client.force_login(users["admin"])
    url = reverse("admin:children_child_history", args=[child.pk])
    child.history.update(history_user=users["town_a"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        person = staff_user(f"editor_{n}", regions["town_a"], "township")
        child.notes = f"第{n}次"
        child._history_user = person
        child.save()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "editor_7" in page

    # simple-history reads each version's difficulties (m2m) to diff it; naming people adds nothing per row.
    def people(queries):
        return [q["sql"] for q in queries if "historicalchild_difficulties" not in q["sql"]]

    assert len(people(many)) == len(people(few))
