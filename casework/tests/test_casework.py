"""一人一案: needs and help plans, referrals (转介) and 督办 — through the services, the admin as
each role, the phone visit page, the profile and the dashboard."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from activities.models import VisitMode
from casework import services
from casework.figures import dashboard_counts, red_without_plan
from casework.models import (
    ActorKind,
    Department,
    Need,
    NeedStatus,
    NeedVisit,
    Referral,
    ReferralStatus,
    Supervision,
    SupervisionStatus,
)
from children.services import child_change_colour
from children.tests.factories import ChildFactory

D = datetime.date


def make_need(w, **extra):
    fields = {"kind": "living", "description": "冬衣不足", "actor_kind": ActorKind.MOTHER, "volunteer": w["mother"]}
    return services.need_add(child=w["child"], **{**fields, **extra})


def refer(need, **extra):
    fields = {
        "department": Department.objects.get(name="民政"),
        "referred_on": D(2025, 3, 1),
        "request": "申请临时救助",
        "due_on": D(2025, 3, 15),
    }
    return services.referral_create(need=need, **{**fields, **extra})


def make_red(child):
    child_change_colour(child=child, to_colour="red", effective_on=D(2025, 1, 1), reason="复评", by=None)


# -- the lookup --------------------------------------------------------------------------------


def test_the_departments_are_seeded_by_the_migration(db):
    names = set(Department.objects.values_list("name", flat=True))
    assert {"民政", "教育", "卫健", "公安", "司法", "残联", "检察院", "团委", "社会组织"} <= names


# -- needs -------------------------------------------------------------------------------------


def test_a_need_status_outside_the_list_is_refused_by_the_database(world):
    need = make_need(world["a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(status="lost")


def test_a_done_need_needs_its_outcome_in_the_service_and_the_database(world):
    need = make_need(world["a"])
    need.status = NeedStatus.DONE
    with pytest.raises(ValidationError):
        services.need_save(need=need)
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(status=NeedStatus.UNSOLVED, outcome="")
    need.outcome = "已送冬衣两套"
    services.need_save(need=need)
    need.refresh_from_db()
    assert need.status == NeedStatus.DONE and need.closed_on == timezone.localdate()


def test_a_need_acted_on_by_a_mother_names_her(world):
    with pytest.raises(ValidationError):
        make_need(world["a"], volunteer=None)


def test_township_staff_add_a_need_in_the_admin_and_the_history_keeps_it(client, world, users):
    client.force_login(users["town_a"])
    w = world["a"]
    response = client.post(
        reverse("admin:casework_need_add"),
        {
            "child": w["child"].pk,
            "kind": "study",
            "description": "数学跟不上",
            "found_on": "2025-03-01",
            "measure": "每周辅导一次",
            "actor_kind": "team",
            "team": w["team"].pk,
            "status": "pending",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get(description="数学跟不上")
    assert need.created_by == users["town_a"] and need.team == w["team"]
    assert need.history.count() == 1


def test_a_done_need_without_outcome_is_a_form_message_not_an_error_page(client, world, users):
    client.force_login(users["town_a"])
    need = make_need(world["a"])
    data = {
        "child": need.child_id,
        "kind": need.kind,
        "description": need.description,
        "found_on": need.found_on.isoformat(),
        "actor_kind": "mother",
        "volunteer": need.volunteer_id,
        "status": "done",
        "outcome": "",
    }
    response = client.post(reverse("admin:casework_need_change", args=[need.pk]), data)
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.status == NeedStatus.PENDING


def test_another_townships_need_is_invisible_and_404(client, world, users):
    b_need = make_need(world["b"], description="乙童的需求")
    a_need = make_need(world["a"])
    client.force_login(users["town_a"])
    assert list(Need.objects.for_user(users["town_a"])) == [a_need]
    assert client.get(reverse("admin:casework_need_change", args=[b_need.pk])).status_code == 404
    page = client.get(reverse("admin:casework_need_changelist")).content.decode()
    assert "乙童的需求" not in page and a_need.description in page
    with pytest.raises(PermissionDenied):
        services.need_save(
            need=Need(
                child=world["b"]["child"],
                kind="other",
                description="x",
                found_on=D(2025, 1, 1),
                actor_kind=ActorKind.STAFF,
            ),
            by=users["town_a"],
        )


def test_a_viewer_cannot_add_a_need(world, users):
    with pytest.raises(PermissionDenied):
        services.need_add(
            child=world["a"]["child"], kind="other", description="x", actor_kind=ActorKind.STAFF, by=users["viewer"]
        )


# -- a visit ticks needs -------------------------------------------------------------------------


def visit_post(child, **extra):
    return {
        "child": child.pk,
        "visited_on": timezone.localdate().isoformat(),
        "mode": VisitMode.objects.get(name="入户走访").pk,
        "visitors": [],
        "staff_visitors": "乡镇干部王某",
        "findings": "学习正常",
        "help_given": "",
        "goods_value": "0",
        "reassessed_colour": "",
        "reassessment_reason": "",
        "entry_token": str(uuid.uuid4()),
        **extra,
    }


def test_a_visit_on_the_phone_page_ticks_a_need_and_adds_a_new_one(client, world, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = world["a"]
    need = make_need(w)
    client.force_login(users["town_a"])
    form = client.get(reverse("activities:visit_entry"), {"child": w["child"].pk}).content.decode()
    assert 'name="needs"' in form and "冬衣不足" in form
    response = client.post(
        reverse("activities:visit_entry"),
        visit_post(w["child"], needs=[need.pk], new_need_kind="mental", new_need="想念外出的妈妈"),
    )
    assert response.status_code == 302
    visit = w["child"].visits.latest("id")
    assert set(NeedVisit.objects.filter(visit=visit).values_list("need__description", flat=True)) == {
        "冬衣不足",
        "想念外出的妈妈",
    }
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS
    new = Need.objects.get(description="想念外出的妈妈")
    assert new.found_on_visit == visit and new.kind == "mental" and new.created_by == users["town_a"]


def test_a_visit_cannot_tick_another_townships_need(client, world, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    b_need = make_need(world["b"])
    client.force_login(users["town_a"])
    response = client.post(reverse("activities:visit_entry"), visit_post(world["a"]["child"], needs=[b_need.pk]))
    assert response.status_code == 200  # "select a valid choice", nothing stored
    assert not NeedVisit.objects.exists()
    with pytest.raises(ValidationError):
        services.visit_tick_needs(visit=world["a"]["visit"], needs=[b_need])


# -- referrals -----------------------------------------------------------------------------------


def test_referring_a_need_sets_it_to_referred(world):
    need = make_need(world["a"])
    referral = refer(need)
    need.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and need.status == NeedStatus.REFERRED


@pytest.mark.parametrize(
    "path",
    [
        [ReferralStatus.ACCEPTED, ReferralStatus.DONE],
        [ReferralStatus.RETURNED],
        [ReferralStatus.ACCEPTED, ReferralStatus.RETURNED],
    ],
)
def test_the_referral_status_flow_allows_its_moves_and_dates_the_close(world, path):
    referral = refer(make_need(world["a"]))
    for status in path:
        referral = services.referral_set_status(referral=referral, status=status, feedback="已处理")
    assert referral.status == path[-1]
    assert referral.closed_on == timezone.localdate() and referral.feedback == "已处理"
    assert referral.history.count() == len(path) + 1


@pytest.mark.parametrize(
    "before,after",
    [
        ([], ReferralStatus.DONE),  # sent → done skips acceptance
        ([], ReferralStatus.SENT),
        ([ReferralStatus.ACCEPTED], ReferralStatus.SENT),
        ([ReferralStatus.ACCEPTED, ReferralStatus.DONE], ReferralStatus.ACCEPTED),
        ([ReferralStatus.RETURNED], ReferralStatus.ACCEPTED),
        ([], "lost"),
    ],
)
def test_the_referral_status_flow_refuses_other_moves(world, before, after):
    referral = refer(make_need(world["a"]))
    for status in before:
        referral = services.referral_set_status(referral=referral, status=status)
    with pytest.raises(ValidationError):
        services.referral_set_status(referral=referral, status=after)
    referral.refresh_from_db()
    assert referral.status == (before[-1] if before else ReferralStatus.SENT)


def test_a_closed_referral_without_a_closing_date_is_refused_by_the_database(world):
    referral = refer(make_need(world["a"]))
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(closed_on=D(2025, 3, 5))


def test_township_refers_in_the_admin_and_a_skipped_step_is_a_form_message(client, world, users):
    need = make_need(world["a"])
    client.force_login(users["town_a"])
    data = {
        "need": need.pk,
        "department": Department.objects.get(name="教育").pk,
        "referred_on": "2025-03-01",
        "contact": "李老师",
        "request": "安排住校",
        "due_on": "2025-03-20",
        "status": "sent",
        "feedback": "",
    }
    assert client.post(reverse("admin:casework_referral_add"), data).status_code == 302
    referral = Referral.objects.get(need=need)
    need.refresh_from_db()
    assert need.status == NeedStatus.REFERRED and referral.created_by == users["town_a"]
    url = reverse("admin:casework_referral_change", args=[referral.pk])
    assert client.post(url, {**data, "status": "done"}).status_code == 200
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert client.post(url, {**data, "status": "accepted", "feedback": "已受理"}).status_code == 302
    assert client.post(url, {**data, "status": "done", "feedback": "已安排住校"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DONE and referral.closed_on and referral.feedback == "已安排住校"


# -- 督办 ----------------------------------------------------------------------------------------


def test_only_county_admins_issue_a_supervision_and_the_township_replies(client, world, users):
    need = make_need(world["a"])
    with pytest.raises(PermissionDenied):
        services.supervision_create(question="请报告", reply_by=D(2025, 4, 1), need=need, by=users["town_a"])
    client.force_login(users["town_a"])
    assert client.get(reverse("admin:casework_supervision_add")).status_code == 403
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:casework_supervision_add"),
        {"child": "", "need": need.pk, "question": "请报告帮扶进展", "reply_by": "2025-04-01"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    supervision = Supervision.objects.get()
    assert supervision.region == world["regions"]["town_a"] and supervision.child == need.child
    assert supervision.asked_by == users["admin"]
    client.force_login(users["town_a"])
    url = reverse("admin:casework_supervision_change", args=[supervision.pk])
    response = client.post(url, {"reply": "已送冬衣，孩子情况好转", "question": "改掉问题"})
    assert response.status_code == 302
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.REPLIED and supervision.replied_by == users["town_a"]
    assert supervision.question == "请报告帮扶进展" and supervision.replied_at is not None
    # Township B neither sees nor answers it.
    client.force_login(users["town_b"])
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        services.supervision_reply(supervision=supervision, reply="x", by=users["town_b"])


# -- dashboard -----------------------------------------------------------------------------------


def test_red_children_without_an_open_need_are_counted_on_the_dashboard(client, world, users):
    a, b = world["a"], world["b"]
    make_red(a["child"])
    make_red(b["child"])
    ChildFactory(name="丙童", region=world["regions"]["village_a1"])  # green: not counted
    need = make_need(b)  # B has a plan
    client.force_login(users["admin"])
    response = client.get(reverse("admin:index"))
    assert response.context["casework"]["red_without_plan"] == 1
    assert 'id="dash-red-without-plan"' in response.content.decode()
    listed = client.get(reverse("admin:casework_need_red_without_plan")).content.decode()
    assert a["child"].name in listed and b["child"].name not in listed
    # A plan that is done no longer counts as open.
    need.status, need.outcome = NeedStatus.DONE, "已解决"
    services.need_save(need=need)
    assert red_without_plan(users["admin"]).count() == 2
    assert dashboard_counts(users["town_a"])["casework"]["red_without_plan"] == 1


def test_open_and_overdue_referrals_and_supervisions_are_counted_in_flat_queries(
    world, users, django_assert_max_num_queries
):
    today = timezone.localdate()
    need = make_need(world["a"])
    refer(need, referred_on=today - datetime.timedelta(days=30), due_on=today - datetime.timedelta(days=1))
    late = refer(make_need(world["a"]), referred_on=today, due_on=today + datetime.timedelta(days=9))
    services.referral_set_status(referral=late, status=ReferralStatus.RETURNED)
    refer(make_need(world["b"]), referred_on=today, due_on=today + datetime.timedelta(days=9))
    services.supervision_create(question="请报告", reply_by=today - datetime.timedelta(days=2), need=need)
    with django_assert_max_num_queries(1):
        town = dashboard_counts(users["town_a"])["casework"]
    assert (town["open_referrals"], town["overdue_referrals"]) == (1, 1)
    assert (town["open_supervisions"], town["overdue_supervisions"]) == (1, 1)
    county = dashboard_counts(users["admin"])["casework"]
    assert (county["open_referrals"], county["overdue_referrals"]) == (2, 1)


# -- profile -------------------------------------------------------------------------------------


def test_the_profile_shows_open_needs_and_their_referrals(client, world, users):
    w = world["a"]
    open_need = make_need(w, description="缺少冬衣")
    refer(open_need)
    services.need_add(
        child=w["child"],
        kind="study",
        description="已解决的需求",
        actor_kind=ActorKind.STAFF,
        status=NeedStatus.DONE,
        outcome="好了",
    )
    client.force_login(users["town_a"])
    page = client.get(reverse("children:profile", args=[w["child"].pk])).content.decode()
    assert "缺少冬衣" in page and "民政" in page and "已解决的需求" not in page


# -- admin changelists: a fixed number of queries ------------------------------------------------


@pytest.mark.parametrize("model", ["need", "referral", "supervision", "needvisit"])
def test_the_admin_changelists_take_a_fixed_number_of_queries(client, world, users, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_rows(n):
        for i in range(n):
            need = make_need(world["a"], description=f"需求{i}")
            refer(need)
            services.visit_tick_needs(visit=world["a"]["visit"], needs=[need])
            services.supervision_create(question="请报告", reply_by=D(2025, 4, 1), need=need)

    client.force_login(users["admin"])
    url = reverse(f"admin:casework_{model}_changelist")
    add_rows(2)
    client.get(url)  # warm the per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_rows(10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 20
