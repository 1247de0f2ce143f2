"""一人一案: a child's needs and help plan, referrals to departments (转介) and 督办.

A need is found (on a visit or on its own), someone acts on it (a paired mother, a team or a
department), and it is followed until it is done, referred or cannot be solved. Visits tick the
needs they worked on (``NeedVisit``). A need referred to a department has a ``Referral`` whose
status moves 已发出 → 已受理 → 已办结 (or 退回). A county admin may ask a township to report on a
child or a need (``Supervision``, 督办). Every write goes through ``casework.services``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Lookup, TimeStamped
from regions.scoping import ScopedQuerySet


class Department(Lookup):
    """A department a need may be referred to (民政, 教育, 卫健…); seeded, editable."""

    history = HistoricalRecords()

    class Meta(Lookup.Meta):
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class NeedKind(models.TextChoices):
    LIVING = "living", _("daily living")
    STUDY = "study", _("schooling")
    MENTAL = "mental", _("psychological")
    HEALTH = "health", _("health / medical")
    SAFETY = "safety", _("safety")
    GUARDIANSHIP = "guardianship", _("guardianship")
    LEGAL = "legal", _("legal")
    OTHER = "other", _("other")


class NeedStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    REFERRED = "referred", _("referred")
    UNSOLVED = "unsolved", _("cannot be solved")


#: Statuses of a need still being worked on: the child has an open plan while one is.
OPEN_NEED_STATUSES = [NeedStatus.PENDING, NeedStatus.IN_PROGRESS, NeedStatus.REFERRED]
#: Statuses that close a need; they need an outcome.
CLOSED_NEED_STATUSES = [NeedStatus.DONE, NeedStatus.UNSOLVED]


class ActorKind(models.TextChoices):
    MOTHER = "mother", _("paired caring mother")
    TEAM = "team", _("volunteer team")
    DEPARTMENT = "department", _("department")
    STAFF = "staff", _("women's federation staff")


class NeedQuerySet(ScopedQuerySet):
    region_path = "child__region"

    def open(self):
        return self.filter(status__in=OPEN_NEED_STATUSES)


class Need(TimeStamped):
    child = models.ForeignKey("children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="needs")
    kind = models.CharField(_("kind of need"), max_length=20, choices=NeedKind.choices)
    description = models.TextField(_("need"))
    measure = models.TextField(_("measure"), blank=True)
    actor_kind = models.CharField(_("who acts"), max_length=20, choices=ActorKind.choices, default=ActorKind.MOTHER)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("caring mother"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    team = models.ForeignKey(
        "volunteers.VolunteerTeam",
        verbose_name=_("volunteer team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True, blank=True, related_name="needs"
    )
    actor_note = models.CharField(_("who acts (details)"), max_length=100, blank=True)
    found_on = models.DateField(_("found on"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.PENDING)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    found_on_visit = models.ForeignKey(
        "activities.Visit",
        verbose_name=_("found on visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs_found",
    )
    visits = models.ManyToManyField(
        "activities.Visit", verbose_name=_("visits that worked on it"), through="NeedVisit", related_name="needs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = NeedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["child", "-found_on", "-id"]
        indexes = [
            models.Index(fields=["child", "status"], name="need_child_status"),
            models.Index(fields=["child", "-found_on", "-id"], name="need_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=NeedStatus.values), name="need_status_valid"),
            models.CheckConstraint(condition=models.Q(kind__in=NeedKind.values), name="need_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(status__in=CLOSED_NEED_STATUSES) | ~models.Q(outcome=""),
                name="need_closed_has_outcome",
                violation_error_message=_("A need that is done or cannot be solved needs its outcome."),
            ),
            models.CheckConstraint(
                condition=~models.Q(actor_kind=ActorKind.MOTHER) | models.Q(volunteer__isnull=False),
                name="need_mother_named",
                violation_error_message=_("Name the caring mother who acts."),
            ),
            models.CheckConstraint(
                condition=~models.Q(actor_kind=ActorKind.TEAM) | models.Q(team__isnull=False),
                name="need_team_named",
                violation_error_message=_("Name the team that acts."),
            ),
            models.CheckConstraint(
                condition=~models.Q(actor_kind=ActorKind.DEPARTMENT) | models.Q(department__isnull=False),
                name="need_department_named",
                violation_error_message=_("Name the department that acts."),
            ),
        ]

    def __str__(self):
        return f"{self.child}：{self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_NEED_STATUSES

    @property
    def actor_text(self) -> str:
        who = {
            ActorKind.MOTHER: self.volunteer,
            ActorKind.TEAM: self.team,
            ActorKind.DEPARTMENT: self.department,
        }.get(self.actor_kind)
        parts = [str(who) if who else self.get_actor_kind_display(), self.actor_note]
        return " ".join(p for p in parts if p)


class NeedVisitQuerySet(ScopedQuerySet):
    region_path = "need__child__region"


class NeedVisit(models.Model):
    """A visit that worked on a need (ticked on the visit)."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="need_visits")
    visit = models.ForeignKey(
        "activities.Visit", verbose_name=_("visit"), on_delete=models.PROTECT, related_name="need_visits"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = NeedVisitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit on a need")
        verbose_name_plural = _("visits on needs")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["need", "visit"], name="needvisit_once")]

    def __str__(self):
        return f"{self.need} — {self.visit.visited_on:%Y-%m-%d}"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DONE = "done", _("completed")
    RETURNED = "returned", _("returned")


