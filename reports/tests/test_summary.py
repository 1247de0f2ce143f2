"""The stored month figures (reports.summary) equal ``compute`` on random data, for every scope and
month; a service's write marks them and the next refresh counts it; the wide dashboard reads them
in a fixed number of queries."""

import dataclasses
import datetime
import random
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.tests.factories import ActivityFactory, VisitFactory
from children.models import CardChange, CardColour, Child, ChildCategory
from children.tests.factories import ChildFactory
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from regions.models import Region
from regions.tests.factories import RegionFactory, region_tree, staff_user
from reports import summary
from reports.dashboard import trend_point
from reports.indicators import compute
from reports.models import FiguresMark, FiguresMonth, RegionMonthFigures
from volunteers.models import Sector, Training, Volunteer
from volunteers.tests.factories import VolunteerFactory, VolunteerTeamFactory

D = datetime.date
INDEX = reverse("admin:index")


def random_programme(rng: random.Random, villages, towns, today: datetime.date, n_children: int = 30):
    """Children, card changes, visits, pairings, mothers, teams, activities and trainings spread
    over ``villages``/``towns`` and the 25 months up to ``today``."""
    start = today - datetime.timedelta(days=760)

    def day():
        return start + datetime.timedelta(days=rng.randrange((today - start).days + 1))

    categories = list(ChildCategory.objects.all())
    sectors = [*Sector.objects.all(), None]
    mothers = []
    for _n in range(12):
        joined = day()
        left = rng.random() < 0.2
        mothers.append(
            VolunteerFactory(
                region=rng.choice(towns),
                sector=rng.choice(sectors),
                joined_on=joined if rng.random() < 0.9 else None,
                status=Volunteer.Status.LEFT if left else Volunteer.Status.ACTIVE,
                left_on=joined + datetime.timedelta(days=rng.randrange(1, 300)) if left else None,
            )
        )
    for region in [*towns, *{t.parent for t in towns}]:
        if rng.random() < 0.7:
            VolunteerTeamFactory(region=region, founded_on=day())
    for _n in range(n_children):
        entered = day()
        exited = entered + datetime.timedelta(days=rng.randrange(1, 500)) if rng.random() < 0.25 else None
        colour = rng.choice(CardColour.values)
        child = ChildFactory(
            region=rng.choice(villages),
            category=rng.choice(categories),
            card_colour=colour,
            entered_on=entered,
            status=Child.Status.EXITED if exited else Child.Status.ACTIVE,
            exit_reason="moved" if exited else "",
            exited_on=exited,
        )
        previous = ""
        for effective in sorted(day() for _k in range(rng.randrange(3))):
            to = rng.choice(CardColour.values)
            CardChange.objects.create(
                child=child, from_colour=previous, to_colour=to, effective_on=effective, reason="复评"
            )
            previous = to
        for _k in range(rng.randrange(5)):
            VisitFactory(child=child, visited_on=day(), goods_value=Decimal(rng.randrange(0, 300)))
        if rng.random() < 0.7:
            started = max(entered, day())
            ended = started + datetime.timedelta(days=rng.randrange(10, 400)) if rng.random() < 0.3 else None
            pairing = PairingFactory(
                child=child, started_on=started, ended_on=ended, end_reason="other" if ended else ""
            )
            for i, mother in enumerate(rng.sample(mothers, rng.choice([1, 1, 2, 3]))):
                PairingMemberFactory(
                    pairing=pairing,
                    volunteer=mother,
                    joined_on=started,
                    left_on=started + datetime.timedelta(days=rng.randrange(5, 200)) if rng.random() < 0.3 else None,
                    role="lead" if i == 0 else "assisting",
                )
    for _n in range(15):
        ActivityFactory(
            region=rng.choice(towns),
            held_on=day(),
            person_times=rng.randrange(1, 60),
            goods_value=Decimal(rng.randrange(0, 500)),
        )
    for _n in range(8):
        training = Training.objects.create(title="培训", held_on=day(), region=rng.choice([*towns, towns[0].parent]))
        training.attendees.set(rng.sample(mothers, rng.randrange(0, 5)))


@pytest.fixture
def programme(db, settings):
    settings.DASHBOARD_FIGURES_MONTHS = 1  # this year's months (the equality test asks for more)
    r = region_tree()
    other_county = RegionFactory(code="141129000000", name="中阳县", parent=r["county"].parent)
    town_c = RegionFactory(code="141129100000", name="宁乡镇", parent=other_county)
    village_c = RegionFactory(code="141129100001", name="城关村", parent=town_c)
    towns = [r["town_a"], r["town_b"], town_c]
    villages = [r["village_a1"], r["village_a2"], r["village_b1"], r["village_b2"], village_c]
    random_programme(random.Random(16), villages, towns, timezone.localdate(), n_children=24)
    users = {
        "superuser": User.objects.create(username="root", is_staff=True, is_superuser=True),
        "city": staff_user("city_admin", r["county"].parent, "admin"),
        "county": staff_user("county_admin", r["county"], "admin"),
        "other_county": staff_user("other_admin", other_county, "admin"),
        "township": staff_user("town_a_staff", r["town_a"], "township"),
    }
    return {"regions": r, "users": users, "towns": towns}


def assert_summary_is_compute(users):
    months = summary.wanted_months(timezone.localdate())
    for name, user in users.items():
        stored_trend, _at = summary.stored_trend(user, months)
        for month in months:
            live = compute(month=month, user=user)
            stored, _refreshed = summary.stored_indicators(user, month)
            assert dataclasses.asdict(stored) == dataclasses.asdict(live), (name, month)
            assert stored_trend[month] == trend_point(live), (name, month)


