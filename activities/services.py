"""Recording visits and activities: one path for the admin, the phone page and imports."""

import datetime
import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.models import Child
from children.services import child_change_colour
from core.idnumber import normalise_text
from reports import summary
from safeguarding.services import require_photo_consent

from .models import Activity, Visit, VisitMode, VisitPhoto
from .schedule import schedule_refresh

#: The reason recorded on a card change that came from a visit's reassessment.
REASSESSMENT_REASON = "走访评估"
#: Photos a single visit may carry.
MAX_PHOTOS_PER_VISIT = 6


class DuplicateVisit(ValidationError):
    """The visit is already recorded (same natural key, or the same form submitted again)."""

    def __init__(self, existing: Visit):
        super().__init__(_("This visit is already recorded (%(visit)s).") % {"visit": existing}, code="duplicate_visit")
        self.existing = existing


def visit_natural_key(*, child_id: int, visited_on: datetime.date, mode_id: int, visitor_ids, staff_visitors="") -> str:
    """The key the visit ledger identifies a visit by: child, date, mode, the mothers who went
    and the staff who went. Stored hashed on the visit (the mothers are a set, which a unique
    constraint cannot cover) so that the database refuses a second copy whoever writes it.
    Frozen in migration 0005, which filled it for visits stored before."""
    mothers = ",".join(str(pk) for pk in sorted({int(pk) for pk in visitor_ids}))
    raw = f"{child_id}|{visited_on.isoformat()}|{mode_id}|{mothers}|{normalise_text(staff_visitors)}"
    return hashlib.sha256(raw.encode()).hexdigest()


def visit_find_duplicate(*, visit: Visit, visitors, entry_token=None) -> Visit | None:
    """The stored visit ``visit`` would duplicate (by natural key or by form token), if any."""
    key = _key_of(visit, visitors)
    same = Q(natural_key=key) | (Q(entry_token=entry_token) if entry_token else Q(pk__in=[]))
    return Visit.objects.filter(same).exclude(pk=visit.pk).select_related("child").first()


def _key_of(visit: Visit, visitors) -> str:
    return visit_natural_key(
        child_id=visit.child_id,
        visited_on=visit.visited_on,
        mode_id=visit.mode_id,
        visitor_ids=[getattr(v, "pk", v) for v in visitors],
        staff_visitors=visit.staff_visitors,
    )


def current_mother_ids(child) -> list[int]:
    """The child's current mothers (members of its open pairing who have not left), wherever they live."""
    from pairing.models import PairingMember

    return list(PairingMember.objects.current().filter(pairing__child=child).values_list("volunteer_id", flat=True))


