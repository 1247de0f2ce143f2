import factory

from volunteers.models import Sector, Volunteer, VolunteerTeam


class VolunteerTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerTeam

    name = factory.Sequence(lambda n: f"服务队{n}")


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    name = factory.Sequence(lambda n: f"妈妈{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    sector = factory.LazyFunction(lambda: Sector.objects.get(name="教师"))