def test_it_equals_compute_for_every_scope_and_month_on_random_data(programme, settings):
    settings.DASHBOARD_FIGURES_MONTHS = 13
    call_command("refresh_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert FiguresMonth.objects.count() == len(summary.wanted_months(timezone.localdate()))
    assert RegionMonthFigures.objects.filter(children__gt=0).exists()
    assert_summary_is_compute(programme["users"])


def test_a_second_refresh_with_nothing_marked_recomputes_nothing(programme):
    summary.refresh_figures()
    with CaptureQueriesContext(connection) as ctx:
        done = summary.refresh_figures()
    assert done == {"months": 0, "regions": 0, "marks": 0}
    assert len(ctx) <= 8


def test_a_service_write_marks_its_township_and_the_next_refresh_counts_it(
    programme, django_capture_on_commit_callbacks
):
    from activities.models import VisitMode
    from activities.services import visit_save

    summary.refresh_figures()
    town_b = programme["regions"]["town_b"]
    child = Child.objects.filter(region__parent=town_b).first()
    this_month = timezone.localdate().replace(day=1)
    county = programme["users"]["county"]
    before = summary.stored_indicators(county, this_month)[0].visits
    visit = VisitFactory.build(child=child, visited_on=this_month, mode=VisitMode.objects.first())
    with django_capture_on_commit_callbacks(execute=True):
        visit_save(visit=visit, by=None)
    assert list(FiguresMark.objects.values_list("region_id", "since")) == [(town_b.pk, this_month)]
    # Stale until the refresh, which recomputes only the marked township's months since then.
    assert summary.stored_indicators(county, this_month)[0].visits == before
    assert summary.refresh_figures() == {"months": 0, "regions": 1, "marks": 1}
    assert summary.stored_indicators(county, this_month)[0].visits == before + 1
    assert not FiguresMark.objects.exists()
    assert_summary_is_compute(programme["users"])


def test_a_rolled_back_write_marks_nothing(programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary.figures_changed(regions=[programme["towns"][0]], since=D(2025, 1, 1))
    assert len(callbacks) == 1  # run only when the transaction commits
    assert not FiguresMark.objects.exists()


def test_an_unmarked_change_is_caught_by_the_full_refresh(programme):
    summary.refresh_figures()
    Child.objects.filter(pk=Child.objects.first().pk).update(entered_on=D(2000, 1, 1), status="active")
    summary.refresh_figures(full=True)
    assert_summary_is_compute(programme["users"])


def test_the_running_month_is_recomputed_whole_the_next_day(programme):
    today = timezone.localdate()
    summary.refresh_figures(today=today - datetime.timedelta(days=1))
    done = summary.refresh_figures(today=today)
    assert done["months"] >= 1
    assert FiguresMonth.objects.get(month=today.replace(day=1)).as_of == today


@pytest.mark.parametrize("who", ["county", "city", "superuser"])
def test_the_wide_dashboard_reads_the_stored_figures_in_a_fixed_number_of_queries(client, programme, settings, who):
    settings.DASHBOARD_FIGURES_MONTHS = 13  # the trend's months too
    summary.refresh_figures()
    user = programme["users"][who]
    client.force_login(user)
    client.get(INDEX)

    def cold():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(INDEX)
        assert response.status_code == 200
        return response, len(ctx)

    response, few = cold()
    assert response.context["dashboard"] == summary.stored_indicators(user, timezone.localdate().replace(day=1))[0]
    stamp = FiguresMonth.objects.get(month=timezone.localdate().replace(day=1)).refreshed_at
    assert response.context["dashboard_computed_at"] == stamp
    assert 'id="dash-computed-at"' in response.content.decode()
    # More townships and children change nothing in the count.
    county = Region.objects.get(code="141128000000")
    for k in range(3):
        town = RegionFactory(code=f"14112820{k}000", name=f"新镇{k}", parent=county)
        ChildFactory(region=RegionFactory(code=f"14112820{k}001", name=f"新村{k}", parent=town))
    summary.refresh_figures(full=True)
    assert cold()[1] == few
    # Session, user and profile, the month (2 for the stored figures' months and sums, 4 for the
    # townships, rows, categories and sectors), the trend (3), the month-close table, the age
    # limits, casework, safeguarding and the 待办 panel: 23 for the county, 21 for the city, 17
    # for the superuser when pinned (computing the county's months live cost 150).
    assert few <= 24


def test_a_month_not_stored_is_computed_live(client, programme):
    user = programme["users"]["county"]
    client.force_login(user)
    response = client.get(INDEX)
    assert response.context["dashboard"] == compute(month=timezone.localdate().replace(day=1), user=user)


def test_a_new_visit_interval_recounts_every_month(programme):
    from children.models import VisitPolicy

    summary.refresh_figures()
    VisitPolicy.objects.update_or_create(card_colour="green", defaults={"interval_days": 7})
    done = summary.refresh_figures()
    assert done["months"] == len(summary.wanted_months(timezone.localdate()))
    assert_summary_is_compute(programme["users"])


def test_a_child_moving_township_marks_both_for_every_month(programme, django_capture_on_commit_callbacks):
    r = programme["regions"]
    summary.refresh_figures()
    child = Child.objects.filter(region__parent=r["town_a"]).first()
    old_village = child.region_id
    child.region = r["village_b1"]
    with django_capture_on_commit_callbacks(execute=True):
        Child.objects.filter(pk=child.pk).update(region=r["village_b1"])
        summary.child_changed(child, D(2026, 1, 1), old_region_id=old_village)
    marks = set(FiguresMark.objects.values_list("region_id", "since"))
    assert marks == {(r["town_a"].pk, summary.DAWN), (r["town_b"].pk, summary.DAWN)}
    assert summary.refresh_figures()["months"] == 0
    assert_summary_is_compute(programme["users"])
