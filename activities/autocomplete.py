"""The admin visit form's mother picker: the user's mothers and the current mothers of its children.

Django's autocomplete answers from the related admin's queryset (the caring mothers of the
user's area), so a mother of another township paired with one of the user's children could not
be found on a visit to that child. This view answers the same request with those mothers added;
the form and ``activities.services.visit_check_visitors`` still accept such a mother only on a
visit to a child she is currently paired with.
"""

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse

from .models import Visit


def creditable_mothers(user):
    """Mothers the user may credit on some visit: its own, and the current mothers of its children."""
    from pairing.models import PairingMember
    from volunteers.models import Volunteer

    paired = PairingMember.objects.for_user(user).current().values("volunteer_id")
    return Volunteer.objects.filter(Q(pk__in=Volunteer.objects.for_user(user).values("pk")) | Q(pk__in=paired))


class VisitorsAutocompleteView(AutocompleteJsonView):
    def process_request(self, request):
        # This view answers for Visit.visitors only: asked for another field it would run that
        # field's admin search against mothers (a FieldError, a 500).
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if (source_field.model, source_field.name) != (Visit, "visitors"):
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name

    def get_queryset(self):
        queryset = creditable_mothers(self.request.user).select_related("region")
        queryset = queryset.complex_filter(self.source_field.get_limit_choices_to())
        queryset, _distinct = self.model_admin.get_search_results(self.request, queryset, self.term)
        return queryset.order_by("name", "pk")

    def serialize_result(self, obj, to_field_name):
        # The township beside the name: two mothers of one name in different townships.
        return {"id": str(getattr(obj, to_field_name)), "text": f"{obj.name} · {obj.region.name}"}


class VisitorsAutocomplete(AutocompleteSelectMultiple):
    """The visitors box of the admin visit form, asking ``VisitorsAutocompleteView``."""

    def get_url(self):
        return reverse(f"{self.admin_site.name}:activities_visit_visitors_autocomplete")
