"""Two clients at once (issue 11, item 5): the natural keys hold under concurrency.

Each thread is a separate client with its own database connection; a barrier starts them
together. The rows must be committed for the other connection to see them, hence
``transaction=True``; ``serialized_rollback`` puts back the lookups and roles that the data
migrations created, which the flush at the end of such a test removes.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Visit, VisitMode
from activities.services import DuplicateVisit, visit_record
from core.tests.concurrency import restore_seeded_rows, together  # noqa: F401 (a fixture)
from core.tests.ledger_helpers import counts, import_bytes, xlsx

pytestmark = [
    pytest.mark.security,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two connections at once need a server database; the in-memory SQLite test database is per connection",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_seeded_rows"),
]


def visits_file(child, mother, days=200):
    start = datetime.date(2025, 2, 1)
    header = ["儿童姓名", "身份证号码", "走访日期", "走访方式", "走访人", "走访内容"]
    rows = [
        [child.name, child.id_number, start + datetime.timedelta(days=i), "入户走访", mother.name, f"第{i}次走访"]
        for i in range(days)
    ]
    return xlsx([header, *rows])


def test_two_confirms_of_the_same_visits_file_at_once_store_each_visit_once(world, users):
    child, mother = world["a"]["child"], world["a"]["mother"]
    data = visits_file(child, mother)
    before = Visit.objects.count()

    results = together(
        lambda: counts(import_bytes("visits", data, users["town_a"])),
        lambda: counts(import_bytes("visits", data, users["admin"])),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Visit.objects.count() == before + 200
    # The second waits for the first and then finds all 200 already there: a clean skip.
    assert sorted((r["new"], r["skipped"], r["errors"]) for r in results) == [(0, 200, 0), (200, 0, 0)]


def test_two_confirms_of_the_same_activities_file_at_once_store_each_activity_once(world, users):
    header = ["活动名称", "活动日期", "活动类型", "乡镇", "参与人次"]
    town = world["regions"]["town_a"].name
    rows = [
        [f"读书会{i}", datetime.date(2025, 3, 1) + datetime.timedelta(days=i), "亲子阅读", town, 10] for i in range(50)
    ]
    data = xlsx([header, *rows])
    before = Activity.objects.count()

    results = together(
        lambda: counts(import_bytes("activities", data, users["town_a"])),
        lambda: counts(import_bytes("activities", data, users["admin"])),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Activity.objects.count() == before + 50
    assert sorted((r["new"], r["skipped"], r["errors"]) for r in results) == [(0, 50, 0), (50, 0, 0)]


def test_the_database_refuses_a_second_copy_of_a_visit_saved_at_the_same_moment(world, users):
    """Below the import's lock: the unique key itself, for any two writers at once."""
    child, mother = world["a"]["child"], world["a"]["mother"]
    mode = VisitMode.objects.get(name="入户走访")

    def record():
        return visit_record(
            child=child,
            visited_on=datetime.date(2025, 5, 5),
            mode=mode,
            visitors=[mother],
            findings="同时保存",
            by=users["town_a"],
        )

    results = together(record, record)

    saved = [r for r in results if isinstance(r, Visit)]
    refused = [r for r in results if isinstance(r, DuplicateVisit)]
    assert (len(saved), len(refused)) == (1, 1), results
    assert refused[0].existing.pk == saved[0].pk
    assert Visit.objects.filter(child=child, visited_on=datetime.date(2025, 5, 5)).count() == 1


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_visit_form_posted_twice_at_the_same_moment_stores_one_visit(world, users):
    child, mother = world["a"]["child"], world["a"]["mother"]
    phone, second_tab = _signed_in(users["town_a"]), _signed_in(users["town_a"])
    entry = reverse("activities:visit_entry")
    page = phone.get(entry, {"child": child.pk}).content.decode()
    token = re.search(r'name="entry_token" value="([0-9a-f-]{36})"', page).group(1)
    data = {
        "child": child.pk,
        "visited_on": timezone.localdate().isoformat(),
        "mode": VisitMode.objects.get(name="入户走访").pk,
        "visitors": [mother.pk],
        "findings": "双击了保存",
        "goods_value": "0",
        "entry_token": token,
    }
    before = Visit.objects.count()

    responses = together(lambda: phone.post(entry, data), lambda: second_tab.post(entry, data))

    assert Visit.objects.count() == before + 1
    visit = Visit.objects.get(entry_token=token)
    saved = reverse("activities:visit_saved", args=[visit.pk])
    assert [(r.status_code, r["Location"]) for r in responses] == [(302, saved), (302, saved)]


def test_two_confirms_of_the_same_childrens_register_at_once_store_each_child_once(world, users):
    from children.models import CardChange, Child
    from core.tests.ledger_helpers import id_number

    header = ["姓名", "身份证号码", "村（社区）", "儿童类别"]
    village = world["regions"]["village_a1"].name
    rows = [[f"并发童{n}", id_number(serial=n), village, "农村留守儿童"] for n in range(20, 60)]
    data = xlsx([header, *rows])
    before = Child.objects.count()

    results = together(
        lambda: counts(import_bytes("children", data, users["town_a"])),
        lambda: counts(import_bytes("children", data, users["admin"])),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Child.objects.count() == before + 40
    assert sorted((r["new"], r["errors"]) for r in results) == [(0, 0), (40, 0)]
    assert CardChange.objects.filter(child__name__startswith="并发童").count() == 40  # one first colour each
