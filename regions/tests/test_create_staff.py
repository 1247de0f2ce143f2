"""create_staff and the first-login password change (issue 3, item 2)."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse


def _create(*args):
    out = StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_staff_account_with_region_role_and_one_time_password(regions):
    output = _create("wang", "--region", "141128100000", "--role", "township")
    password = re.search(r"[:：]\s*(\S+)\s*$", output.strip()).group(1)
    user = User.objects.get(username="wang")
    assert user.is_staff and not user.is_superuser
    assert user.check_password(password) and len(password) >= 10
    assert list(user.groups.values_list("name", flat=True)) == ["township"]
    assert user.staff_profile.region == regions["town_a"]
    assert user.staff_profile.must_change_password


@pytest.mark.parametrize(
    "args,message",
    [
        (["wang", "--region", "999999999999", "--role", "admin"], "999999999999"),
        (["town_a", "--region", "141128100000", "--role", "township"], "town_a"),
    ],
)
def test_it_refuses_unknown_regions_and_existing_accounts(users, args, message):
    with pytest.raises(CommandError, match=message):
        _create(*args)


def test_it_sends_a_new_account_to_the_password_change_page_until_changed(client, regions):
    output = _create("li", "--region", "141128000000", "--role", "admin")
    password = re.search(r"[:：]\s*(\S+)\s*$", output.strip()).group(1)
    user = User.objects.get(username="li")
    client.force_login(user)
    change_url = reverse("admin:password_change")
    response = client.get(reverse("admin:children_child_changelist"))
    assert response.status_code == 302 and response["Location"] == change_url
    assert client.get(change_url).status_code == 200
    # A too-short new password is refused and the account stays flagged.
    client.post(change_url, {"old_password": password, "new_password1": "short", "new_password2": "short"})
    user.staff_profile.refresh_from_db()
    assert user.staff_profile.must_change_password
    new = "Liang-shan-2025-xyz"
    response = client.post(change_url, {"old_password": password, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    user.staff_profile.refresh_from_db()
    assert not user.staff_profile.must_change_password
    assert client.get(reverse("admin:children_child_changelist")).status_code == 200


def test_it_leaves_accounts_to_superusers(client, users):
    client.force_login(users["admin"])
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_change", args=[users["town_b"].pk])).status_code in (403, 404)
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    # django-axes' own tables (usernames and addresses of attempts) are for superusers too.
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_it_names_the_person_and_goes_through_the_accounts_service(regions, monkeypatch):
    import regions.management.commands.create_staff as command

    calls = []
    original = command.staff_create
    monkeypatch.setattr(command, "staff_create", lambda **kw: calls.append(kw) or original(**kw))
    _create("zhao", "--region", "141128000000", "--role", "admin", "--name", "赵敏")
    assert calls and calls[0]["by"] is None
    assert User.objects.get(username="zhao").first_name == "赵敏"
