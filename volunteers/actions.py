from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminTextInputWidget

from children.actions import ActionForm, date_field, form_action, not_in_future


class LeaveProgrammeForm(ActionForm):
    on = date_field(_("left on"))
    reason = forms.CharField(label=_("reason for leaving"), max_length=200, widget=UnfoldAdminTextInputWidget)

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])


def leaving(modeladmin, request):
    from pairing.services import volunteer_leave

    def apply(volunteer, data):
        orphaned = volunteer_leave(volunteer=volunteer, on=data["on"], reason=data["reason"], by=request.user)
        if orphaned:
            names = "、".join(str(p.child) for p in orphaned)
            modeladmin.message_user(
                request,
                gettext("Now without a caring mother, to be paired again: %(names)s") % {"names": names},
                messages.WARNING,
            )

    return {"form_class": LeaveProgrammeForm, "title": _("Leave the programme"), "apply": apply}


@admin.action(description=_("Leave the programme"), permissions=["change"])
def leave_programme(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, **leaving(modeladmin, request))
