"""Every registered admin answers for a superuser; generated from the admin registry."""

import pytest
from django.contrib import admin
from django.urls import reverse

from children.tests.factories import ChildFactory


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root_admin", "root@example.com", "Correct-horse-9")


@pytest.mark.parametrize("model,model_admin", registered(), ids=lambda v: getattr(v, "__name__", ""))
def test_every_admin_page_answers_for_a_superuser(client, superuser, world, model, model_admin):
    client.force_login(superuser)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert client.get(reverse(f"{prefix}_changelist"), {"q": "甲"}).status_code == 200
    if model_admin.has_add_permission(_request(superuser)):
        assert client.get(reverse(f"{prefix}_add")).status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        assert client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_admin_speaks_chinese(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "儿童" in page and "爱心妈妈" in page


def test_the_child_changelist_shows_the_colour_badge(client, superuser, regions):
    ChildFactory(name="红卡儿童", card_colour="red", region=regions["village_a1"])
    client.force_login(superuser)
    page = client.get(reverse("admin:children_child_changelist")).content.decode()
    assert "红卡儿童" in page and "红" in page
