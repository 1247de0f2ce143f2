"""A caring mother's account through the one scoping path: every model with ``for_user``.

Parametrized over every model whose default queryset has ``for_user`` (found in the app
registry, not listed by hand): a model added later is checked too, and one that gives a
mother's account any row not named in ``HERS`` fails here.
"""

import datetime

import pytest
from django.apps import apps

from core.tests.matrix import build_rows
from pairing.services import pairing_end
from regions.scoping import user_scope
from volunteers.tests.factories import mother_user


def scoped_models():
    return sorted(
        (m for m in apps.get_models() if hasattr(m._default_manager.all(), "for_user")),
        key=lambda m: m._meta.label,
    )


SCOPED = scoped_models()

#: What township A's 甲妈妈 sees through her own account, by model: her child, her own visit of
#: it, herself, her open pairing and her membership of it. Every other model: nothing.
HERS = {
    "children.child": lambda w: [w["child"]],
    "activities.visit": lambda w: [w["visit"]],
    "volunteers.volunteer": lambda w: [w["mother"]],
    "pairing.pairing": lambda w: [w["pairing"]],
    "pairing.pairingmember": lambda w: list(w["pairing"].members.all()),
}

#: Models the shared world has no row of (nothing to leak in this test; their querysets still
#: answer ``none()`` unless a hook names a path to her children).
NO_ROWS = {"activities.visitphoto", "regions.regionalias", "safeguarding.alert"}


@pytest.fixture
def rows(world, users):
    from reports.summary import refresh_figures

    build_rows(world, users)
    refresh_figures(full=True)  # the stored per-township figures (reports.RegionMonthFigures)
    return world


@pytest.fixture
def mother(world):
    return mother_user(world["a"]["mother"])


@pytest.mark.parametrize("model", SCOPED, ids=[m._meta.label for m in SCOPED])
def test_it_gives_a_mother_only_what_is_hers_of_every_scoped_model(rows, mother, model):
    label = model._meta.label_lower
    everything = model._default_manager.all()
    if label not in NO_ROWS:
        assert everything.exists(), f"no {label} rows: the test would prove nothing"
    expected = {obj.pk for obj in HERS.get(label, lambda w: [])(rows["a"])}
    assert set(model._default_manager.for_user(mother).values_list("pk", flat=True)) == expected


def test_it_knows_every_model_it_names():
    labels = {m._meta.label_lower for m in SCOPED}
    assert set(HERS) <= labels and labels >= NO_ROWS


def test_it_gives_a_mother_no_region_scope(mother):
    assert user_scope(mother) is None


def test_it_ends_her_access_when_the_pairing_ends(world, mother):
    from children.models import Child

    assert Child.objects.for_user(mother).count() == 1
    pairing_end(pairing=world["a"]["pairing"], on=datetime.date.today(), reason="resolved", by=None)
    assert not Child.objects.for_user(mother).exists()


def test_it_ends_her_access_when_she_leaves_the_pairing(world, mother):
    from children.models import Child

    world["a"]["pairing"].members.update(left_on=datetime.date.today())
    assert not Child.objects.for_user(mother).exists()


@pytest.mark.parametrize("status", ["paused", "left"])
def test_it_ends_her_access_when_her_service_stops(world, mother, status):
    from children.models import Child
    from volunteers.models import Volunteer

    Volunteer.objects.filter(pk=world["a"]["mother"].pk).update(status=status)
    mother.mother_account.volunteer.refresh_from_db()
    assert not Child.objects.for_user(mother).exists()
    assert not Volunteer.objects.for_user(mother).exists()


def test_it_gives_a_switched_off_or_staff_mother_account_nothing(world, mother):
    from children.models import Child

    mother.is_active = False
    assert not Child.objects.for_user(mother).exists()
    mother.is_active, mother.is_staff = True, True
    assert not Child.objects.for_user(mother).exists()


def test_it_shows_her_not_her_childs_other_mothers_nor_their_visits(world, mother):
    from activities.models import Visit
    from activities.tests.factories import VisitFactory
    from pairing.models import PairingMember
    from pairing.tests.factories import PairingMemberFactory
    from volunteers.models import Volunteer
    from volunteers.tests.factories import VolunteerFactory

    other = VolunteerFactory(name="丙妈妈", region=world["regions"]["town_a"])
    PairingMemberFactory(pairing=world["a"]["pairing"], volunteer=other, role="assisting")
    theirs = VisitFactory(child=world["a"]["child"])
    theirs.visitors.add(other)
    assert list(Volunteer.objects.for_user(mother)) == [world["a"]["mother"]]
    assert set(PairingMember.objects.for_user(mother).values_list("volunteer", flat=True)) == {world["a"]["mother"].pk}
    assert theirs not in Visit.objects.for_user(mother)
