import pytest
from django.db import IntegrityError, transaction

from regions.models import Level, Region, level_of, parent_code_of


def test_level_and_parent_follow_from_the_code():
    assert level_of("140000000000") == Level.PROVINCE
    assert level_of("141100000000") == Level.CITY
    assert level_of("141128000000") == Level.COUNTY
    assert level_of("141128100000") == Level.TOWNSHIP
    assert level_of("141128100001") == Level.VILLAGE
    assert parent_code_of("141128100001") == "141128100000"
    assert parent_code_of("141128100000") == "141128000000"
    assert parent_code_of("140000000000") is None


def test_a_township_covers_its_villages_and_nothing_else(regions):
    town_a = regions["town_a"]
    inside = set(Region.objects.in_region(town_a).values_list("code", flat=True))
    assert inside == {"141128100000", "141128100001", "141128100002"}
    assert town_a.contains(regions["village_a2"]) and not town_a.contains(regions["village_b1"])


def test_the_database_rejects_a_code_that_is_not_12_digits(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.bulk_create([Region(code="14112810000", name="短", level=Level.TOWNSHIP)])


def test_the_database_rejects_a_duplicate_code(regions):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.bulk_create([Region(code="141128100000", name="重复", level=Level.TOWNSHIP)])