def visit_check_visitors(*, visit: Visit, visitors, by) -> None:
    """A visit credits only mothers ``by`` may see, or the child's current mothers wherever they
    live (a pairing across townships), or mothers the visit already credited. Anything else —
    a forged or stale id — is refused before anything is written. ``by=None`` (the server's own
    commands) is not checked."""
    from volunteers.models import Volunteer

    wanted = {int(getattr(v, "pk", v)) for v in visitors}
    if by is None or not wanted:
        return
    allowed = set(Volunteer.objects.for_user(by).filter(pk__in=wanted).values_list("pk", flat=True))
    allowed |= wanted & set(current_mother_ids(visit.child))
    if visit.pk is not None:
        allowed |= set(visit.visitors.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError(
            {
                "visitors": _(
                    "A caring mother ticked is neither in your area nor one of the child's current mothers; "
                    "nothing has been saved."
                )
            },
            code="visitor_out_of_scope",
        )


def visit_correction(*, visit: Visit, reason: str, by=None) -> None:
    """A visit dated (or moved out of) a closed month is a correction: it needs ``reason`` and is
    recorded (``closing.services.correction_record``); the stored ledger is never touched."""
    from closing.services import corrections_record

    # Where and when the visit is now, and where and when it was.
    places = {(visit.child.region, visit.visited_on)}
    if visit.pk is not None:
        places |= {
            (old.child.region, old.visited_on)
            for old in Visit.objects.filter(pk=visit.pk).select_related("child__region")
        }
    change = _("visit added") if visit.pk is None else _("visit changed")
    corrections_record(
        places=places,
        record=f"{visit.child.name} {visit.visited_on:%Y-%m-%d} {visit.mode}",
        change=str(change),
        reason=reason,
        by=by,
    )


@transaction.atomic
def visit_save(
    *, visit: Visit, visitors=(), reassessment_reason: str = "", correction_reason: str = "", entry_token=None, by=None
) -> Visit:
    """Save a new or changed visit with its mothers; the one way visits are written (phone page,
    admin, import).

    The mothers credited must be ones ``by`` may credit (``visit_check_visitors``). A reassessed
    colour that differs from the card changes it (with history). A visit already
    recorded raises ``DuplicateVisit`` naming it — also when the other copy is being saved by
    another request at this very moment (the unique key waits for it, then refuses).
    """
    visitors = list(visitors)
    visit_check_visitors(visit=visit, visitors=visitors, by=by)
    child_before, assessed_before = None, ""
    if visit.pk is None:
        visit.recorded_by = visit.recorded_by or by
        visit.entry_token = entry_token
    else:
        stored = Visit.objects.filter(pk=visit.pk).values_list("child_id", "reassessed_colour").first()
        child_before, assessed_before = stored or (None, "")
    changed_since = summary.earlier(Visit, visit, "visited_on")
    visit.natural_key = _key_of(visit, visitors)
    visit.full_clean(exclude=["natural_key", "entry_token"], validate_unique=False)
    if visit.visited_on > timezone.localdate():
        # Also what lets the stored schedule (Child.last_visited_on) stand for today.
        raise ValidationError({"visited_on": _("The visit date cannot be in the future.")}, code="future")
    existing = visit_find_duplicate(visit=visit, visitors=visitors, entry_token=entry_token)
    if existing is not None:
        raise DuplicateVisit(existing)
    visit_correction(visit=visit, reason=correction_reason, by=by)
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        existing = visit_find_duplicate(visit=visit, visitors=visitors, entry_token=entry_token)
        if existing is None:
            raise
        if visit._state.adding:
            visit.pk = None
        raise DuplicateVisit(existing) from None
    visit.visitors.set(visitors)
    schedule_refresh(child_ids=[visit.child_id, child_before])
    child = visit.child
    summary.child_changed(child, changed_since)
    if child_before and child_before != visit.child_id:  # moved to another child: the first one's months too
        summary.child_changed(Child.objects.get(pk=child_before), summary.DAWN)
    # Only a new or changed assessment moves the card: re-saving an old visit must not undo
    # a colour changed since.
    assessed = visit.reassessed_colour if visit.reassessed_colour != assessed_before else ""
    if assessed and assessed != child.card_colour:
        child_change_colour(
            child=child,
            to_colour=assessed,
            effective_on=visit.visited_on,
            reason=_reassessment_reason(visit, reassessment_reason, correction_reason),
            by=by,
        )
    return visit


#: The correction reason of a visit in a closed month deleted in the admin (superusers only).
DELETE_REASON = "超级管理员删除"


@transaction.atomic
def visit_delete(*, visit: Visit, correction_reason: str = DELETE_REASON, by=None) -> None:
    """Delete a visit (the admin lets only superusers; its history stays). In a closed month it
    is a correction, as a change is. The child's stored schedule moves back if it was the latest."""
    from closing.services import corrections_record

    stored = Visit.objects.select_related("child__region", "mode").get(pk=visit.pk)
    corrections_record(
        places={(stored.child.region, stored.visited_on)},
        record=f"{stored.child.name} {stored.visited_on:%Y-%m-%d} {stored.mode}",
        change=str(_("visit deleted")),
        reason=correction_reason,
        by=by,
    )
    stored.delete()
    schedule_refresh(child_ids=[stored.child_id])
    summary.child_changed(stored.child, stored.visited_on)


def _reassessment_reason(visit: Visit, reassessment_reason: str, correction_reason: str) -> str:
    """In a closed month the colour change is part of the visit's correction: its reason."""
    from closing.services import closed_for

    if correction_reason and closed_for(visit.child.region, visit.visited_on):
        return correction_reason
    return reassessment_reason or REASSESSMENT_REASON


def visit_record(
    *,
    child: Child,
    visited_on: datetime.date,
    mode: VisitMode,
    visitors=(),
    staff_visitors: str = "",
    findings: str = "",
    help_given: str = "",
    goods_value: Decimal = Decimal(0),
    reassessed_colour: str = "",
    reassessment_reason: str = "",
    notes: str = "",
    correction_reason: str = "",
    entry_token=None,
    by=None,
) -> Visit:
    """Record a new visit (see ``visit_save``)."""
    visit = Visit(
        child=child,
        visited_on=visited_on,
        mode=mode,
        staff_visitors=staff_visitors,
        findings=findings,
        help_given=help_given,
        goods_value=goods_value,
        reassessed_colour=reassessed_colour,
        notes=notes,
    )
    return visit_save(
        visit=visit,
        visitors=visitors,
        reassessment_reason=reassessment_reason,
        correction_reason=correction_reason,
        entry_token=entry_token,
        by=by,
    )


@transaction.atomic
def visit_add_photos(*, visit: Visit, photos) -> list[VisitPhoto]:
    """Store photos already checked and re-encoded by ``activities.photos.clean_photo``."""
    require_photo_consent(visit.child)
    if visit.photos.count() + len(photos) > MAX_PHOTOS_PER_VISIT:
        raise ValidationError(
            _("A visit has at most %(max)d photos.") % {"max": MAX_PHOTOS_PER_VISIT}, code="too_many_photos"
        )
    saved = []
    for content in photos:
        photo = VisitPhoto(visit=visit)
        photo.image.save(content.name, content, save=False)
        photo.save()
        saved.append(photo)
    return saved


def activity_correction(*, activity: Activity, reason: str, by=None) -> None:
    """An activity dated (or moved out of) a closed month is a correction, as a visit is."""
    from closing.services import corrections_record

    places = {(activity.region, activity.held_on)}
    if activity.pk is not None:
        places |= {
            (old.region, old.held_on) for old in Activity.objects.filter(pk=activity.pk).select_related("region")
        }
    change = _("activity added") if activity.pk is None else _("activity changed")
    corrections_record(
        places=places,
        record=f"{activity.title} {activity.held_on:%Y-%m-%d}",
        change=str(change),
        reason=reason,
        by=by,
    )


#: The attendance counts of an activity, each with the ticked list it may not fall below.
ACTIVITY_COUNTS = ("children_count", "volunteers_count", "person_times")


def activity_counts(
    *, children_count=None, volunteers_count=None, person_times=None, ticked_children=0, ticked_mothers=0
) -> dict[str, int]:
    """The attendance counts an activity stores, given what was entered and who is ticked.

    The counts follow the ticked lists: 参与儿童数 is at least the children ticked, 参与爱心妈妈数
    at least the mothers ticked (either may be higher: people taking part who are not
    registered), and 人次 at least everyone ticked. An empty count (None) is filled: the two head
    counts from their ticks, 人次 as the sum of the two head counts. A count below its ticks is
    refused (ValidationError naming the field), never silently raised: the person who typed it
    decides. An activity from a ledger has no ticks, so any counts it carries stand.
    """
    errors = {}
    if children_count is None:
        children_count = ticked_children
    elif children_count < ticked_children:
        errors["children_count"] = _(
            "%(count)d children are ticked: the count cannot be less. Enter at least %(count)d, or leave it empty."
        ) % {"count": ticked_children}
    if volunteers_count is None:
        volunteers_count = ticked_mothers
    elif volunteers_count < ticked_mothers:
        errors["volunteers_count"] = _(
            "%(count)d caring mothers are ticked: the count cannot be less. "
            "Enter at least %(count)d, or leave it empty."
        ) % {"count": ticked_mothers}
    ticked = ticked_children + ticked_mothers
    if person_times is None:
        person_times = children_count + volunteers_count
    elif person_times < ticked:
        errors["person_times"] = _(
            "%(count)d people are ticked (children and caring mothers): person-times cannot be less. "
            "Enter at least %(count)d, or leave it empty."
        ) % {"count": ticked}
    if errors:
        raise ValidationError(errors, code="attendance_below_ticks")
    return {"children_count": children_count, "volunteers_count": volunteers_count, "person_times": person_times}


def activity_fill_counts(*, activity: Activity, children=None, volunteers=None) -> Activity:
    """Check and fill ``activity``'s counts (``activity_counts``) against its ticked lists:
    ``children`` and ``volunteers`` as they will be saved, or (None) as stored (none if new)."""
    ticked = {}
    lists = (("ticked_children", children, "children"), ("ticked_mothers", volunteers, "volunteers"))
    for key, given, relation in lists:
        if given is not None:
            ticked[key] = len({getattr(p, "pk", p) for p in given})
        else:
            ticked[key] = getattr(activity, relation).count() if activity.pk is not None else 0
    counts = activity_counts(**{key: getattr(activity, key) for key in ACTIVITY_COUNTS}, **ticked)
    for key, value in counts.items():
        setattr(activity, key, value)
    return activity


@transaction.atomic
def activity_save(
    *, activity: Activity, children=None, volunteers=None, correction_reason: str = "", by=None
) -> Activity:
    """Save a new or changed activity (admin, import); a closed month's needs a correction reason.

    ``children`` and ``volunteers``: the ticked lists to store (None: leave them as they are).
    The counts are checked and filled against them first (``activity_counts``).
    """
    children = None if children is None else list(children)
    volunteers = None if volunteers is None else list(volunteers)
    activity_fill_counts(activity=activity, children=children, volunteers=volunteers)
    activity_correction(activity=activity, reason=correction_reason, by=by)
    summary.row_changed(Activity, activity, "held_on")
    activity.save()
    if children is not None:
        activity.children.set(children)
    if volunteers is not None:
        activity.volunteers.set(volunteers)
    return activity


def visit_record_by_mother(
    *, mother, child: Child, visited_on: datetime.date, mode: VisitMode, findings: str = "", by
) -> Visit:
    """A contact a caring mother records herself through her own account (mothers.views).

    A visit like any other (``visit_save``: the duplicate key, closed months), crediting her,
    marked ``Visit.Source.MOTHER`` and recorded by her account. Only for a child she is paired
    with now: any other is refused before anything is written, whatever the page sent.
    """
    if not Child.objects.for_user(by).filter(pk=child.pk).exists():
        raise ValidationError(_("You are not paired with this child now; nothing has been saved."))
    visit = Visit(
        child=child,
        visited_on=visited_on,
        mode=mode,
        findings=findings,
        source=Visit.Source.MOTHER,
        recorded_by=by,
    )
    return visit_save(visit=visit, visitors=[mother], by=by)
