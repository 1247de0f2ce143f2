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


def mother_account_page(modeladmin, request, object_id):
    """The detail action 开通爱心妈妈账号: a confirmation, then the one-time password shown once
    (never cached, as the staff accounts' page does)."""
    from django.core.exceptions import ValidationError
    from django.http import Http404
    from django.template.response import TemplateResponse
    from django.urls import reverse
    from django.utils.cache import add_never_cache_headers

    from .services import mother_account_grant

    volunteer = modeladmin.get_queryset(request).filter(pk=object_id).first()
    if volunteer is None:
        raise Http404
    back = reverse("admin:volunteers_volunteer_change", args=[volunteer.pk])
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Open an account for %(name)s") % {"name": volunteer.name},
        "volunteer": volunteer,
        "opts": modeladmin.opts,
        "back": back,
        "login_url": request.build_absolute_uri(reverse("mothers:login")),
    }
    if request.method == "POST":
        try:
            user, password = mother_account_grant(volunteer=volunteer, by=request.user)
        except ValidationError as error:
            context["errors"] = error.messages
        else:
            context.update(account=user, password=password)
    response = TemplateResponse(request, "volunteers/mother_account.html", context)
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return response
