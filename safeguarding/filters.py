from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from .models import Consent, ConsentPurpose


class ConsentFilter(admin.SimpleListFilter):
    """同意书: children whose guardian's consent to processing is (not) recorded and in force."""

    title = _("consent form")
    parameter_name = "consent"
    MISSING, RECORDED = "missing", "recorded"

    def lookups(self, request, model_admin):
        return [(self.MISSING, _("not recorded")), (self.RECORDED, _("recorded"))]

    def queryset(self, request, queryset):
        given = Exists(Consent.objects.in_force().filter(child=OuterRef("pk"), purpose=ConsentPurpose.PROCESSING))
        if self.value() == self.MISSING:
            return queryset.filter(~given)
        if self.value() == self.RECORDED:
            return queryset.filter(given)
        return queryset