#: The allowed moves of a referral's status (casework.services.referral_set_status).
REFERRAL_TRANSITIONS = {
    ReferralStatus.SENT: {ReferralStatus.ACCEPTED, ReferralStatus.RETURNED},
    ReferralStatus.ACCEPTED: {ReferralStatus.DONE, ReferralStatus.RETURNED},
    ReferralStatus.DONE: set(),
    ReferralStatus.RETURNED: set(),
}
CLOSED_REFERRAL_STATUSES = [ReferralStatus.DONE, ReferralStatus.RETURNED]
OPEN_REFERRAL_STATUSES = [ReferralStatus.SENT, ReferralStatus.ACCEPTED]


class ReferralQuerySet(ScopedQuerySet):
    region_path = "need__child__region"

    def open(self):
        return self.filter(status__in=OPEN_REFERRAL_STATUSES)


class Referral(TimeStamped):
    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="referrals")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="referrals"
    )
    referred_on = models.DateField(_("referred on"))
    contact = models.CharField(_("contact at the department"), max_length=100, blank=True)
    request = models.TextField(_("what was asked"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    feedback = models.TextField(_("department's feedback"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReferralQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["-referred_on", "-id"], name="referral_latest")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ReferralStatus.values), name="referral_status_valid"),
            models.CheckConstraint(
                condition=(models.Q(status__in=CLOSED_REFERRAL_STATUSES) & models.Q(closed_on__isnull=False))
                | (~models.Q(status__in=CLOSED_REFERRAL_STATUSES) & models.Q(closed_on__isnull=True)),
                name="referral_closed_has_closing_date",
                violation_error_message=_("A closed referral has a closing date, an open one none."),
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("referred_on")),
                name="referral_closes_after_referral",
            ),
        ]

    def __str__(self):
        return f"{self.need} → {self.department}"


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("awaiting reply")
    REPLIED = "replied", _("replied")
    CLOSED = "closed", _("concluded")


class SupervisionQuerySet(ScopedQuerySet):
    region_path = "region"

    def open(self):
        return self.filter(status=SupervisionStatus.OPEN)


class Supervision(TimeStamped):
    """督办: a county admin asks a township to report on a child or a need by a date."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("township"), on_delete=models.PROTECT, related_name="supervisions"
    )
    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions",
    )
    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.PROTECT, null=True, blank=True, related_name="supervisions"
    )
    question = models.TextField(_("what is asked"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    asked_on = models.DateField(_("asked on"))
    reply_by = models.DateField(_("reply by"))
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN
    )

    objects = SupervisionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["status", "reply_by", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SupervisionStatus.values), name="supervision_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(child__isnull=False) | models.Q(need__isnull=False),
                name="supervision_on_child_or_need",
                violation_error_message=_("A supervision names a child or a need."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=SupervisionStatus.OPEN)
                | models.Q(replied_at__isnull=False)
                | models.Q(status=SupervisionStatus.CLOSED),
                name="supervision_replied_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.region}：{self.need or self.child}"
