"""The assessments section of the child's profile (templates/children/profile/_assess.html)."""

from django.db.models import Prefetch

from .models import Assessment, AssessmentAnswer, ItemGroup


def profile_context(user, child) -> dict:
    """The latest assessment with its answers grouped, and every assessment that changed the card.

    Two queries whatever the history's length."""
    assessments = list(
        Assessment.objects.for_user(user)
        .filter(child=child)
        .select_related("by", "card_change")
        .prefetch_related(Prefetch("answers", queryset=AssessmentAnswer.objects.select_related("item")))[:20]
    )
    latest = assessments[0] if assessments else None
    groups = []
    if latest is not None:
        by_group = {value: (label, []) for value, label in ItemGroup.choices}
        for answer in latest.answers.all():
            by_group[answer.item.group][1].append(answer)
        groups = [g for g in by_group.values() if g[1]]
    return {
        "assessment_latest": latest,
        "assessment_groups": groups,
        "assessments": assessments,
        "can_assess": user.has_perm("assessments.add_assessment") and child.status == child.Status.ACTIVE,
    }
