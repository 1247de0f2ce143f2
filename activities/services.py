"""Recording visits and activities: one path for the admin, the phone page and imports."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from children.models import Child
from children.services import child_change_colour

from .models import Visit, VisitMode, VisitPhoto

#: The reason recorded on a card change that came from a visit's reassessment.
REASSESSMENT_REASON = "走访评估"
#: Photos a single visit may carry.
MAX_PHOTOS_PER_VISIT = 6


@transaction.atomic
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
    by=None,
) -> Visit:
    """Save a visit; a reassessed colour that differs from the card changes it (with history)."""
    visit = Visit(
        child=child,
        visited_on=visited_on,
        mode=mode,
        staff_visitors=staff_visitors,
        findings=findings,
        help_given=help_given,
        goods_value=goods_value,
        reassessed_colour=reassessed_colour,
        recorded_by=by,
        notes=notes,
    )
    visit.full_clean()
    visit.save()
    if visitors:
        visit.visitors.set(visitors)
    if reassessed_colour and reassessed_colour != child.card_colour:
        child_change_colour(
            child=child,
            to_colour=reassessed_colour,
            effective_on=visited_on,
            reason=reassessment_reason or REASSESSMENT_REASON,
            by=by,
        )
    return visit


@transaction.atomic
def visit_add_photos(*, visit: Visit, photos) -> list[VisitPhoto]:
    """Store photos already checked and re-encoded by ``activities.photos.clean_photo``."""
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
