"""Issue 14, item 3: a weighted checklist suggests the card colour; staff confirm or override."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments.models import Assessment, AssessmentItem, AssessmentThresholds
from assessments.services import ASSESSMENT_REASON, assessment_record
from children.models import CardChange
from closing.models import Correction, MonthClose, MonthState
from regions.tests.factories import staff_user

D = datetime.date(2025, 3, 10)


@pytest.fixture
def items(db):
    """The seeded checklist (12 items, yellow ≥ 3, red ≥ 6), by weight."""
    items = list(AssessmentItem.objects.filter(active=True))
    assert len(items) == 12
    return {w: [i for i in items if i.weight == w] for w in (1, 2, 3)}


def pick(items, *weights):
    """Distinct items with these weights."""
    used = {w: iter(items[w]) for w in items}
    return [next(used[w]) for w in weights]


def record(child, checked, **kwargs):
    return assessment_record(child=child, checked_items=checked, assessed_on=kwargs.pop("on", D), **kwargs)


# -- the suggestion -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "weights,score,colour",
    [
        ((), 0, "green"),
        ((2,), 2, "green"),  # one below yellow
        ((1, 2), 3, "yellow"),  # yellow exactly
        ((2, 3), 5, "yellow"),  # one below red
        ((3, 3), 6, "red"),  # red exactly
        ((3, 3, 2, 2), 10, "red"),
    ],
)
def test_it_suggests_the_colour_from_the_answers_at_the_thresholds(world, items, weights, score, colour):
    a = record(world["a"]["child"], pick(items, *weights))
    assert (a.score, a.suggested_colour, a.chosen_colour) == (score, colour, colour)
    assert a.answers.count() == 12
    assert sum(x.points for x in a.answers.all()) == score


def test_it_uses_the_thresholds_edited_and_keeps_those_of_the_day(world, items):
    AssessmentThresholds.objects.filter(pk=1).update(yellow_from=2, red_from=4)
    a = record(world["a"]["child"], pick(items, 2))
    assert (a.suggested_colour, a.yellow_from, a.red_from) == ("yellow", 2, 4)


# -- confirm or override --------------------------------------------------------------------
def test_an_override_needs_a_reason(world, items):
    child = world["a"]["child"]
    with pytest.raises(ValidationError) as caught:
        record(child, [], chosen_colour="red", override_reason="  ")
    assert "override_reason" in caught.value.error_dict
    assert not Assessment.objects.exists() and not CardChange.objects.filter(child=child).exists()


def test_the_database_refuses_an_override_without_a_reason(world, items):
    a = record(world["a"]["child"], [])
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=a.pk).update(chosen_colour="red")


def test_the_database_refuses_a_suggestion_the_score_does_not_give(world, items):
    a = record(world["a"]["child"], [])
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=a.pk).update(suggested_colour="red", chosen_colour="red")


def test_an_override_with_a_reason_changes_the_card_through_the_card_service(world, items, users):
    child = world["a"]["child"]
    a = record(child, [], chosen_colour="yellow", override_reason="祖母近期住院", by=users["town_a"])
    child.refresh_from_db()
    assert child.card_colour == "yellow"
    change = a.card_change
    assert (change.from_colour, change.to_colour, change.effective_on) == ("green", "yellow", D)
    assert change.reason.startswith(ASSESSMENT_REASON) and "祖母近期住院" in change.reason
    assert change.changed_by == users["town_a"]
    assert change.assessment == a


def test_a_confirmed_suggestion_changes_the_card_with_the_reason_assessment(world, items):
    child = world["a"]["child"]
    a = record(child, pick(items, 3, 3))
    assert a.card_change.to_colour == "red" and a.card_change.reason == ASSESSMENT_REASON


def test_confirming_the_current_colour_writes_no_card_change(world, items):
    child = world["a"]["child"]  # green
    before = CardChange.objects.filter(child=child).count()
    a = record(child, pick(items, 1))
    assert a.chosen_colour == "green" and a.card_change is None
    assert CardChange.objects.filter(child=child).count() == before


def test_a_date_in_a_closed_month_needs_a_correction_reason(world, items):
    child = world["a"]["child"]
    MonthClose.objects.create(
        region=world["regions"]["town_a"], month=datetime.date(2025, 3, 1), state=MonthState.CLOSED
    )
    with pytest.raises(ValidationError):
        record(child, pick(items, 3, 3))
    assert not Assessment.objects.exists()
    a = record(child, pick(items, 3, 3), correction_reason="补录三月评估")
    assert "补录三月评估" in a.card_change.reason
    assert Correction.objects.filter(reason__contains="补录三月评估").exists()


def test_it_refuses_a_visit_of_another_child(world, items):
    with pytest.raises(ValidationError):
        record(world["a"]["child"], [], visit=world["b"]["visit"])


# -- the page, as the roles meet it ---------------------------------------------------------
def form_data(items, *weights, **extra):
    data = {"assessed_on": "2025-03-10", "_save": "1", **extra}
    for item in pick(items, *weights):
        data[f"item_{item.pk}"] = "on"
    return data


def test_township_staff_assess_their_child_from_the_profile(client, world, users, items):
    child = world["a"]["child"]
    client.force_login(users["town_a"])
    profile = client.get(child.get_absolute_url())
    url = reverse("assessments:new", args=[child.pk])
    assert url in profile.content.decode()
    saved = client.get(reverse("activities:visit_saved", args=[world["a"]["visit"].pk])).content.decode()
    assert f"{url}?visit={world['a']['visit'].pk}" in saved
    response = client.post(url, form_data(items, 3, 3, visit=str(world["a"]["visit"].pk)))
    assert response.status_code == 302
    a = Assessment.objects.get()
    assert (a.chosen_colour, a.visit, a.by) == ("red", world["a"]["visit"], users["town_a"])
    page = client.get(child.get_absolute_url()).content.decode()
    assert 'id="assessments"' in page and "✓" in page and "风险评估" in page and "建议颜色" in page


def test_the_page_shows_the_suggestion_and_refuses_an_override_without_reason(client, world, users, items):
    child = world["a"]["child"]
    client.force_login(users["town_a"])
    url = reverse("assessments:new", args=[child.pk])
    data = form_data(items, 1, 2)
    del data["_save"]
    preview = client.post(url, {**data, "_preview": "1"})
    assert preview.status_code == 200 and 'id="suggestion"' in preview.content.decode()
    assert not Assessment.objects.exists()
    response = client.post(url, form_data(items, chosen_colour="red"))
    assert response.status_code == 200
    assert "需要说明理由" in response.content.decode() or response.context["form"].errors["override_reason"]
    assert not Assessment.objects.exists()


def test_another_townships_child_is_not_found(client, world, users, items):
    client.force_login(users["town_a"])
    url = reverse("assessments:new", args=[world["b"]["child"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(items, 3, 3)).status_code == 404
    assert not Assessment.objects.exists()


def test_the_service_refuses_a_child_out_of_scope(world, users, items):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        record(world["b"]["child"], [], by=users["town_a"])
    with pytest.raises(PermissionDenied):  # in scope, but a viewer records nothing
        record(world["a"]["child"], [], by=users["viewer"])
    assert not Assessment.objects.exists()


def test_viewers_read_but_do_not_assess(client, world, users, items):
    child = world["a"]["child"]
    record(child, pick(items, 3, 3))
    client.force_login(users["viewer"])
    page = client.get(child.get_absolute_url()).content.decode()
    assert 'id="assessments"' in page and reverse("assessments:new", args=[child.pk]) not in page
    assert client.get(reverse("assessments:new", args=[child.pk])).status_code == 403
    assert client.get(reverse("admin:assessments_assessment_changelist")).status_code == 200


# -- the checklist: county admins only ------------------------------------------------------
def test_only_county_admins_edit_the_checklist_and_thresholds(client, world, users, items):
    item = items[1][0]
    change = reverse("admin:assessments_assessmentitem_change", args=[item.pk])
    data = {"group": item.group, "text": item.text, "weight": "5", "active": "on", "order": "1"}
    # An account in the admin group placed at a township is not a county admin.
    users["town_admin"] = staff_user("town_admin", world["regions"]["town_a"], "admin")
    for role in ("town_a", "viewer", "town_admin"):
        client.force_login(users[role])
        client.post(change, data)
        item.refresh_from_db()
        assert item.weight == 1, role
        assert client.post(reverse("admin:assessments_assessmentitem_add"), data).status_code == 403
    client.force_login(users["admin"])
    assert client.post(change, data).status_code == 302
    item.refresh_from_db()
    assert item.weight == 5
    thresholds = reverse("admin:assessments_assessmentthresholds_change", args=[1])
    client.force_login(users["town_a"])
    client.post(thresholds, {"yellow_from": "1", "red_from": "2"})
    assert AssessmentThresholds.current().red_from == 6
    client.force_login(users["admin"])
    assert client.post(thresholds, {"yellow_from": "5", "red_from": "4"}).status_code == 200  # refused: red ≤ yellow
    assert client.post(thresholds, {"yellow_from": "4", "red_from": "8"}).status_code == 302
    assert (AssessmentThresholds.current().yellow_from, AssessmentThresholds.current().red_from) == (4, 8)


def test_the_admin_changelist_has_a_fixed_number_of_queries(client, world, users, items, django_assert_max_num_queries):
    for _ in range(3):
        record(world["a"]["child"], pick(items, 3))
        record(world["b"]["child"], pick(items, 1))
    client.force_login(users["admin"])
    url = reverse("admin:assessments_assessment_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 6
    client.force_login(users["town_a"])
    assert len(client.get(url).context["cl"].result_list) == 3


def test_the_profile_section_has_a_fixed_number_of_queries(world, users, items, django_assert_num_queries):
    from assessments.profile import profile_context

    child = world["a"]["child"]
    for _ in range(3):
        record(child, pick(items, 3))
    user = users["town_a"]
    user.has_perm("assessments.add_assessment"), user.staff_profile.region  # per request, cached
    with django_assert_num_queries(2):
        context = profile_context(user, child)
        groups = context["assessment_groups"]
        [a.card_change for a in context["assessments"]]
    assert len(context["assessments"]) == 3 and len(groups) == 6
