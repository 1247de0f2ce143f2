from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from .models import Consent, ConsentPurpose


def processing_consent_given() -> Exists:
    """Whether the outer child's guardian's consent to processing is recorded and in force."""
    return Exists(Consent.objects.in_force().filter(child=OuterRef("pk"), purpose=ConsentPurpose.PROCESSING))


class ConsentFilter(admin.SimpleListFilter):
    """监护人同意: children whose guardian's consent to processing is (not) recorded and in force."""

    title = _("consent")
    parameter_name = "consent"
    MISSING, RECORDED = "missing", "recorded"

    def lookups(self, request, model_admin):
        return [(self.MISSING, _("not recorded")), (self.RECORDED, _("recorded"))]

    def queryset(self, request, queryset):
        given = processing_consent_given()
        if self.value() == self.MISSING:
            return queryset.filter(~given)
        if self.value() == self.RECORDED:
            return queryset.filter(given)
        return queryset
