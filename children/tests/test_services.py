import datetime

import pytest
from django.core.exceptions import ValidationError

from activities.models import VisitMode
from activities.services import visit_record
from children.models import CardChange
from children.services import child_change_colour, child_exit
from children.tests.factories import ChildFactory

D = datetime.date


@pytest.fixture
def child(regions):
    return ChildFactory(region=regions["village_a1"], card_colour="green")


def test_it_records_a_colour_change_with_from_to_date_reason_and_who(child, users):
    change = child_change_colour(
        child=child, to_colour="red", effective_on=D(2025, 3, 1), reason="父亲服刑", by=users["admin"]
    )
    child.refresh_from_db()
    assert child.card_colour == "red"
    stored = CardChange.objects.get(pk=change.pk)
    assert (stored.from_colour, stored.to_colour, stored.effective_on, stored.reason, stored.changed_by) == (
        "green",
        "red",
        D(2025, 3, 1),
        "父亲服刑",
        users["admin"],
    )


def test_it_keeps_every_change_in_the_history(child):
    child_change_colour(child=child, to_colour="yellow", effective_on=D(2025, 1, 1), reason="一")
    child_change_colour(child=child, to_colour="red", effective_on=D(2025, 2, 1), reason="二")
    history = list(CardChange.objects.filter(child=child).values_list("from_colour", "to_colour"))
    assert history == [("yellow", "red"), ("green", "yellow")]


@pytest.mark.parametrize(("colour", "reason"), [("blue", "理由"), ("red", "  ")])
def test_it_rejects_an_unknown_colour_or_a_blank_reason(child, colour, reason):
    with pytest.raises(ValidationError):
        child_change_colour(child=child, to_colour=colour, effective_on=D(2025, 1, 1), reason=reason)
    child.refresh_from_db()
    assert child.card_colour == "green" and not CardChange.objects.exists()


def test_the_same_colour_records_nothing(child):
    assert child_change_colour(child=child, to_colour="green", effective_on=D(2025, 1, 1), reason="复核") is None
    assert not CardChange.objects.exists()


def test_a_visit_reassessment_changes_the_card_through_the_same_service(child, users):
    visit_record(
        child=child,
        visited_on=D(2025, 4, 2),
        mode=VisitMode.objects.get(name="入户走访"),
        reassessed_colour="yellow",
        by=users["town_a"],
    )
    change = CardChange.objects.get(child=child)
    assert (change.to_colour, change.effective_on, change.reason, change.changed_by) == (
        "yellow",
        D(2025, 4, 2),
        "走访评估",
        users["town_a"],
    )


def test_exit_rejects_an_unknown_reason_and_a_second_exit(child):
    with pytest.raises(ValidationError):
        child_exit(child=child, reason="bored", on=D(2025, 1, 1))
    child_exit(child=child, reason="resolved", on=D(2025, 1, 1))
    with pytest.raises(ValidationError):
        child_exit(child=child, reason="moved", on=D(2025, 2, 1))
    child.refresh_from_db()
    assert (child.exit_reason, child.exited_on) == ("resolved", D(2025, 1, 1))


def test_a_child_added_in_the_admin_has_its_first_colour_as_a_card_change(client, users, regions):
    from django.urls import reverse

    from children.models import CardChange, Child, ChildCategory
    from core.tests.ledger_helpers import id_number

    client.force_login(users["admin"])
    number = id_number(region="141128", serial=7)
    response = client.post(
        reverse("admin:children_child_add"),
        {
            "name": "新童",
            "id_number": number,
            "category": ChildCategory.objects.get(name="农村留守儿童").pk,
            "card_colour": "yellow",
            "status": "active",
            "region": regions["village_a1"].pk,
            "entered_on": "2025-03-01",
            **{
                f"{prefix}-{key}": value
                for prefix in ("card_changes", "visits")
                for key, value in (
                    ("TOTAL_FORMS", "0"),
                    ("INITIAL_FORMS", "0"),
                    ("MIN_NUM_FORMS", "0"),
                    ("MAX_NUM_FORMS", "1000"),
                )
            },
        },
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    child = Child.objects.get(id_number=number)
    change = CardChange.objects.get(child=child)
    assert (change.from_colour, change.to_colour, change.changed_by) == ("", "yellow", users["admin"])


def test_an_imported_child_has_its_first_colour_as_a_card_change(users, regions):
    from children.models import CardChange, Child
    from core.ledger.resources import IMPORT_REASON
    from core.tests.ledger_helpers import counts, id_number, import_bytes, xlsx

    header = ["姓名", "身份证号码", "村（社区）", "儿童类别", "三色卡"]
    numbers = [id_number(region="141128", serial=n) for n in (11, 12)]
    rows = [
        [f"导入童{i}", number, regions["village_a1"].name, "农村留守儿童", "红"] for i, number in enumerate(numbers)
    ]
    result = import_bytes("children", xlsx([header, *rows]), users["admin"])
    assert counts(result)["new"] == 2, result.invalid_rows and result.invalid_rows[0].error_dict
    for number in numbers:
        change = CardChange.objects.get(child=Child.objects.get(id_number=number))
        assert (change.from_colour, change.to_colour, change.reason, change.changed_by) == (
            "",
            "red",
            IMPORT_REASON,
            users["admin"],
        )
