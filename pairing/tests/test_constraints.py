import datetime

import pytest
from django.db import IntegrityError, transaction

from pairing.models import Pairing
from pairing.tests.factories import PairingFactory, PairingMemberFactory


def test_the_database_allows_only_one_open_pairing_per_child(world):
    child = world["a"]["child"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(child=child, started_on=datetime.date(2025, 1, 1))


def test_a_new_pairing_is_allowed_once_the_old_one_ended(world):
    old = world["a"]["pairing"]
    Pairing.objects.filter(pk=old.pk).update(ended_on=datetime.date(2024, 12, 31), end_reason="other")
    PairingFactory(child=world["a"]["child"], started_on=datetime.date(2025, 1, 1))
    assert Pairing.objects.filter(child=world["a"]["child"]).count() == 2


def test_the_database_allows_one_open_membership_per_mother_in_a_pairing(world):
    pairing, mother = world["a"]["pairing"], world["a"]["mother"]
    with pytest.raises(IntegrityError), transaction.atomic():
        PairingMemberFactory(pairing=pairing, volunteer=mother)


def test_a_mother_may_rejoin_after_leaving(world):
    pairing, mother = world["a"]["pairing"], world["a"]["mother"]
    pairing.members.update(left_on=datetime.date(2024, 8, 1))
    PairingMemberFactory(pairing=pairing, volunteer=mother, joined_on=datetime.date(2024, 9, 1))
    assert pairing.members.count() == 2


def test_mode_follows_the_number_of_current_members(world):
    pairing = world["a"]["pairing"]
    assert pairing.mode == Pairing.Mode.ONE_TO_ONE
    PairingMemberFactory(pairing=pairing, volunteer=world["b"]["mother"])
    pairing = Pairing.objects.prefetch_related("members").get(pk=pairing.pk)
    assert pairing.mode == Pairing.Mode.MANY_TO_ONE
