"""Recording an assessment: the only way assessments are written (form page, admin, tests)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from children.models import CardColour, Child
from children.services import child_change_colour

from .models import Assessment, AssessmentAnswer, AssessmentItem, AssessmentThresholds

#: The reason on a card change made by an assessment (the visit's own is 走访评估).
ASSESSMENT_REASON = "评估"


def assessment_score(items, checked_ids) -> int:
    return sum(item.weight for item in items if item.pk in checked_ids)


def assessment_suggest(score: int, thresholds: AssessmentThresholds | None = None) -> str:
    return (thresholds or AssessmentThresholds.current()).suggest(score)


def _card_reason(assessment: Assessment, correction_reason: str) -> str:
    from closing.services import closed_for

    reason = ASSESSMENT_REASON
    if assessment.overridden:
        reason = f"{reason}（{_('overridden')}：{assessment.override_reason}）"
    if closed_for(assessment.child.region, assessment.assessed_on):
        # A colour dated in a closed month is a correction of it: its reason is a person's, not "评估".
        if not (correction_reason or "").strip():
            raise ValidationError(
                _("%(day)s is in a closed month: a colour change dated in it is a correction and needs a reason.")
                % {"day": f"{assessment.assessed_on:%Y-%m-%d}"},
                code="closed",
            )
        reason = f"{reason}（{_('correction')}：{correction_reason.strip()}）"
    return reason[:200]


@transaction.atomic
def assessment_record(
    *,
    child: Child,
    checked_items,
    assessed_on: datetime.date,
    chosen_colour: str = "",
    override_reason: str = "",
    notes: str = "",
    visit=None,
    correction_reason: str = "",
    by=None,
) -> Assessment:
    """Score the checked items, suggest a colour, record the chosen one.

    ``checked_items``: the active checklist items found present (items or their ids). Every
    active item gets an answer row. ``chosen_colour`` empty confirms the suggestion; another
    colour needs ``override_reason``. When the chosen colour differs from the child's card, the
    card changes through ``child_change_colour`` (reason 评估) and the assessment keeps the link.
    """
    # ``by`` None: the system itself (tests, commands); a person needs the permission and the child in scope.
    if by is not None and not (
        by.has_perm("assessments.add_assessment") and Child.objects.for_user(by).filter(pk=child.pk).exists()
    ):
        raise PermissionDenied
    if child.status != Child.Status.ACTIVE:
        raise ValidationError(_("%(name)s has exited; an exited child is not assessed.") % {"name": child.name})
    if assessed_on > timezone.localdate():
        raise ValidationError(_("The assessment date cannot be in the future."), code="future")
    if visit is not None and visit.child_id != child.pk:
        raise ValidationError(_("The visit is not one of this child's."), code="visit")
    items = list(AssessmentItem.objects.filter(active=True))
    if not items:
        raise ValidationError(_("The assessment checklist has no items in use."), code="empty")
    active_ids = {item.pk for item in items}
    checked_ids = {getattr(i, "pk", i) for i in checked_items}
    unknown = checked_ids - active_ids
    if unknown:
        raise ValidationError(_("Unknown or retired checklist items were answered."), code="items")
    thresholds = AssessmentThresholds.current()
    score = assessment_score(items, checked_ids)
    suggested = thresholds.suggest(score)
    chosen = chosen_colour or suggested
    if chosen not in CardColour.values:
        raise ValidationError(_("Unknown card colour: %(colour)s") % {"colour": chosen})
    override_reason = (override_reason or "").strip()
    if chosen != suggested and not override_reason:
        raise ValidationError(
            {"override_reason": _("Choosing a colour other than the suggested one needs a reason.")},
            code="override",
        )
    assessment = Assessment(
        child=child,
        assessed_on=assessed_on,
        by=by if getattr(by, "is_authenticated", False) else None,
        visit=visit,
        score=score,
        yellow_from=thresholds.yellow_from,
        red_from=thresholds.red_from,
        suggested_colour=suggested,
        chosen_colour=chosen,
        override_reason=override_reason if chosen != suggested else "",
        notes=notes or "",
    )
    child = Child.objects.select_for_update().select_related("region").get(pk=child.pk)
    assessment.child = child
    if chosen != child.card_colour:
        assessment.card_change = child_change_colour(
            child=child,
            to_colour=chosen,
            effective_on=assessed_on,
            reason=_card_reason(assessment, correction_reason),
            by=assessment.by,
        )
    assessment.full_clean()
    assessment.save()
    AssessmentAnswer.objects.bulk_create(
        AssessmentAnswer(assessment=assessment, item=item, checked=item.pk in checked_ids, weight=item.weight)
        for item in items
    )
    return assessment
