"""A caring mother's own pages, met as an attacker would: other children by number, ended
pairings, the admin and the staff pages; and what she records."""

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Visit, VisitMode
from activities.schedule import schedule_refresh
from audit.models import RecordView
from children.models import Child
from pairing.services import pairing_end
from volunteers.tests.factories import mother_user


@pytest.fixture
def mother(world):
    return mother_user(world["a"]["mother"])


@pytest.fixture
def signed_in(client, mother):
    client.force_login(mother)
    return client


def contact_url(child):
    return reverse("mothers:contact", args=[child.pk])


def post_contact(client, child, **data):
    form = {"visited_on": timezone.localdate().isoformat(), "method": "电话", "findings": "聊了学习"}
    return client.post(contact_url(child), {**form, **data})


def test_it_lists_her_children_now_and_no_other(signed_in, world):
    response = signed_in.get(reverse("mothers:index"))
    body = response.content.decode()
    assert response.status_code == 200
    assert world["a"]["child"].name in body
    assert world["b"]["child"].name not in body
    assert world["a"]["child"].id_number not in body


def test_it_answers_another_childs_page_by_number_with_404(signed_in, world):
    assert signed_in.get(contact_url(world["b"]["child"])).status_code == 404
    assert signed_in.get(reverse("mothers:contact", args=[999999])).status_code == 404
    before = Visit.objects.count()
    assert post_contact(signed_in, world["b"]["child"]).status_code == 404
    assert Visit.objects.count() == before


def test_it_answers_her_child_with_404_after_the_pairing_ended(signed_in, world):
    assert signed_in.get(contact_url(world["a"]["child"])).status_code == 200
    pairing_end(pairing=world["a"]["pairing"], on=timezone.localdate(), reason="resolved", by=None)
    assert signed_in.get(contact_url(world["a"]["child"])).status_code == 404
    assert world["a"]["child"].name not in signed_in.get(reverse("mothers:index")).content.decode()


def test_it_refuses_her_pages_once_her_service_ended(signed_in, world):
    world["a"]["mother"].__class__.objects.filter(pk=world["a"]["mother"].pk).update(status="left")
    assert signed_in.get(reverse("mothers:index")).status_code == 403
    assert signed_in.get(contact_url(world["a"]["child"])).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/children/child/",
        "/admin/regions/region/",
        "/admin/reports/job/",
        "/admin/audit/recordview/",
        "/admin/volunteers/volunteer/",
        "/admin/reports/ledger/?month=2025-01",
    ],
)
def test_it_sends_her_from_every_admin_page_to_the_admins_sign_in(signed_in, url):
    response = signed_in.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_it_refuses_her_the_staff_pages_outside_the_admin(signed_in, world):
    child = world["a"]["child"]
    assert signed_in.get(reverse("activities:visit_entry")).status_code == 403
    assert signed_in.get(reverse("activities:visit_entry"), {"child": child.pk}).status_code == 403
    assert signed_in.get(reverse("children:profile", args=[child.pk])).status_code == 403
    assert signed_in.get(reverse("todo:index")).status_code == 403


def test_it_records_her_contact_as_hers(signed_in, mother, world):
    child = world["a"]["child"]
    response = post_contact(signed_in, child, method="微信")
    assert response.status_code == 302 and response.url == reverse("mothers:index")
    visit = Visit.objects.get(child=child, source=Visit.Source.MOTHER)
    assert visit.recorded_by == mother
    assert list(visit.visitors.all()) == [world["a"]["mother"]]
    assert visit.mode.name == "微信" and visit.findings == "聊了学习"
    assert "爱心妈妈本人记录" in signed_in.get(reverse("mothers:index")).content.decode()


@pytest.mark.parametrize("method", ["电话", "微信", "见面", "入户走访"])
def test_it_offers_the_four_contact_methods(signed_in, world, method):
    body = signed_in.get(contact_url(world["a"]["child"])).content.decode()
    assert all(label in body for label in ("电话", "微信", "见面", "家访"))
    post_contact(signed_in, world["a"]["child"], method=method)
    assert Visit.objects.by_mother().get().mode == VisitMode.objects.get(name=method)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"visited_on": "2999-01-01"}, "不能晚于今天"),
        ({"method": "飞鸽"}, ""),
        ({"visited_on": "昨天"}, ""),
    ],
)
def test_it_refuses_bad_input_in_chinese_and_writes_nothing(signed_in, world, data, message):
    before = Visit.objects.count()
    response = post_contact(signed_in, world["a"]["child"], **data)
    assert response.status_code == 200
    assert Visit.objects.count() == before
    assert message in response.content.decode()


