"""Changelist filters for children: visit status by card colour, pairing status, age limit."""

import datetime

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import next_due_within, overdue_condition

#: Children due within this many days count as "due soon".
DUE_SOON_DAYS = 7


def _scheduled(queryset):
    if "days_overdue" in queryset.query.annotations:
        return queryset
    return queryset.with_visit_schedule()


class VisitStatusFilter(admin.SimpleListFilter):
    """走访状态 — computed in the database from the visit schedule annotation."""

    title = _("visit status")
    parameter_name = "visit_status"
    OVERDUE, DUE_SOON, ON_SCHEDULE = "overdue", "due_soon", "ok"

    def lookups(self, request, model_admin):
        return [
            (self.OVERDUE, _("overdue")),
            (self.DUE_SOON, _("due within 7 days")),
            (self.ON_SCHEDULE, _("on schedule")),
        ]

    def queryset(self, request, queryset):
        # On the stored last visit (children.models.next_due_within): index ranges, no
        # per-child look at the visits.
        today, day = timezone.localdate(), datetime.timedelta(days=1)
        conditions = {
            self.OVERDUE: lambda: overdue_condition(today),
            self.DUE_SOON: lambda: next_due_within(today, today + DUE_SOON_DAYS * day),
            self.ON_SCHEDULE: lambda: next_due_within(today + (DUE_SOON_DAYS + 1) * day, None),
        }
        if self.value() not in conditions:
            return queryset
        return _scheduled(queryset).active().filter(conditions[self.value()]())


class PairingStatusFilter(admin.SimpleListFilter):
    """未结对 — active children without an open pairing."""

    title = _("pairing status")
    parameter_name = "pairing"
    UNPAIRED, PAIRED = "unpaired", "paired"

    def lookups(self, request, model_admin):
        return [(self.UNPAIRED, _("unpaired")), (self.PAIRED, _("paired"))]

    def queryset(self, request, queryset):
        if self.value() == self.UNPAIRED:
            return queryset.unpaired()
        if self.value() == self.PAIRED:
            from pairing.models import Pairing

            open_pairing = Pairing.objects.filter(child=OuterRef("pk"), ended_on__isnull=True)
            return queryset.active().filter(Exists(open_pairing))
        return queryset


class AgeLimitFilter(admin.SimpleListFilter):
    """到龄 — children on the books who have reached, or soon reach, their age limit (18; 16 for
    a left-behind child: ``children.models.AGE_LIMITS_BY_CATEGORY``), counted by month. A prompt
    for a person to decide on the exit; nothing exits by itself."""

    title = _("age limit")
    parameter_name = "age_limit"
    PAST, SOON = "past", "soon"
    SOON_DAYS = 60

    def lookups(self, request, model_admin):
        return [(self.PAST, _("reached the age limit")), (self.SOON, _("reaches the age limit within 60 days"))]

    def queryset(self, request, queryset):
        if self.value() == self.PAST:
            return queryset.active().past_age_limit()
        if self.value() == self.SOON:
            return queryset.active().reaching_age_limit(within_days=self.SOON_DAYS)
        return queryset


def overdue_red_first(changelist_class):
    """A changelist that lists overdue children red cards first, then the longest overdue.

    Ordering by annotations must happen after the admin's base queryset is built, so it lives
    on the changelist rather than in ``ModelAdmin.get_ordering``.
    """

    class OverdueChangeList(changelist_class):
        def get_ordering(self, request, queryset):
            overdue = self.params.get(VisitStatusFilter.parameter_name) == VisitStatusFilter.OVERDUE
            if overdue and ORDER_VAR not in self.params:
                return ["colour_rank", "-days_overdue", "-pk"]
            return super().get_ordering(request, queryset)

    return OverdueChangeList
