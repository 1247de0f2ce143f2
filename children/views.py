"""The child's profile (档案): one printable page with everything recorded about a child."""

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy

from activities.models import Visit, VisitPhoto
from assessments.profile import profile_context as assessment_profile_context
from casework.figures import profile_section as casework_profile
from core.masking import age_for, birth_date_for, guardian_phone_for, id_number_for, phone_for, sees_guardian_phone
from core.signals import child_record_viewed
from pairing.models import Pairing, PairingMember
from safeguarding.panels import profile_safeguard
from volunteers.models import Volunteer

from .family import profile_family
from .models import CardChange, Child


@login_required(login_url=reverse_lazy("admin:login"))
@permission_required("children.view_child", raise_exception=True)
def child_profile(request, pk):
    user = request.user
    # A fixed number of queries whatever the history's length: one per list, none per row.
    child = get_object_or_404(
        Child.objects.for_user(user)
        .with_visit_schedule()
        .select_related("region__parent", "category")
        .prefetch_related(
            "difficulties",
            Prefetch("card_changes", queryset=CardChange.objects.select_related("changed_by")),
            Prefetch(
                "pairings",
                queryset=Pairing.objects.order_by("-started_on").prefetch_related(
                    Prefetch(
                        "members",
                        queryset=PairingMember.objects.select_related("volunteer").order_by("joined_on", "id"),
                    )
                ),
            ),
            Prefetch(
                "visits",
                queryset=Visit.objects.select_related("mode").prefetch_related(
                    Prefetch("visitors", queryset=Volunteer.objects.only("id", "name")),
                    Prefetch("photos", queryset=VisitPhoto.objects.only("id", "visit_id")),
                ),
            ),
        ),
        pk=pk,
    )
    child_record_viewed.send(sender=Child, user=user, child=child)
    pairings = [
        {
            "pairing": pairing,
            "members": [{"member": m, "phone": phone_for(user, m.volunteer.phone)} for m in pairing.members.all()],
        }
        for pairing in child.pairings.all()
    ]
    return render(
        request,
        "children/profile.html",
        {
            "child": child,
            "id_number": id_number_for(user, child.id_number),
            # A masked role sees the birth year and no age (see core.idnumber.mask_id_number).
            "birth_date": birth_date_for(user, child.birth_date),
            "age": age_for(user, child),
            # Township staff call the family: the full guardian's phone (a tel: link), see core.masking.
            "guardian_phone": guardian_phone_for(user, child.guardian_phone),
            "guardian_phone_full": sees_guardian_phone(user),
            "card_changes": child.card_changes.all(),
            "pairings": pairings,
            "visits": child.visits.all(),
            "family": profile_family(user, child),
            "safeguard": profile_safeguard(user, child),
            "can_add_visit": user.has_perm("activities.add_visit") and child.status == Child.Status.ACTIVE,
            **assessment_profile_context(user, child),
            **casework_profile(user, child),
        },
    )
