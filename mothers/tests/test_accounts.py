"""Giving a caring mother her own account (service, admin action, command) and her reminders."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from activities.models import Visit
from activities.schedule import schedule_refresh_all
from notify.digest import digest_for
from notify.models import Message
from volunteers.models import MotherAccount, Volunteer
from volunteers.services import mother_account_grant
from volunteers.tests.factories import mother_user


def test_it_gives_her_an_account_that_is_no_staff_account(world, users):
    volunteer = world["a"]["mother"]
    user, password = mother_account_grant(volunteer=volunteer, by=users["admin"])
    assert user.username == volunteer.phone and user.check_password(password)
    assert not user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["mother"]
    assert not user.get_all_permissions()
    assert user.mother_account.volunteer == volunteer and user.mother_account.must_change_password
    assert user.notify_preference.sms and user.notify_preference.phone == volunteer.phone


@pytest.mark.parametrize(
    "who,key,message",
    [
        ("town_a", "a", "不能为这位爱心妈妈开通账号"),  # township staff may not create accounts
        ("viewer", "a", "不能为这位爱心妈妈开通账号"),
        ("nobody", "a", "不能为这位爱心妈妈开通账号"),
    ],
)
def test_it_refuses_accounts_who_may_not_give_one(world, users, who, key, message):
    with pytest.raises(ValidationError) as error:
        mother_account_grant(volunteer=world[key]["mother"], by=users[who])
    assert message in " ".join(error.value.messages)
    assert not MotherAccount.objects.exists() and not User.objects.filter(username=world[key]["mother"].phone).exists()


def test_it_refuses_a_second_account_and_a_mother_out_of_service(world):
    mother_account_grant(volunteer=world["a"]["mother"])
    with pytest.raises(ValidationError, match="已有账号"):
        mother_account_grant(volunteer=world["a"]["mother"], username="another")
    Volunteer.objects.filter(pk=world["b"]["mother"].pk).update(status="left")
    world["b"]["mother"].refresh_from_db()
    with pytest.raises(ValidationError, match="在职"):
        mother_account_grant(volunteer=world["b"]["mother"])
    assert MotherAccount.objects.count() == 1


def test_the_admin_action_shows_the_password_once_for_her_county_admin(client, world, users):
    volunteer = world["a"]["mother"]
    url = reverse("admin:volunteers_volunteer_grant_account", args=[volunteer.pk])
    client.force_login(users["admin"])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    account = MotherAccount.objects.get(volunteer=volunteer)
    assert account.user.username in response.content.decode()
    assert "/mother/login/" in response.content.decode()


def test_the_admin_action_is_not_for_township_staff(client, world, users):
    url = reverse("admin:volunteers_volunteer_grant_account", args=[world["a"]["mother"].pk])
    client.force_login(users["town_a"])
    assert client.post(url).status_code in (403, 404)
    assert not MotherAccount.objects.exists()


def test_the_command_gives_an_account_by_her_phone(world):
    out = io.StringIO()
    call_command("create_staff", "jia_mama", "--role", "mother", "--volunteer", world["a"]["mother"].phone, stdout=out)
    assert MotherAccount.objects.get(user__username="jia_mama").volunteer == world["a"]["mother"]
    assert "一次性密码" in out.getvalue()
    with pytest.raises(CommandError, match="没有这个手机号"):
        call_command("create_staff", "x", "--role", "mother", "--volunteer", "13000000000", stdout=io.StringIO())


def test_her_digest_lists_only_her_children_overdue(world, users):
    mother = mother_user(world["a"]["mother"])
    Visit.objects.all().delete()
    schedule_refresh_all()  # the delete went below the visit service
    ((title, count, lines),) = digest_for(mother)
    assert count == 1 and lines == ["甲童（从未走访）"]


def test_send_reminders_sends_her_digest_and_her_messages_are_hers(world, django_capture_on_commit_callbacks):
    mother = mother_user(world["a"]["mother"])
    other = mother_user(world["b"]["mother"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--now", "--region", world["regions"]["town_a"].code, stdout=io.StringIO())
    message = Message.objects.get(recipient=mother)
    assert message.link == reverse("mothers:index")
    assert list(Message.objects.for_user(mother)) == [message]
    assert not Message.objects.for_user(other).exists()


def test_send_reminders_dry_run_names_her(world):
    mother_user(world["a"]["mother"])
    out = io.StringIO()
    call_command("send_reminders", "--dry-run", "--region", world["regions"]["town_a"].code, stdout=out)
    assert "爱心妈妈 甲妈妈" in out.getvalue()
