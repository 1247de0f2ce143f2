"""待办 lists: each shows what it should, not what it shouldn't, and never another township's rows."""

import datetime

import pytest

from activities.tests.factories import VisitFactory
from casework import services as casework
from casework.models import ActorKind, Department, ReferralStatus
from children.models import ChildCategory
from children.tests.factories import ChildFactory, make_id_number
from closing import services as closing
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from todo import lists
from volunteers.tests.factories import VolunteerFactory

D = datetime.date
TODAY = D(2025, 6, 3)


def days(n):
    return TODAY - datetime.timedelta(days=n)


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


def kid(regions, village="village_a1", **extra):
    return ChildFactory(region=regions[village], **extra)


@pytest.fixture
def town(world, users):
    return {"regions": world["regions"], "a": users["town_a"], "b": users["town_b"], "admin": users["admin"]}


# -- visits due ----------------------------------------------------------------------------------


def test_it_lists_overdue_never_visited_and_due_within_7_days_of_the_own_township_only(town):
    r = town["regions"]
    overdue = kid(r, card_colour="red")  # red: every 14 days
    VisitFactory(child=overdue, visited_on=days(20))
    never = kid(r)
    due_soon = kid(r, card_colour="red")
    VisitFactory(child=due_soon, visited_on=days(8))  # due in 6 days
    later = kid(r, card_colour="red")
    VisitFactory(child=later, visited_on=days(6))  # due in 8 days
    exited = kid(r, status="exited", exit_reason="moved", exited_on=days(1))
    other = kid(r, village="village_b1")  # never visited, but township B's
    listed = pks(lists.visits_due(town["a"], TODAY))
    assert {overdue.pk, never.pk, due_soon.pk} <= listed
    assert not listed & {later.pk, exited.pk, other.pk}
    assert other.pk in pks(lists.visits_due(town["b"], TODAY))


def test_the_overdue_come_first_red_cards_first_then_the_longest_overdue(town):
    r = town["regions"]
    little, much = kid(r, card_colour="red", name="红少"), kid(r, card_colour="red", name="红多")
    VisitFactory(child=little, visited_on=days(16))
    VisitFactory(child=much, visited_on=days(40))
    green = kid(r, name="绿多")
    VisitFactory(child=green, visited_on=days(200))
    soon = kid(r, card_colour="red", name="红将到")
    VisitFactory(child=soon, visited_on=days(10))  # due in 4 days: after every overdue child
    mine = {"红少", "红多", "绿多", "红将到"}
    names = [c.name for c in lists.visits_due(town["a"], TODAY) if c.name in mine]
    assert names == ["红多", "红少", "绿多", "红将到"]


# -- needs and referrals -------------------------------------------------------------------------


def need(w, **extra):
    fields = {"kind": "living", "description": "冬衣不足", "actor_kind": ActorKind.MOTHER, "volunteer": w["mother"]}
    return casework.need_add(child=w["child"], found_on=days(30), **{**fields, **extra})


def test_an_open_need_past_its_due_date_is_listed_and_one_not_yet_due_or_closed_is_not(world, town):
    past = need(world["a"], due_on=days(1))
    today = need(world["a"], due_on=TODAY)
    undated = need(world["a"])
    done = need(world["a"], due_on=days(5))
    done.status, done.outcome = "done", "已送冬衣"
    casework.need_save(need=done)
    theirs = need(world["b"], due_on=days(1))
    assert pks(lists.needs_past_due(town["a"], TODAY)) == {past.pk}
    assert not {today.pk, undated.pk} & pks(lists.needs_past_due(town["a"], TODAY))
    assert pks(lists.needs_past_due(town["b"], TODAY)) == {theirs.pk}


def refer(n, **extra):
    return casework.referral_create(
        need=n, department=Department.objects.get(name="民政"), referred_on=days(10), request="申请临时救助", **extra
    )


def test_a_referral_awaiting_the_departments_reply_is_listed_and_a_closed_one_is_not(world, town):
    sent = refer(need(world["a"]))
    accepted = refer(need(world["a"]))
    casework.referral_set_status(referral=accepted, status=ReferralStatus.ACCEPTED)
    done = refer(need(world["a"]))
    casework.referral_set_status(referral=done, status=ReferralStatus.ACCEPTED)
    casework.referral_set_status(referral=done, status=ReferralStatus.DONE, feedback="已发放救助金")
    returned = refer(need(world["a"]))
    casework.referral_set_status(referral=returned, status=ReferralStatus.RETURNED, feedback="不符合条件")
    theirs = refer(need(world["b"]))
    assert pks(lists.referrals_awaiting(town["a"], TODAY)) == {sent.pk, accepted.pk}
    assert pks(lists.referrals_awaiting(town["b"], TODAY)) == {theirs.pk}


# -- caring mothers without contact --------------------------------------------------------------


def paired(regions, *, joined, visited=None, village="village_a1", with_mother=True):
    child = kid(regions, village=village)
    mother = VolunteerFactory(region=regions["town_a" if village.startswith("village_a") else "town_b"])
    pairing = PairingFactory(child=child, started_on=joined)
    member = PairingMemberFactory(pairing=pairing, volunteer=mother, joined_on=joined)
    if visited is not None:
        visit = VisitFactory(child=child, visited_on=visited)
        if with_mother:
            visit.visitors.add(mother)
    return member


