"""Audit logs: imports/exports, record views, read-only admins, retention (issue 3, item 5)."""

import datetime

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.models import LOG_MODELS, LedgerEvent, LoginEvent, RecordView
from core.signals import child_record_viewed, ledger_exported, ledger_imported


def test_it_logs_an_import_with_its_counts(users):
    ledger_imported.send(
        sender=None,
        user=users["admin"],
        ledger="children",
        filename="2025年儿童台账.xlsx",
        counts={"new": 3, "updated": 2, "skipped": 1, "errors": 0},
    )
    event = LedgerEvent.objects.get()
    assert (event.direction, event.ledger, event.filename, event.rows) == (
        "import",
        "children",
        "2025年儿童台账.xlsx",
        6,
    )
    assert event.user == users["admin"] and event.region.code == "141128000000"
    assert event.counts["new"] == 3


def test_it_logs_an_export_with_its_filters(users, regions):
    ledger_exported.send(
        sender=None,
        user=users["town_a"],
        ledger="visits",
        rows=12,
        filters={"month": "2025-01", "region": "141128100000"},
    )
    event = LedgerEvent.objects.get()
    assert (event.direction, event.ledger, event.rows) == ("export", "visits", 12)
    assert event.filters == {"month": "2025-01", "region": "141128100000"}
    assert event.region == regions["town_a"]


def test_it_logs_a_child_record_view_in_the_childs_region(users, world):
    child = world["b"]["child"]
    child_record_viewed.send(sender=None, user=users["admin"], child=child)
    view = RecordView.objects.get()
    assert view.child == child and view.region == child.region


def test_it_shows_each_region_only_its_own_log(client, users, world):
    for key in ("a", "b"):
        child_record_viewed.send(sender=None, user=users["admin"], child=world[key]["child"])
    request = RequestFactory().get("/")
    request.user = users["town_a"]
    assert RecordView.objects.for_user(users["town_a"]).get().child == world["a"]["child"]
    assert RecordView.objects.for_user(users["admin"]).count() == 2


@pytest.mark.parametrize("model", LOG_MODELS)
def test_it_keeps_logs_read_only_in_the_admin(model, users, django_user_model):
    model_admin = admin.site._registry[model]
    root = django_user_model.objects.create_superuser("root", "root@example.com", "Correct-horse-9")
    for user in (users["admin"], root):
        request = RequestFactory().get("/")
        request.user = user
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_it_shows_logs_to_county_admins_not_to_township_staff(client, users, world):
    client.force_login(users["admin"])
    assert client.get(reverse("admin:audit_loginevent_changelist")).status_code == 200
    client.force_login(users["town_a"])
    assert client.get(reverse("admin:audit_loginevent_changelist")).status_code == 403


def _event(days_ago):
    event = LoginEvent.objects.create(kind="login", username="someone")
    LoginEvent.objects.filter(pk=event.pk).update(at=timezone.now() - datetime.timedelta(days=days_ago))
    return event


@pytest.mark.django_db
def test_it_prunes_only_entries_older_than_asked():
    old, recent = _event(400), _event(190)
    call_command("prune_logs", "--older-than-days", "365")
    assert list(LoginEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk


@pytest.mark.django_db
def test_it_refuses_to_prune_logs_younger_than_six_months():
    event = _event(200)
    with pytest.raises(CommandError, match="183"):
        call_command("prune_logs", "--older-than-days", "30")
    assert LoginEvent.objects.filter(pk=event.pk).exists()
