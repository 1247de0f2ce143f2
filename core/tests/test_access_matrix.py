"""Issue 3, item 4: the access matrix over every scoped admin in the registry."""

import pytest
from django.contrib import admin

from children.models import Child
from volunteers.tests.factories import mother_user

from .matrix import ROLES, Matrix, PathMatrix, is_scoped, scoped_admins

SCOPED = scoped_admins(admin.site)


@pytest.fixture
def users(users, world):
    """The staff roles and the caring mother's own account (township A's 甲妈妈)."""
    return {**users, "mother": mother_user(world["a"]["mother"])}


def test_it_derives_scoped_and_shared_admins_from_the_querysets():
    labels = {model._meta.label for model, _ in SCOPED}
    shared = {m._meta.label for m in admin.site._registry if not is_scoped(m)}
    assert {"children.Child", "pairing.Pairing", "activities.Visit", "audit.RecordView"} <= labels
    assert {"children.ChildCategory", "activities.VisitMode", "children.VisitPolicy"} <= shared
    assert "assessments.Assessment" in labels
    assert {"assessments.AssessmentItem", "assessments.AssessmentThresholds"} <= shared


@pytest.mark.parametrize("model,model_admin", SCOPED, ids=[m._meta.label for m, _ in SCOPED])
def test_it_keeps_each_township_to_its_own_rows_on_every_admin_path(client, world, users, model, model_admin):
    matrix = Matrix(admin.site, client, world, users)
    matrix.run(model, model_admin)
    assert matrix.failures == []
    assert matrix.cases == len(ROLES) * 14


def test_it_answers_view_on_site_for_another_townships_child_as_for_no_child(client, world, users):
    matrix = Matrix(admin.site, client, world, users)
    matrix.run(Child, admin.site._registry[Child])
    assert matrix.pending == []


def test_it_gives_every_export_path_exactly_what_may_export_allows(client, world, users, settings, tmp_path):
    """The dashboard's ledger, every job kind (start page, start, file) and every admin export."""
    settings.MEDIA_ROOT = tmp_path
    matrix = PathMatrix(admin.site, client, world, users)
    matrix.run()
    assert matrix.failures == []
    assert matrix.cases >= len(ROLES) * 10


@pytest.mark.urls("core.tests.unscoped_site")
def test_it_catches_a_deliberately_unscoped_admin(client, world, users):
    from .unscoped_site import site

    matrix = Matrix(site, client, world, users)
    matrix.run(Child, site._registry[Child])
    paths = {failure.split(" / ")[1] for failure in matrix.failures}
    assert {"changelist/count", "change", "history", "change POST"} <= paths
    assert any(p.startswith("autocomplete via") for p in paths)
    assert any("township B appears" in failure for failure in matrix.failures)


def test_it_labels_raw_id_inputs_only_with_rows_in_scope(world, users):
    """Django's raw-id widget names any row by id (ticket #37213); the scoped one does not."""
    from django.test import RequestFactory
    from unfold.admin import ModelAdmin

    from activities.admin import VisitAdmin
    from activities.models import Visit

    request = RequestFactory().get("/")
    request.user = users["town_a"]
    b_child = world["b"]["child"]

    def label(base):
        probe = type("Probe", (base,), {"raw_id_fields": ("child",), "autocomplete_fields": ()})(Visit, admin.site)
        widget = probe.get_form(request, None, fields=["child"]).base_fields["child"].widget
        return widget.label_and_url_for_value(b_child.pk)[0]

    assert label(ModelAdmin) == b_child.name
    assert label(VisitAdmin) == ""
