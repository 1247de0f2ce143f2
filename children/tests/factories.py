import datetime
import itertools

import factory

from children.models import CardColour, Child, ChildCategory
from core.idnumber import check_character

_sequence = itertools.count(1)


def make_id_number(region_code="141128100001", born=datetime.date(2015, 3, 2), male=True) -> str:
    """A valid GB 11643 number, unique per call (400 per region, birth date and sex).

    The sequence digit is never 1 or 2, the digits ``core.tests.ledger_helpers.id_number``
    writes, so a factory child never shares its number with a row a test's ledger brings in
    (which made an import update the factory child instead of adding one, depending on how
    many children the worker had made before).
    """
    n = next(_sequence)
    sex_digit = (n // 100) % 4 * 2 + 3 if male else ((n // 100) % 4 * 2 + 4) % 10
    first17 = f"{region_code[:6]}{born:%Y%m%d}{n % 100:02d}{sex_digit}"
    return first17 + check_character(first17)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    name = factory.Sequence(lambda n: f"儿童{n}")
    id_number = factory.LazyFunction(make_id_number)
    category = factory.LazyFunction(lambda: ChildCategory.objects.get(name="农村留守儿童"))
    card_colour = CardColour.GREEN
    # Well before the months tests look at, as PairingFactory's start; a child entered "today"
    # is the model's default, tested in reports/tests/test_as_of.py.
    entered_on = datetime.date(2024, 1, 1)
    region = None
