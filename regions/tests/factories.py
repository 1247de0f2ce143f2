import factory
from django.contrib.auth.models import Group, User

from regions.models import Region, StaffProfile


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "141128000000"
    name = factory.Sequence(lambda n: f"区域{n}")


def region_tree():
    """A county with two townships (A and B) of two villages each."""
    Region.objects.get_or_create(code="140000000000", defaults={"name": "山西省"})
    city = RegionFactory(code="141100000000", name="吕梁市", parent=Region.objects.get(code="140000000000"))
    county = RegionFactory(code="141128000000", name="方山县", parent=city)
    town_a = RegionFactory(code="141128100000", name="圪洞镇", parent=county)
    town_b = RegionFactory(code="141128101000", name="大武镇", parent=county)
    return {
        "county": county,
        "town_a": town_a,
        "town_b": town_b,
        "village_a1": RegionFactory(code="141128100001", name="武当社区", parent=town_a),
        "village_a2": RegionFactory(code="141128100002", name="城内村", parent=town_a),
        "village_b1": RegionFactory(code="141128101001", name="东村", parent=town_b),
        "village_b2": RegionFactory(code="141128101002", name="西村", parent=town_b),
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("Correct-horse-9")


def staff_user(username, region, role):
    user = UserFactory(username=username)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if region is not None:
        StaffProfile.objects.create(user=user, region=region)
    return user
