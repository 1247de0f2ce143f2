"""The admin page where a county admin adds townships or villages by name; codes are proposed."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.security import as_pk

from .models import Level, Region
from .proposals import may_add_below, next_free_code, regions_add_below


class AddBelowForm(forms.Form):
    parent = forms.ModelChoiceField(label=gettext_lazy("Below"), queryset=Region.objects.none())
    names = forms.CharField(
        label=gettext_lazy("Names"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("One township or village per line; each gets the next free code."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = Region.objects.for_user(user).filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
        self.fields["parent"].queryset = scope.order_by("code")


def regions_add_view(request):
    if not may_add_below(request.user):
        raise PermissionDenied
    form = AddBelowForm(request.POST or None, user=request.user, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            created = regions_add_below(user=request.user, parent=parent, names=form.cleaned_data["names"].splitlines())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            listed = "、".join(f"{name}（{code}）" for code, name in created) or "—"
            messages.success(request, _("Added below %(parent)s: %(listed)s") % {"parent": parent, "listed": listed})
            return redirect(f"{request.path}?parent={parent.pk}")
    chosen = as_pk(form["parent"].value())
    parent = form.fields["parent"].queryset.filter(pk=chosen).first() if chosen is not None else None
    try:
        proposed = next_free_code(parent) if parent is not None else ""
    except ValidationError as exc:
        proposed = " ".join(exc.messages)
    context = {
        **admin.site.each_context(request),
        "title": _("Add townships or villages"),
        "form": form,
        "parent": parent,
        "proposed": proposed,
    }
    return TemplateResponse(request, "regions/add_below.html", context)
