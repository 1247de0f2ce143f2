from dataclasses import replace

from django.core.management import call_command
from django.db import transaction

from activities.models import Activity, Visit
from activities.schedule import schedule_drift
from children.models import Child, ChildCategory
from core.demo import SCALES, DemoSize, Generator
from core.idnumber import parse_id_number
from core.pinyin import name_pinyin
from pairing.models import Pairing
from regions.models import Level, Region
from volunteers.models import Training, Volunteer, VolunteerTeam


def test_seed_demo_builds_the_district_of_the_report(db, capsys):
    call_command("seed_demo")
    county = Region.objects.get(code="141102000000")
    assert Region.objects.in_region(county).filter(level=Level.TOWNSHIP).count() == 11
    assert Region.objects.in_region(county).filter(level=Level.VILLAGE).count() == 169
    assert Region.objects.filter(level=Level.COUNTY, parent__code="141100000000").count() == 13
    assert Volunteer.objects.count() == 335
    assert VolunteerTeam.objects.count() == 12
    assert Child.objects.count() == 150
    assert Pairing.objects.open().count() == 150
    assert Training.objects.count() == 6
    assert Visit.objects.exists() and Activity.objects.count() >= 30
    for child in Child.objects.all():
        info = parse_id_number(child.id_number)
        assert (info.gender, info.birth_date) == (child.gender, child.birth_date)
    assert Child.history.count() == 150 and Visit.history.count() == Visit.objects.count()
    # Visits go in by COPY, below the visit service: each child's stored last visit is set after.
    assert schedule_drift() == (0, []) and Child.objects.filter(last_visited_on__isnull=False).exists()
    out = capsys.readouterr().out
    assert "lishi_admin" in out and "binhe_staff" in out


def test_seed_demo_twice_does_not_duplicate(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Child.objects.count() == 150


def test_a_resumed_seed_keeps_clear_of_phones_and_id_numbers_already_stored(db):
    """A resumed (or larger-scale) run draws from the same seed again: it must not repeat a
    unique phone or ID number that an earlier run stored."""
    size = DemoSize(villages=6, townships=2, volunteers=20, teams=2, children=10, months=2, activities=2, trainings=1)
    Generator(size).counties()  # loads the region list
    with transaction.atomic():
        Generator(size, seed=7).run()
        phones = list(Volunteer.objects.values_list("phone", flat=True))
        numbers = list(Child.objects.values_list("id_number", flat=True))
        transaction.set_rollback(True)
    elsewhere = Region.objects.get(code="141100000000")
    Volunteer.objects.create(name="早先的妈妈", phone=phones[0], region=elsewhere)
    Child.objects.create(
        name="早先的儿童",
        id_number=numbers[0],
        region=elsewhere,
        category=ChildCategory.objects.first(),
        gender=parse_id_number(numbers[0]).gender,
        birth_date=parse_id_number(numbers[0]).birth_date,
    )
    _accounts, populated = Generator(size, seed=7).run()
    assert populated == 1
    assert Volunteer.objects.filter(phone=phones[0]).count() == 1
    assert Child.objects.filter(id_number=numbers[0]).count() == 1


def test_seeded_children_and_mothers_can_be_found_by_pinyin(db):
    """The generator writes with COPY, past save(): it still fills what save() derives, or no
    search by pinyin finds a seeded child at benchmark scale."""
    call_command("seed_demo")
    assert not Child.objects.filter(name_pinyin="").exists()
    assert not Volunteer.objects.filter(name_pinyin="").exists()
    child = Child.objects.order_by("pk").first()
    assert child.name_pinyin == name_pinyin(child.name)


def test_a_national_sample_seeds_every_province_alike(db):
    """The x3 scale: 山西 and two synthetic provinces, each with as many counties (and so as many
    children) as the one-province scale; a province admin's scope holds one province's rows."""
    size = DemoSize(
        counties=2, villages=4, townships=2, volunteers=6, teams=2, children=5, months=1, activities=2, trainings=1
    )
    _accounts, populated = Generator(replace(size, provinces=3), seed=3).run()
    assert populated == 6
    provinces = Region.objects.filter(level=Level.PROVINCE).order_by("code")
    assert [p.code for p in provinces] == ["130000000000", "140000000000", "150000000000"]
    for province in provinces:
        assert (
            Region.objects.in_region(province).filter(level=Level.COUNTY, children__isnull=False).distinct().count()
            >= 2
        )
        assert Child.objects.in_region(province).count() == 10
    assert SCALES["x3"].provinces == 3 and replace(SCALES["x3"], provinces=1) == SCALES["province"]