def test_a_mother_without_contact_for_31_days_is_listed_and_one_with_contact_29_days_ago_is_not(town):
    r = town["regions"]
    silent = paired(r, joined=days(200), visited=days(31))
    recent = paired(r, joined=days(200), visited=days(29))
    never = paired(r, joined=days(31))
    new = paired(r, joined=days(29))  # paired 29 days ago: not yet 30 days
    staff_only = paired(r, joined=days(200), visited=days(2), with_mother=False)  # the visit was not hers
    theirs = paired(r, joined=days(200), visited=days(40), village="village_b1")
    listed = pks(lists.mothers_without_contact(town["a"], TODAY))
    assert {silent.pk, never.pk, staff_only.pk} <= listed
    assert not listed & {recent.pk, new.pk, theirs.pk}
    assert theirs.pk in pks(lists.mothers_without_contact(town["b"], TODAY))


def test_a_mother_who_left_the_pairing_is_not_listed(town):
    member = paired(town["regions"], joined=days(200), visited=days(60))
    member.left_on = days(10)
    member.save()
    assert member.pk not in pks(lists.mothers_without_contact(town["a"], TODAY))


# -- age limit -----------------------------------------------------------------------------------


def born(regions, day, village="village_a1", **extra):
    return kid(regions, village=village, id_number=make_id_number(regions[village].code, day), **extra)


def test_a_child_reaching_the_age_limit_in_59_days_is_listed_and_in_61_days_not(town):
    # Counted by month (children.models.age_limit_cutoff): born in August 2007, the child reaches
    # 18 on 1 August 2025 — 59 days after 3 June, 61 days after 1 June.
    r = town["regions"]
    august = born(r, D(2007, 8, 20), category=ChildCategory.objects.get(name="困境儿童"))
    left_behind = born(r, D(2009, 8, 5))  # 农村留守儿童: 16 in August 2025
    theirs = born(r, D(2007, 8, 20), village="village_b1", category=ChildCategory.objects.get(name="困境儿童"))
    assert pks(lists.reaching_age_limit(town["a"], D(2025, 6, 3))) >= {august.pk, left_behind.pk}
    assert not pks(lists.reaching_age_limit(town["a"], D(2025, 6, 1))) & {august.pk, left_behind.pk}
    assert theirs.pk not in pks(lists.reaching_age_limit(town["a"], D(2025, 6, 3)))
    assert lists.limit_month(august) == lists.limit_month(left_behind) == D(2025, 8, 1)


# -- months ----------------------------------------------------------------------------------------


def test_a_returned_month_is_listed_for_its_township_and_awaits_review_for_the_county(town):
    r = town["regions"]
    may, april = D(2025, 5, 1), D(2025, 4, 1)
    closing.month_submit(region=r["town_a"], month=april, by=town["a"])
    closing.month_return(region=r["town_a"], month=april, by=town["admin"], reason="走访记录不全")
    submitted = closing.month_submit(region=r["town_a"], month=may, by=town["a"])
    returned = list(lists.months_returned(town["a"], TODAY))
    assert [(m.month, m.note) for m in returned] == [(april, "走访记录不全")]
    assert not lists.months_returned(town["b"], TODAY).exists()
    assert list(lists.months_to_review(town["admin"])) == [submitted]
    # Township staff review nothing; the county's own list is not theirs.
    assert not lists.months_to_review(town["a"]).exists()


# -- the page's reading ----------------------------------------------------------------------------


def test_each_list_is_read_in_one_query_with_its_total(town, django_assert_num_queries):
    r = town["regions"]
    for _ in range(lists.LIMIT + 3):
        kid(r)  # never visited: due
    lists.visits_due(town["a"], TODAY)  # the account's region, read once per request
    # One for the card colours' visit intervals (children.VisitPolicy), one for the list.
    with django_assert_num_queries(2):
        rows, total = lists.first_rows(lists.visits_due(town["a"], TODAY))
    assert len(rows) == lists.LIMIT and total == lists.LIMIT + 4  # and the world's 甲童 (visited long ago)


def test_the_badge_counts_every_list_in_one_query(town, world, django_assert_num_queries):
    need(world["a"], due_on=days(1))
    lists.counts(town["a"], today=TODAY)  # the account's region and permissions, read once per request
    with django_assert_num_queries(2):  # the visit intervals, and every count
        counts = lists.counts(town["a"], today=TODAY)
    assert counts["needs"] == 1
    assert counts == {s.key: s.total for s in lists.sections(town["a"], today=TODAY)}


def test_an_account_without_a_region_has_nothing_to_do(world, users):
    assert lists.counts(users["nobody"], today=TODAY) == dict.fromkeys(counts_keys(), 0)
    assert all(s.total == 0 for s in lists.sections(users["nobody"], today=TODAY))


def counts_keys():
    return [key for key, _title, _build in lists.SECTIONS]
