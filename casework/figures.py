"""Read side of casework: the dashboard's counts and the profile's section."""

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from children.models import CardColour, Child

from .models import OPEN_REFERRAL_STATUSES, Need, Referral, Supervision, SupervisionStatus


def red_without_plan(user):
    """Active children with a red card and no open need: the ones without a help plan."""
    open_need = Need.objects.open().filter(child=OuterRef("pk"))
    return (
        Child.objects.for_user(user)
        .filter(status=Child.Status.ACTIVE, card_colour=CardColour.RED)
        .exclude(Exists(open_need))
    )


def dashboard_counts(user) -> dict:
    """Three queries whatever the region's size (one per table)."""
    today = timezone.localdate()
    referrals = Referral.objects.for_user(user).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_REFERRAL_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_REFERRAL_STATUSES, due_on__lt=today)),
    )
    supervisions = Supervision.objects.for_user(user).aggregate(
        open=Count("pk", filter=Q(status=SupervisionStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=SupervisionStatus.OPEN, reply_by__lt=today)),
    )
    changelist = "admin:casework_{}_changelist".format
    return {
        "casework": {
            "red_without_plan": red_without_plan(user).count(),
            "open_referrals": referrals["open"],
            "overdue_referrals": referrals["overdue"],
            "open_supervisions": supervisions["open"],
            "overdue_supervisions": supervisions["overdue"],
            "links": {
                "referrals": f"{reverse(changelist('referral'))}?status__in=sent,accepted",
                "overdue_referrals": f"{reverse(changelist('referral'))}?overdue=1",
                "supervisions": f"{reverse(changelist('supervision'))}?status__exact=open",
                "needs": reverse(changelist("need")),
                "red_without_plan": reverse("admin:casework_need_red_without_plan"),
            },
        }
    }


def profile_section(user, child) -> dict:
    """The profile's 需求与帮扶 section: open needs with their referrals (two queries)."""
    needs = list(
        Need.objects.for_user(user)
        .filter(child=child)
        .open()
        .select_related("volunteer", "team", "department")
        .prefetch_related("referrals__department")
        .order_by("due_on", "id")
    )
    return {
        "case_needs": needs,
        "case_can_add": user.has_perm("casework.add_need"),
        "case_can_refer": user.has_perm("casework.add_referral"),
    }


def open_needs_on(day):
    """For the 结对帮扶关爱台账 (``ListOf`` over ``OuterRef("pk")``, a child): the needs open on
    ``day`` — found by then and not closed by then — as 「学业：数学跟不上（已转介）」, one per line."""
    from django.db.models import Case, F, TextField, Value, When
    from django.db.models.functions import Concat

    from .models import NeedKind, NeedStatus

    def label(field, choices):
        whens = [When(**{field: value}, then=Value(str(text))) for value, text in choices]
        return Case(*whens, default=F(field), output_field=TextField())

    return (
        Need.objects.filter(child=OuterRef("pk"), found_on__lte=day)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .order_by("found_on", "pk")
        .values(
            v=Concat(
                label("kind", NeedKind.choices),
                Value("："),
                F("description"),
                Value("（"),
                label("status", NeedStatus.choices),
                Value("）"),
                output_field=TextField(),
            )
        )
    )
