from django.core.management import call_command

from activities.models import Activity, Visit
from children.models import Child
from core.idnumber import parse_id_number
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
    out = capsys.readouterr().out
    assert "lishi_admin" in out and "binhe_staff" in out


def test_seed_demo_twice_does_not_duplicate(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Child.objects.count() == 150
