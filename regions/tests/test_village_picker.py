"""Issue 13, item 8: the village picker names each village 乡镇 › 村 and finds it by its township.

The Region autocomplete (a child's 村, an activity's 乡镇) stays scoped by ``for_user`` and its
query count does not grow with the options; ``Region.__str__`` stays the bare name.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.tests.factories import ChildFactory
from regions.tests.factories import RegionFactory


def _pick(client, term, model="child", app="children"):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app, "model_name": model, "field_name": "region", "term": term},
    )
    assert response.status_code == 200
    return [item["text"] for item in response.json()["results"]]


def test_typing_the_township_lists_its_villages_labelled_township_village(client, users):
    client.force_login(users["admin"])
    assert _pick(client, "圪洞") == ["圪洞镇 › 武当社区", "圪洞镇 › 城内村"]
    assert _pick(client, "大武") == ["大武镇 › 东村", "大武镇 › 西村"]
    # Both names, or the label as it is shown, narrow it to one village.
    assert _pick(client, "大武 西") == ["大武镇 › 西村"]
    assert _pick(client, "大武镇 › 西村") == ["大武镇 › 西村"]
    # A village's own name still finds it.
    assert _pick(client, "东村") == ["大武镇 › 东村"]


def test_the_picker_stays_in_the_users_scope(client, users):
    client.force_login(users["town_a"])
    assert _pick(client, "大武") == []
    assert _pick(client, "") == ["圪洞镇 › 武当社区", "圪洞镇 › 城内村"]


def test_the_township_picker_of_an_activity_names_the_county(client, users):
    client.force_login(users["admin"])
    assert _pick(client, "方山", model="activity", app="activities") == ["方山县 › 圪洞镇", "方山县 › 大武镇"]


def test_the_picker_query_count_does_not_grow_with_the_villages(client, users, regions):
    client.force_login(users["admin"])
    _pick(client, "大武")  # content types and permissions cached
    with CaptureQueriesContext(connection) as few:
        _pick(client, "大武")
    for n in range(3, 15):
        RegionFactory(code=f"141128101{n:03d}", name=f"新{n}村", parent=regions["town_b"])
    with CaptureQueriesContext(connection) as many:
        assert len(_pick(client, "大武")) == 14
    assert len(many) == len(few)


def test_the_chosen_village_shows_its_township_on_the_form_and_str_stays_the_name(client, users, regions):
    child = ChildFactory(region=regions["village_a1"])
    client.force_login(users["admin"])
    response = client.get(reverse("admin:children_child_change", args=[child.pk]))
    assert "圪洞镇 › 武当社区" in response.content.decode()
    assert str(regions["village_a1"]) == "武当社区"


@pytest.mark.parametrize("term", ["圪洞", "武当"])
def test_the_region_list_search_finds_by_township_too(client, users, term):
    client.force_login(users["admin"])
    response = client.get(reverse("admin:regions_region_changelist"), {"q": term})
    names = {r.name for r in response.context["cl"].queryset}
    assert "武当社区" in names
