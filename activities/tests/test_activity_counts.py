"""An activity's attendance counts follow the ticked children and mothers (issue 13, item 3).

The rule (activities.services.activity_counts): 参与儿童数 ≥ the children ticked, 参与爱心妈妈数 ≥
the mothers ticked (either may be higher, for people taking part who are not registered), 参与人次
≥ everyone ticked. An empty count is filled: the head counts from their ticks, 人次 as the sum of
the two head counts. A count below its ticks is a Chinese form error and nothing is written. A
ledger's activities have counts and no ticks: they import as they are.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.models import Activity, ActivityType
from activities.services import activity_counts, activity_save
from children.tests.factories import ChildFactory
from core.tests.ledger_helpers import counts, errors, import_bytes, xlsx
from volunteers.tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

COUNT_FIELDS = ("children_count", "volunteers_count", "person_times")
BELOW_CHILDREN = "已勾选 2 名儿童，参与儿童数不能少于此数"
BELOW_MOTHERS = "已勾选 2 名爱心妈妈，参与爱心妈妈数不能少于此数"
BELOW_PERSON_TIMES = "已勾选儿童和爱心妈妈共 4 人，参与人次不能少于此数"


@pytest.fixture
def people(world):
    """Two children and two mothers of township A (one each from the world, one more each)."""
    regions = world["regions"]
    return {
        "children": [world["a"]["child"], ChildFactory(name="丙童", region=regions["village_a2"])],
        "mothers": [world["a"]["mother"], VolunteerFactory(name="丙妈妈", region=regions["town_a"])],
    }


def _form(world, people, **extra):
    data = {
        "title": "端午节包粽子",
        "activity_type": ActivityType.objects.get(name="亲子阅读").pk,
        "held_on": datetime.date.today().isoformat(),
        "region": world["regions"]["town_a"].pk,
        "place": "工作站",
        "workstation": "",
        "course": "",
        "children": [c.pk for c in people["children"]],
        "volunteers": [m.pk for m in people["mothers"]],
        "children_count": "",
        "volunteers_count": "",
        "person_times": "",
        "goods_value": "0",
        "description": "",
        "correction_reason": "",
    }
    data.update(extra)
    return data


def _add(client, world, people, **extra):
    return client.post(reverse("admin:activities_activity_add"), _form(world, people, **extra))


def test_empty_counts_are_filled_from_the_ticked_children_and_mothers(client, users, world, people):
    client.force_login(users["admin"])
    response = _add(client, world, people)
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity = Activity.objects.get(title="端午节包粽子")
    assert (activity.children_count, activity.volunteers_count, activity.person_times) == (2, 2, 4)
    assert set(activity.children.all()) == set(people["children"])
    assert set(activity.volunteers.all()) == set(people["mothers"])


def test_the_add_form_starts_with_empty_counts_and_says_the_rule(client, users, world):
    client.force_login(users["admin"])
    page = client.get(reverse("admin:activities_activity_add"))
    form = page.context["adminform"].form
    for name in ("children_count", "volunteers_count", "person_times"):
        assert form[name].value() in (None, ""), name
        assert not form.fields[name].required
    html = page.content.decode()
    assert "不少于上面勾选的儿童人数；留空则按勾选人数计" in html
    assert "不少于勾选的儿童与爱心妈妈人数之和" in html


def test_counts_may_be_raised_for_people_who_are_not_registered(client, users, world, people):
    client.force_login(users["admin"])
    response = _add(client, world, people, children_count="12", volunteers_count="3")
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity = Activity.objects.get(title="端午节包粽子")
    assert (activity.children_count, activity.volunteers_count, activity.person_times) == (12, 3, 15)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("children_count", "0", BELOW_CHILDREN),
        ("volunteers_count", "1", BELOW_MOTHERS),
        ("person_times", "3", BELOW_PERSON_TIMES),
    ],
)
def test_a_count_below_the_ticks_is_a_form_error_and_writes_nothing(
    client, users, world, people, field, value, message
):
    client.force_login(users["admin"])
    before = Activity.objects.count()
    response = _add(client, world, people, **{field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert message in response.content.decode()
    assert Activity.objects.count() == before
    assert not Activity.history.filter(title="端午节包粽子").exists()


def test_ticking_more_children_on_an_activity_refuses_the_old_count(client, users, world, people):
    client.force_login(users["admin"])
    _add(client, world, people, children=[people["children"][0].pk], volunteers=[])
    activity = Activity.objects.get(title="端午节包粽子")
    assert (activity.children_count, activity.volunteers_count, activity.person_times) == (1, 0, 1)
    url = reverse("admin:activities_activity_change", args=[activity.pk])
    response = client.post(url, _form(world, people, children_count="1", volunteers_count="0", person_times="1"))
    assert response.status_code == 200
    assert "已勾选 2 名儿童" in " ".join(response.context["adminform"].form.errors["children_count"])
    assert activity.children.count() == 1
    response = client.post(url, _form(world, people))  # emptied: filled again from the ticks
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.children_count, activity.volunteers_count, activity.person_times) == (2, 2, 4)


def test_the_service_enforces_the_rule_for_every_caller(world, people):
    activity = Activity(
        title="读书会",
        activity_type=ActivityType.objects.get(name="亲子阅读"),
        held_on=datetime.date.today(),
        region=world["regions"]["town_a"],
        children_count=1,
        volunteers_count=None,
        person_times=None,
    )
    with pytest.raises(ValidationError) as refused:
        activity_save(activity=activity, children=people["children"], volunteers=people["mothers"])
    assert set(refused.value.message_dict) == {"children_count"}
    assert not Activity.objects.filter(title="读书会").exists()
    activity.children_count = None
    activity_save(activity=activity, children=people["children"], volunteers=people["mothers"])
    assert (activity.children_count, activity.volunteers_count, activity.person_times) == (2, 2, 4)
    # a later save without the lists keeps to the ticks stored
    activity.volunteers_count = 1
    with pytest.raises(ValidationError):
        activity_save(activity=activity)


def test_the_rule_itself():
    assert activity_counts() == {"children_count": 0, "volunteers_count": 0, "person_times": 0}
    assert activity_counts(children_count=30, volunteers_count=5, person_times=20) == {
        "children_count": 30,
        "volunteers_count": 5,
        "person_times": 20,  # a ledger's counts without ticks stand
    }
    assert activity_counts(ticked_children=2, ticked_mothers=2, person_times=4)["person_times"] == 4


# -- the activity ledger (counts without ticks) ----------------------------------------------

HEADER = ["活动名称", "活动日期", "活动类型", "活动地点", "乡镇（街道）", "参与儿童数", "参与爱心妈妈数", "参与人次"]


def test_a_ledger_activity_carries_its_counts_without_ticks(users, regions):
    rows = [
        HEADER,
        ["六一游园", "2025/6/1", "亲子阅读", "广场", "圪洞镇", 40, 8, 60],
        ["暑期课堂", "2025/7/1", "亲子阅读", "", "圪洞镇", 20, 5, ""],
    ]
    result = import_bytes("activities", xlsx(rows), users["admin"])
    assert counts(result)["new"] == 2, errors(result)
    fair, summer = Activity.objects.get(title="六一游园"), Activity.objects.get(title="暑期课堂")
    assert (fair.children_count, fair.volunteers_count, fair.person_times) == (40, 8, 60)
    assert summer.person_times == 25  # empty: the two head counts added up


def test_a_ledger_cannot_put_a_count_below_the_ticks_stored(client, users, world, people):
    client.force_login(users["admin"])
    _add(client, world, people, held_on="2025-06-01")
    town = world["regions"]["town_a"].name
    rows = [HEADER, ["端午节包粽子", "2025/6/1", "亲子阅读", "工作站", town, 1, 2, 4]]
    result = import_bytes("activities", xlsx(rows), users["admin"])
    problems = errors(result)
    assert any(BELOW_CHILDREN in m for messages in problems.values() for m in messages), problems
    assert Activity.objects.get(title="端午节包粽子").children_count == 2
    rows[1][5:8] = [9, "", ""]  # raised; the empty counts are filled from the ticks stored
    result = import_bytes("activities", xlsx(rows), users["admin"])
    assert counts(result)["updated"] == 1, errors(result)
    activity = Activity.objects.get(title="端午节包粽子")
    assert (activity.children_count, activity.volunteers_count, activity.person_times) == (9, 2, 11)


# -- the list ---------------------------------------------------------------------------------


def test_the_activity_list_shows_the_counts_in_few_queries(client, users, world, people, django_assert_max_num_queries):
    client.force_login(users["admin"])
    _add(client, world, people)
    for n in range(10):
        activity = Activity(
            title=f"活动{n}",
            activity_type=ActivityType.objects.get(name="亲子阅读"),
            held_on=datetime.date(2025, 1, 1 + n),
            region=world["regions"]["town_b"],
            children_count=n,
        )
        activity_save(activity=activity)
    with django_assert_max_num_queries(10):  # 8 for 11 rows; none per row
        page = client.get(reverse("admin:activities_activity_changelist"))
    html = page.content.decode()
    assert "参与儿童数" in html and "参与爱心妈妈数" in html and "参与人次" in html
    row = next(r for r in html.split("<tr") if "端午节包粽子" in r and "field-children_count" in r)
    shown = {name: re.search(rf'class="field-{name}[^"]*"[^>]*>\s*(\d+)\s*<', row) for name in COUNT_FIELDS}
    assert {name: match and match.group(1) for name, match in shown.items()} == {
        "children_count": "2",
        "volunteers_count": "2",
        "person_times": "4",
    }
