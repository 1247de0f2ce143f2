import datetime

import factory

from volunteers.models import Sector, Volunteer, VolunteerTeam


class VolunteerTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerTeam

    name = factory.Sequence(lambda n: f"服务队{n}")
    founded_on = datetime.date(2024, 1, 1)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    name = factory.Sequence(lambda n: f"妈妈{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    sector = factory.LazyFunction(lambda: Sector.objects.get(name="教师"))
    # Months count a mother from the day she joined (else was registered): well before tests' months.
    joined_on = datetime.date(2024, 1, 1)


def mother_user(volunteer, *, must_change_password=False):
    """A caring mother's own account (role ``mother``), through the service that gives them."""
    from volunteers.models import MotherAccount
    from volunteers.services import mother_account_grant

    user, _password = mother_account_grant(volunteer=volunteer, by=None)
    MotherAccount.objects.filter(user=user).update(must_change_password=must_change_password)
    user.refresh_from_db()
    return user
