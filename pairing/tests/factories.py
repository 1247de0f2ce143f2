import datetime

import factory

from pairing.models import Pairing, PairingMember


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    started_on = datetime.date(2024, 6, 1)


class PairingMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PairingMember

    joined_on = datetime.date(2024, 6, 1)
