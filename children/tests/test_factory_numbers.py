"""The factory's ID numbers never meet the numbers a test's ledger brings in.

``activities/tests/test_concurrency.py`` imports a register of ``id_number(serial=20..59)``
next to two factory children; when a factory number was one of those, the import updated the
factory child instead of adding one, and the count came up short on whichever xdist worker had
made that many children before.
"""

from children.tests.factories import make_id_number
from core.idnumber import validate_id_number
from core.tests.ledger_helpers import id_number


def test_no_factory_number_is_a_number_the_ledger_helpers_write():
    ledger = {id_number(serial=s, male=m) for s in range(100) for m in (True, False)}
    made = [make_id_number(male=m) for _ in range(1000) for m in (True, False)]
    assert not ledger & set(made)


def test_factory_numbers_are_valid_and_carry_the_sex():
    for male in (True, False):
        for _ in range(500):
            number = make_id_number(male=male)
            validate_id_number(number)
            assert int(number[16]) % 2 == (1 if male else 0), number