def test_it_refuses_the_same_contact_twice(signed_in, world):
    post_contact(signed_in, world["a"]["child"])
    response = post_contact(signed_in, world["a"]["child"])
    assert response.status_code == 200 and "已经记录" in response.content.decode()
    assert Visit.objects.by_mother().count() == 1


def test_it_logs_her_look_at_a_childs_record(signed_in, mother, world):
    signed_in.get(contact_url(world["a"]["child"]))
    assert RecordView.objects.filter(user=mother, child=world["a"]["child"]).count() == 1


def test_it_shows_her_the_guardians_phone_but_no_id_number(signed_in, world):
    child = world["a"]["child"]
    Child.objects.filter(pk=child.pk).update(guardian_phone="13912345678")
    body = signed_in.get(contact_url(child)).content.decode()
    assert "13912345678" in body and child.id_number not in body


def test_it_counts_her_contact_as_the_childs_last_contact(signed_in, world):
    """The figures decision (docs/mothers.md): her record is a contact like a staff visit."""
    child = world["a"]["child"]
    Visit.objects.filter(child=child).delete()
    schedule_refresh(child_ids=[child.pk])  # the delete went below the visit service
    assert Child.objects.overdue().filter(pk=child.pk).exists()
    post_contact(signed_in, child)
    assert not Child.objects.overdue().filter(pk=child.pk).exists()


def test_it_reminds_her_of_her_children_due_or_overdue(signed_in, world):
    Visit.objects.filter(child=world["a"]["child"]).delete()
    schedule_refresh(child_ids=[world["a"]["child"].pk])  # the delete went below the visit service
    body = signed_in.get(reverse("mothers:index")).content.decode()
    reminders = body.split('id="mother-reminders"')[1].split("</section>")[0]
    assert world["a"]["child"].name in reminders and "从未走访" in reminders
    post_contact(signed_in, world["a"]["child"])
    body = signed_in.get(reverse("mothers:index")).content.decode()
    reminders = body.split('id="mother-reminders"')[1].split("</section>")[0]
    assert world["a"]["child"].name not in reminders


def test_it_makes_her_set_her_password_at_the_first_sign_in(client, world):
    from volunteers.services import mother_account_grant

    user, password = mother_account_grant(volunteer=world["a"]["mother"], by=None)
    response = client.post(reverse("mothers:login"), {"username": user.username, "password": password})
    assert response.status_code == 302
    assert client.get(reverse("mothers:index")).url == reverse("mothers:password_change")
    response = client.post(
        reverse("mothers:password_change"),
        {"old_password": password, "new_password1": "Hua-shu-2026!x", "new_password2": "Hua-shu-2026!x"},
    )
    assert response.status_code == 302
    assert client.get(reverse("mothers:index")).status_code == 200


def test_it_does_not_let_her_in_at_the_admins_sign_in(client, world):
    from volunteers.services import mother_account_grant

    user, password = mother_account_grant(volunteer=world["a"]["mother"], by=None)
    client.post(reverse("admin:login"), {"username": user.username, "password": password})
    assert client.get("/admin/").status_code == 302


def test_it_keeps_staff_out_of_the_mothers_sign_in(client, users):
    users["town_a"].set_password("Staff-pass-2026!")
    users["town_a"].save()
    response = client.post(reverse("mothers:login"), {"username": "town_a", "password": "Staff-pass-2026!"})
    assert response.status_code == 200 and "工作人员" in response.content.decode()


def test_it_sends_a_stranger_to_her_sign_in(client, world):
    response = client.get(contact_url(world["a"]["child"]))
    assert response.status_code == 302 and response.url.startswith(reverse("mothers:login"))


def test_it_pins_the_queries_of_her_page(signed_in, world, django_assert_max_num_queries):
    """The same number of queries with one child or six, and with her records."""
    from children.tests.factories import ChildFactory
    from pairing.tests.factories import PairingFactory, PairingMemberFactory

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(reverse("mothers:index")).status_code == 200
        return len(queries)

    count()  # the first request after signing in renews the session
    one = count()
    for n in range(5):
        child = ChildFactory(name=f"童{n}", region=world["regions"]["village_a1"])
        PairingMemberFactory(pairing=PairingFactory(child=child), volunteer=world["a"]["mother"])
        post_contact(signed_in, child)
    assert count() == one
    with django_assert_max_num_queries(12):
        signed_in.get(reverse("mothers:index"))


def test_it_fills_the_date_as_a_phone_date_input_reads_it(signed_in, world):
    body = signed_in.get(contact_url(world["a"]["child"])).content.decode()
    assert f'type="date" name="visited_on" value="{timezone.localdate():%Y-%m-%d}"' in body
