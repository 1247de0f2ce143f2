"""The assessment page: from the child's profile (or the visit-saved page, with ?visit=)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from activities.models import Visit
from children.models import Child

from .forms import AssessmentForm
from .models import AssessmentItem, AssessmentThresholds
from .services import assessment_record, assessment_score


@login_required(login_url=reverse_lazy("admin:login"))
@permission_required("assessments.add_assessment", raise_exception=True)
def assessment_new(request, pk):
    child = get_object_or_404(Child.objects.for_user(request.user).active().select_related("region"), pk=pk)
    items = list(AssessmentItem.objects.filter(active=True))
    visits = list(Visit.objects.filter(child=child).select_related("mode").order_by("-visited_on")[:20])
    initial = {"visit": request.GET.get("visit")} if request.method == "GET" else None
    form = AssessmentForm(request.POST or None, items=items, visits=visits, initial=initial)
    thresholds = AssessmentThresholds.current()
    suggestion = None
    if request.method == "POST" and form.is_valid():
        checked = form.checked_ids()
        score = assessment_score(items, checked)
        suggestion = {"score": score, "colour": thresholds.suggest(score)}
        if "_save" in request.POST:
            visit = next((v for v in visits if v.pk == form.cleaned_data["visit"]), None)
            try:
                assessment_record(
                    child=child,
                    checked_items=checked,
                    assessed_on=form.cleaned_data["assessed_on"],
                    chosen_colour=form.cleaned_data["chosen_colour"],
                    override_reason=form.cleaned_data["override_reason"],
                    notes=form.cleaned_data["notes"],
                    visit=visit,
                    correction_reason=form.cleaned_data["correction_reason"],
                    by=request.user,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                messages.success(request, _("The assessment has been saved."))
                return redirect(child.get_absolute_url())
    return render(
        request,
        "assessments/assessment_form.html",
        {"child": child, "form": form, "thresholds": thresholds, "suggestion": suggestion},
    )
