"""Visit entry for township staff on a phone, and the checked photo view.

Pages outside the admin; every row is reached through ``for_user`` like in the admin.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.forms import tick_from_form
from children.models import Child
from core.idnumber import mask_id_number, normalise_text
from core.masking import guardian_phone_for, identity_search_for, sees_guardian_phone
from core.security import as_pk
from core.signals import access_logged, child_record_viewed
from volunteers.models import Volunteer

from .forms import VisitEntryForm, current_mother_ids, mother_label, search_mothers
from .models import Visit, VisitMode, VisitPhoto
from .services import DuplicateVisit, visit_add_photos, visit_record

LOGIN_URL = reverse_lazy("admin:login")
SEARCH_LIMIT = 20


def staff_page(perm):
    """Login (through the admin's login page) and a model permission; 403 when it is missing."""

    def decorate(view):
        return login_required(permission_required(perm, raise_exception=True)(view), login_url=LOGIN_URL)

    return decorate


def child_label(child) -> str:
    # Always masked: labels are shown on phones in the field, whatever the role.
    return f"{child.name} {mask_id_number(child.id_number)} · {child.region.name}"


def search_children(user, query: str):
    """Children by name, or by their complete ID number — never by a part of it.

    The last four digits used to find a child, but with the birth year beside the mask they
    leave about 33 candidates for the other digits (see core.idnumber.mask_id_number); a
    complete number is what staff have on paper anyway.
    """
    query = normalise_text(query).upper()
    if not query:
        return Child.objects.none()
    access_logged.send(sender=Child, user=user, kind="search", place="visit_entry", detail=query)
    number = identity_search_for(user, query)
    condition = Q(id_number=number) if len(number) == 18 else Q(name__icontains=query) | Q(name_pinyin__icontains=query)
    return (
        Child.objects.for_user(user)
        .active()
        .filter(condition)
        .select_related("region")
        .order_by("name", "id")[:SEARCH_LIMIT]
    )


@require_GET
@staff_page("activities.add_visit")
def child_search(request):
    """JSON for the autocomplete: ``{"results": [{"id", "label", "url"}]}``."""
    entry = reverse("activities:visit_entry")
    results = [
        {"id": c.pk, "label": child_label(c), "url": f"{entry}?child={c.pk}"}
        for c in search_children(request.user, request.GET.get("q", ""))
    ]
    return JsonResponse({"results": results})


def _chosen_child(user, raw):
    pk = as_pk(raw)
    if pk is None:
        return None
    return Child.objects.for_user(user).active().select_related("region").filter(pk=pk).first()


@staff_page("activities.add_visit")
def visit_entry(request):
    """Step 1 (no child chosen): search. Step 2: the visit form for the chosen child."""
    user = request.user
    if request.method == "POST":
        child = _chosen_child(user, request.POST.get("child"))
        form = VisitEntryForm(request.POST, request.FILES, user=user, child=child)
        if form.is_valid():
            try:
                visit = _save(form, user)
            except DuplicateVisit as duplicate:
                if duplicate.existing.entry_token != form.cleaned_data["entry_token"]:
                    form.add_error(None, duplicate)
                else:
                    messages.info(request, _("This visit had already been saved; it was not stored twice."))
                    return redirect("activities:visit_saved", pk=duplicate.existing.pk)
            except ValidationError as error:  # e.g. its month was closed since the form was checked
                form.add_error(None, error)
            else:
                messages.success(request, _("The visit has been saved."))
                return redirect("activities:visit_saved", pk=visit.pk)
    else:
        child = _chosen_child(user, request.GET.get("child"))
        if child is None:
            query = request.GET.get("q", "")
            return render(
                request,
                "activities/visit_search.html",
                {
                    "query": query,
                    "results": [(c, child_label(c)) for c in search_children(user, query)],
                    "not_found": bool(request.GET.get("child")),
                },
            )
        form = VisitEntryForm(
            user=user,
            child=child,
            initial={
                "child": child.pk,
                "visited_on": timezone.localdate(),
                "visitors": current_mother_ids(child),
                "mode": form_default_mode(),
                "entry_token": uuid.uuid4(),
            },
        )
    listed = form.listed_mothers()
    guardian_phone = ""
    if child is not None and child.guardian_phone:
        guardian_phone = guardian_phone_for(user, child.guardian_phone)
        if request.method == "GET" and sees_guardian_phone(user):
            # A page that shows a guardian's full phone is a look at the child's record: logged
            # like the profile (audit.RecordView), who saw which child's numbers and when.
            child_record_viewed.send(sender=visit_entry, user=user, child=child)
    return render(
        request,
        "activities/visit_form.html",
        {
            "form": form,
            "child": child,
            "child_label": child_label(child) if child else "",
            "listed_mothers": listed,
            "has_current": any(row["current"] for row in listed),
            "guardian_phone": guardian_phone,
            "guardian_phone_full": bool(guardian_phone) and sees_guardian_phone(user),
        },
    )


@require_GET
@staff_page("activities.add_visit")
def mother_search(request):
    """JSON for the visit form's mother search: ``{"results": [{"id", "label"}]}``.

    Only for a child the user may see (else no results); the mothers come from ``for_user``,
    the child's current mothers are listed on the form already.
    """
    child = _chosen_child(request.user, request.GET.get("child"))
    query = request.GET.get("q", "")
    if child is None or not normalise_text(query):
        return JsonResponse({"results": []})
    access_logged.send(sender=Volunteer, user=request.user, kind="search", place="visit_mothers", detail=query)
    found = search_mothers(request.user, child, query)[:SEARCH_LIMIT]
    return JsonResponse({"results": [{"id": m.pk, "label": mother_label(m)} for m in found]})


def form_default_mode():
    return VisitMode.objects.filter(is_active=True).values_list("pk", flat=True).first()


def _save(form, user) -> Visit:
    data = form.cleaned_data
    with transaction.atomic():
        visit = visit_record(
            child=data["child"],
            visited_on=data["visited_on"],
            mode=data["mode"],
            visitors=list(data["visitors"]),
            staff_visitors=data["staff_visitors"].strip(),
            findings=data["findings"].strip(),
            help_given=data["help_given"].strip(),
            goods_value=data["goods_value"],
            reassessed_colour=data["reassessed_colour"],
            reassessment_reason=data["reassessment_reason"].strip(),
            correction_reason=data["correction_reason"].strip(),
            entry_token=data["entry_token"],
            by=user,
        )
        if data["photos"]:
            visit_add_photos(visit=visit, photos=data["photos"])
        tick_from_form(visit, data, by=user)
    return visit


@require_GET
@staff_page("activities.add_visit")
def visit_saved(request, pk):
    visit = get_object_or_404(Visit.objects.for_user(request.user).select_related("mode"), pk=pk)
    child = Child.objects.with_visit_schedule().select_related("region").get(pk=visit.child_id)
    return render(
        request,
        "activities/visit_saved.html",
        {"visit": visit, "child": child, "child_label": child_label(child), "photo_count": visit.photos.count()},
    )


@require_GET
@staff_page("activities.view_visit")
def visit_photo(request, pk):
    """A visit photo, only for a user who may see the child; never cached by shared caches."""
    photo = get_object_or_404(VisitPhoto.objects.for_user(request.user).select_related("visit__child"), pk=pk)
    access_logged.send(
        sender=VisitPhoto, user=request.user, kind="photo", place="visit_photo", detail=str(pk), child=photo.visit.child
    )
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def site_dropdown(request):
    """Links in the admin's site menu (UNFOLD["SITE_DROPDOWN"]): the phone visit page for those who may use it."""
    if not request.user.has_perm("activities.add_visit"):
        return []
    return [{"title": _("Record a visit"), "link": reverse("activities:visit_entry"), "icon": "add_location_alt"}]
