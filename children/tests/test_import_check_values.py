"""Issue 16, target 4: a new child of a ledger import is checked from its values, without a model
instance (``LedgerResource.check_values``). It must find what ``full_clean`` finds on the
instance those values make, with the same messages, and nothing more; and such a row in a file
is refused with its Chinese message, nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from children.models import Child, ChildCategory
from children.resources import ChildResource
from core.tests.ledger_helpers import counts, errors, id_number, import_bytes, xlsx
from core.tests.test_ledger_import import CHILD_HEADER, child_row

pytestmark = pytest.mark.django_db


def _values(regions, **changes):
    number = id_number(serial=1)
    values = {
        "name": "张三",
        "category": ChildCategory.objects.first(),
        "region": regions["village_a1"],
        "address": "",
        "school": "",
        "grade": "",
        "guardian_name": "",
        "guardian_relation": "",
        "guardian_phone": "",
        "notes": "",
        "entered_on": datetime.date(2024, 1, 1),
        "card_colour": "green",
        "id_number": number,
        "birth_date": datetime.date(2014, 1, 1),
        "gender": "M",
    }
    return {**values, **changes}


def _full_clean(resource, values) -> list[str]:
    try:
        resource.check_instance(Child(**values))
    except ValidationError as exc:
        return exc.messages
    return []


def _check_values(resource, values) -> list[str]:
    try:
        resource.check_values(dict(values))
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"name": "名" * 51},  # too long
        {"name": ""},  # required
        {"grade": "年" * 21, "school": "校" * 101},  # two fields, in the model's order
        {"gender": "X"},  # not a choice
        {"card_colour": "blue"},
        {"entered_on": "2024-13-01"},  # not a date
        {"income_sources": ["salary", "nonsense"]},  # the JSON field's own validator
        {"address": "址" * 201, "guardian_relation": "关" * 21},
    ],
)
def test_check_values_finds_what_full_clean_finds(users, regions, changes):
    resource = ChildResource(user=users["admin"])
    values = _values(regions, **changes)
    assert _check_values(resource, values) == _full_clean(resource, values)


def test_a_value_full_clean_would_refuse_is_a_row_error_and_nothing_is_written(users):
    rows = [child_row(1, number=id_number(serial=1)), child_row(2, name="名" * 51, number=id_number(serial=2))]
    result = import_bytes("children", xlsx([CHILD_HEADER, *rows]), users["admin"])
    assert counts(result)["errors"] == 1
    assert list(errors(result)) == [(3, "整行")]
    assert "50" in errors(result)[(3, "整行")][0]
    assert Child.objects.count() == 0


def test_a_field_the_values_leave_out_is_checked_at_its_default(users, regions):
    """``name`` has no default: left out, it is blank, and both checks refuse it."""
    resource = ChildResource(user=users["admin"])
    values = _values(regions)
    del values["name"]
    assert _check_values(resource, values) == _full_clean(resource, values) != []
