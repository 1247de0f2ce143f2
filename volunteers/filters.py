"""The mothers' list: the 30天未联系 filter and the columns of her work (issue 15, item 8)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoContactFilter(admin.SimpleListFilter):
    """30天未联系 — mothers with an open pairing and no contact with that child for 30 days
    (``VolunteerQuerySet.without_contact``, the 待办 list's definition)."""

    title = _("contact")
    parameter_name = "no_contact"
    DAYS30 = "30"

    def lookups(self, request, model_admin):
        return [(self.DAYS30, _("No contact for 30 days"))]

    def queryset(self, request, queryset):
        if self.value() == self.DAYS30:
            return queryset.without_contact(user=request.user, today=timezone.localdate())
        return queryset


def with_work_columns(changelist_class):
    """A changelist whose rows carry the mother's work (``VolunteerQuerySet.with_work``): only
    the list's page computes it, not the change form, the autocomplete or the mother picker."""

    class WorkChangeList(changelist_class):
        def get_queryset(self, request, exclude_parameters=None):
            queryset = super().get_queryset(request, exclude_parameters)
            return queryset.with_work(user=request.user, today=timezone.localdate())

    return WorkChangeList
