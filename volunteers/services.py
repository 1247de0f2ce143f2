"""Writes of the mothers' register that are not pairings (those are pairing.services)."""

from django.db import transaction
from django.utils.translation import gettext as _

from reports import summary

from .models import Training


def training_correction(*, training: Training, reason: str, by=None) -> None:
    """A training dated in (or moved out of) a closed month is a correction, as an activity is:
    it is on that month's 培训台账."""
    from closing.services import corrections_record

    places = {(training.region, training.held_on)}
    if training.pk is not None:
        places |= {
            (old.region, old.held_on) for old in Training.objects.filter(pk=training.pk).select_related("region")
        }
    corrections_record(
        places=places,
        record=f"{training.title} {training.held_on:%Y-%m-%d}",
        change=_("training added") if training.pk is None else _("training changed"),
        reason=reason,
        by=by,
    )


@transaction.atomic
def training_save(*, training: Training, attendees=None, correction_reason: str = "", by=None) -> Training:
    """Save a new or changed training with its attendees (None: leave them as they are)."""
    training.full_clean(exclude=["attendees"])
    training_correction(training=training, reason=correction_reason, by=by)
    summary.row_changed(Training, training, "held_on")
    training.save()
    if attendees is not None:
        training.attendees.set(list(attendees))
    return training
