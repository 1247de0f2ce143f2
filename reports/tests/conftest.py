"""A small county whose January 2025 figures are known by hand."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from activities.tests.factories import ActivityFactory, VisitFactory
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from regions.tests.factories import RegionFactory
from volunteers.models import Sector, Training
from volunteers.tests.factories import VolunteerFactory, VolunteerTeamFactory

D = datetime.date


@pytest.fixture
def casebook(world):
    """On top of ``world`` (A and B each: a green child paired 1:1, visited 2025-01-10, an activity
    on 2025-01-15 with 20 person-times):

    A: a red child never visited and unpaired; a yellow child last visited 2024-12-01 paired with
       two mothers (one of them a lawyer); a child who exited in 2024; a red child who exits in
       February, visited 2025-01-25, paired 1:1 until a mother left on 2025-01-20.
    C (a third township): one green child visited 2024-12-20, unpaired; no activity in January.
    """
    r = world["regions"]
    town_c = RegionFactory(code="141128102000", name="马坊镇", parent=r["county"])
    village_c = RegionFactory(code="141128102001", name="马坊村", parent=town_c)
    lawyer = Sector.objects.get(name="律师")
    m1 = VolunteerFactory(region=r["town_a"], sector=lawyer)
    m2 = VolunteerFactory(region=r["town_a"])
    left = VolunteerFactory(region=r["town_a"], status="left", left_on=D(2024, 11, 1))
    late = VolunteerFactory(region=r["town_a"], joined_on=D(2025, 3, 1))
    VolunteerTeamFactory(region=town_c)

    ChildFactory(region=r["village_a1"], card_colour="red", name="红童")
    yellow = ChildFactory(region=r["village_a2"], card_colour="yellow", name="黄童")
    VisitFactory(child=yellow, visited_on=D(2024, 12, 1))
    pairing = PairingFactory(child=yellow, started_on=D(2024, 9, 1))
    PairingMemberFactory(pairing=pairing, volunteer=m1, joined_on=D(2024, 9, 1))
    PairingMemberFactory(pairing=pairing, volunteer=m2, joined_on=D(2024, 10, 1), role="assisting")
    ChildFactory(region=r["village_a1"], status="exited", exit_reason="moved", exited_on=D(2024, 12, 15))
    leaving = ChildFactory(
        region=r["village_a1"], card_colour="red", status="exited", exit_reason="moved", exited_on=D(2025, 2, 10)
    )
    VisitFactory(child=leaving, visited_on=D(2025, 1, 25), goods_value=Decimal("50"))
    old = PairingFactory(child=leaving, started_on=D(2024, 7, 1), ended_on=D(2025, 2, 10), end_reason="moved")
    PairingMemberFactory(pairing=old, volunteer=m2, joined_on=D(2024, 7, 1), left_on=D(2025, 1, 20))
    PairingMemberFactory(pairing=old, volunteer=m1, joined_on=D(2024, 7, 1), left_on=D(2025, 2, 10))

    c_child = ChildFactory(region=village_c, name="丙童")
    VisitFactory(child=c_child, visited_on=D(2024, 12, 20))

    ActivityFactory(region=r["town_a"], held_on=D(2024, 12, 20), person_times=99)
    ActivityFactory(region=r["town_a"], held_on=D(2025, 2, 3), person_times=7, goods_value=Decimal("100"))
    ActivityFactory(region=r["town_b"], held_on=D(2025, 1, 20), person_times=5, goods_value=Decimal("300"))

    jan = Training.objects.create(title="法律知识培训", held_on=D(2025, 1, 8), region=r["county"])
    jan.attendees.add(m1, m2, world["a"]["mother"])
    Training.objects.create(title="旧培训", held_on=D(2024, 12, 8), region=r["county"])
    feb = Training.objects.create(title="沟通技巧培训", held_on=D(2025, 2, 8), region=r["town_a"])
    feb.attendees.add(m1)
    return {"town_c": town_c, "left": left, "late": late, **world}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", None)  # unusable password: no slow hashing


@pytest.fixture
def progress_writes(monkeypatch):
    """Every progress write of a job, as (done, total)."""
    from reports import jobs

    writes = []
    original = jobs._write_progress

    def recording(job, done, total):
        writes.append((done, total))
        original(job, done, total)

    monkeypatch.setattr(jobs, "_write_progress", recording)
    return writes
