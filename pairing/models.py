import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStamped
from regions.scoping import ScopedQuerySet


class PairingQuerySet(ScopedQuerySet):
    region_path = "child__region"
    child_path = "child"

    def for_mother(self, mother):
        """Her open pairings only: not the child's earlier ones, with other mothers."""
        return (
            super()
            .for_mother(mother)
            .filter(ended_on__isnull=True, members__volunteer=mother, members__left_on__isnull=True)
        )

    def open(self):
        return self.filter(ended_on__isnull=True)

    def open_on(self, day):
        """Pairings open on ``day``: started by then, not ended by then."""
        return self.filter(models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=day), started_on__lte=day)


class Pairing(TimeStamped):
    class EndReason(models.TextChoices):
        AGED_OUT = "aged_out", _("child turned 18")
        RESOLVED = "resolved", _("difficulty resolved")
        MOVED = "moved", _("moved away")
        FAMILY = "family", _("family circumstances changed")
        VOLUNTEER_LEFT = "volunteer_left", _("caring mother left")
        OTHER = "other", _("other")

    class Mode(models.TextChoices):
        ONE_TO_ONE = "one", _("one-to-one")
        MANY_TO_ONE = "many", _("many-to-one")

    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="pairings"
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=EndReason.choices, blank=True)
    # Required with the reason 其他 (pairing.services.pairing_end).
    end_note = models.CharField(_("end reason details"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    #: What the mothers and the family promised each other, printed on the 结对卡.
    commitment = models.TextField(
        _("what they promised"),
        blank=True,
        help_text=_("Printed on the pairing card, e.g. a visit or call every month and help with homework."),
    )

    objects = PairingQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-started_on"]
        # The changelist's order with its tie-breaker (PairingAdmin.ordering, issue 16).
        indexes = [models.Index(fields=["-started_on", "-id"], name="pairing_latest")]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(ended_on__isnull=True),
                name="pairing_one_open_per_child",
                violation_error_message=_("This child already has an open pairing."),
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="pairing_ends_after_start",
            ),
        ]

    def __str__(self):
        return str(self.child)

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def end_reason_text(self) -> str:
        """The end reason as a person reads it: 其他 with its details."""
        if not self.end_reason:
            return ""
        label = self.get_end_reason_display()
        return f"{label}：{self.end_note}" if self.end_note else label

    def current_members(self):
        return [m for m in self.members.all() if m.left_on is None]

    @property
    def mode(self) -> str:
        """One-to-one or many-to-one follows from the number of current members."""
        return self.Mode.MANY_TO_ONE if len(self.current_members()) > 1 else self.Mode.ONE_TO_ONE


#: A caring mother is "without contact" when she has had none with her child for this many days
#: (the 待办 list and the mothers' list filter 30天未联系 share ``PairingMemberQuerySet.without_contact``).
NO_CONTACT_DAYS = 30


class PairingMemberQuerySet(ScopedQuerySet):
    region_path = "pairing__child__region"
    child_path = "pairing__child"

    def for_mother(self, mother):
        """Her own current memberships: not the other mothers of a many-to-one pairing."""
        return super().for_mother(mother).filter(volunteer=mother).current()

    def current(self):
        return self.filter(left_on__isnull=True, pairing__ended_on__isnull=True)

    def without_contact(self, *, today: datetime.date, days: int = NO_CONTACT_DAYS):
        """Current members, of an active child, whose last visit to their child is ``days`` days
        or more before ``today``, or who have made none since joining that long ago. Annotates
        ``last_contact`` (their latest visit to the child on or before ``today``)."""
        from activities.models import Visit
        from children.models import Child

        cutoff = today - datetime.timedelta(days=days)
        last = (
            Visit.objects.filter(child=models.OuterRef("pairing__child"), visitors=models.OuterRef("volunteer"))
            .filter(visited_on__lte=today)
            .order_by("-visited_on")
            .values("visited_on")[:1]
        )
        return (
            self.current()
            .filter(pairing__child__status=Child.Status.ACTIVE)
            .annotate(last_contact=models.Subquery(last, output_field=models.DateField()))
            .filter(models.Q(last_contact__lte=cutoff) | models.Q(last_contact__isnull=True, joined_on__lte=cutoff))
        )

    def serving_on(self, day):
        """Members who had joined by ``day`` and not left by then (whatever their pairing)."""
        return self.filter(models.Q(left_on__isnull=True) | models.Q(left_on__gt=day), joined_on__lte=day)


class PairingMember(TimeStamped):
    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        ASSISTING = "assisting", _("assisting")

    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="members")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("caring mother"),
        on_delete=models.PROTECT,
        related_name="pairing_memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LEAD)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = PairingMemberQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("pairing member")
        verbose_name_plural = _("pairing members")
        ordering = ["pairing", "-role", "joined_on"]
        indexes = [models.Index(fields=["pairing", "-role", "joined_on", "-id"], name="pairingmember_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "volunteer"],
                condition=models.Q(left_on__isnull=True),
                name="pairingmember_one_open_per_volunteer",
                violation_error_message=_("This caring mother is already in this pairing."),
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} — {self.pairing}"
