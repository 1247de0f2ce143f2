import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from children.models import Child
from children.tests.factories import ChildFactory


def test_it_stores_gender_and_birth_date_from_the_id_number(regions):
    child = ChildFactory(id_number="14112820190329253x", region=regions["village_a1"])
    child.refresh_from_db()
    assert child.id_number == "14112820190329253X"
    assert child.gender == "M"
    assert child.birth_date == datetime.date(2019, 3, 29)


def test_the_database_rejects_a_second_child_with_the_same_id_number(regions):
    ChildFactory(id_number="141128201611080746", region=regions["village_a1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ChildFactory(id_number="141128201611080746", region=regions["village_a2"])


def test_the_database_rejects_an_unknown_card_colour(regions):
    child = ChildFactory(region=regions["village_a1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Child.objects.filter(pk=child.pk).update(card_colour="blue")


def test_full_clean_reports_a_bad_id_number(regions):
    child = ChildFactory.build(id_number="141128201611080747", region=regions["village_a1"])
    with pytest.raises(ValidationError) as info:
        child.full_clean(exclude=["category"])
    assert "id_number" in info.value.message_dict


def test_age_on_counts_birthdays(regions):
    child = ChildFactory(id_number="14112820190329253X", region=regions["village_a1"])
    assert child.age_on(datetime.date(2025, 3, 28)) == 5
    assert child.age_on(datetime.date(2025, 3, 29)) == 6
