"""A changelist page renders its rows without a template, a widget or a translation per cell
(core/unfold_patches.py): what a 50-row page cost most of its CPU in (issue 16)."""

import builtins
from collections import Counter
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin as DjangoModelAdmin
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold import admin as unfold_admin
from unfold import utils as unfold_utils
from unfold.templatetags import unfold_list

from core import unfold_patches
from core.tests.test_changelist_queries import populate

MAIN_LISTS = [
    "children.Child",
    "volunteers.Volunteer",
    "pairing.Pairing",
    "activities.Visit",
    "activities.Activity",
]
#: Templates a row may include: unfold's row actions, an empty include for these registers.
PER_ROW_ALLOWED = {"unfold/helpers/actions_row.html"}


def _url(label):
    app_label, model_name = label.lower().split(".")
    return reverse(f"admin:{app_label}_{model_name}_changelist")


def _templates(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return Counter(t.name for t in response.templates), response


@pytest.mark.parametrize("label", MAIN_LISTS)
def test_no_template_is_rendered_per_row(client, regions, users, label):
    """unfold rendered two templates per badge cell and three per row's checkbox."""
    client.force_login(users["admin"])
    populate(regions, 2)
    few, _response = _templates(client, _url(label))
    populate(regions, 18)
    many, response = _templates(client, _url(label))
    assert len(response.context["cl"].result_list) >= 20
    grown = {name for name in many if many[name] > few[name]} - PER_ROW_ALLOWED
    assert not grown, f"rendered once per row: {sorted(grown)}"


def test_column_titles_are_translated_once_per_page(client, regions, users):
    """Every cell carries its column's title (data-label); a lazy title was translated per cell."""
    client.force_login(users["admin"])
    populate(regions, 3)
    response = client.get(_url("children.Child"))
    headers = response.context["cl"].__dict__[unfold_patches._CACHE_ATTR]
    assert headers and not [h["text"] for h in headers if isinstance(h["text"], Promise)]


def test_template_lookups_do_not_inspect_the_model_admin(client, regions, users):
    """A missing ``cl.model_admin.list_sections`` made the template engine dir() the ModelAdmin
    twice per row."""
    client.force_login(users["admin"])
    populate(regions, 5)
    with mock.patch("django.template.base.dir", create=True, side_effect=builtins.dir) as spy:
        assert client.get(_url("children.Child")).status_code == 200
    inspected = [c.args[0] for c in spy.call_args_list if c.args and isinstance(c.args[0], DjangoModelAdmin)]
    assert not inspected, f"dir() on {len(inspected)} ModelAdmins"


def test_the_patches_are_installed():
    assert unfold_list.display_for_label is unfold_utils.display_for_label
    assert unfold_list.display_for_label.cached_render
    assert unfold_admin.ModelAdmin.action_checkbox.string_render
    assert unfold_list.result_headers.cached_per_changelist


LABELS = {"red": "danger", True: "success", False: "danger"}
LABEL_VALUES = [
    ("red", LABELS),
    ("blue", LABELS),
    ((True, _("recorded")), LABELS),
    ((False, _("not recorded")), LABELS),
    ((None, "x"), LABELS),  # not in the dict: shows its first part
    ((True, "同一文字"), LABELS),  # the same text in two colours: two badges
    ((False, "同一文字"), LABELS),
    (_("never visited"), True),
    ("<b>alert</b>", True),
    (mark_safe("<b>safe</b>"), True),
    (["a", "<b>"], True),
    (("a", "b"), True),
    ("", True),
    (0, True),
    (None, True),
    (7, LABELS),
    ({"x": 1}, True),  # unhashable: not cached, rendered as unfold does
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_kept_badge_is_what_unfold_renders(language):
    original = unfold_list.display_for_label.__wrapped__
    with translation.override(language):
        for value, label in LABEL_VALUES:
            expected = original(value, "-", label)
            for _attempt in range(2):  # the first render and the kept one
                assert unfold_list.display_for_label(value, "-", label) == expected, (value, label)


def test_a_kept_badge_follows_the_language():
    with translation.override("en"):
        english = unfold_list.display_for_label((True, _("recorded")), "-", LABELS)
    with translation.override("zh-hans"):
        chinese = unfold_list.display_for_label((True, _("recorded")), "-", LABELS)
    assert "recorded" in english and "已登记" in chinese


class _Row:
    def __init__(self, pk):
        self.pk = pk


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("pk", [1, 123456789, "a<b>&\"'", "测试"])
def test_the_row_checkbox_is_what_the_widget_renders(language, pk):
    model_admin = admin.site._registry[next(m for m in admin.site._registry if m._meta.label == "children.Child")]
    original = unfold_admin.ModelAdmin.action_checkbox.__wrapped__
    with translation.override(language):
        assert model_admin.action_checkbox(_Row(pk)) == original(model_admin, _Row(pk))
    # The column header (the "select all" box) is unfold's.
    assert unfold_admin.ModelAdmin.action_checkbox.short_description == original.short_description
