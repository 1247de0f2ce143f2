import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from children.models import Gender
from core.idnumber import validate_id_number, validate_phone
from core.models import Lookup, TimeStamped
from core.pinyin import name_pinyin
from regions.scoping import ScopedQuerySet


class Sector(Lookup):
    history = HistoricalRecords()

    class Meta(Lookup.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class VolunteerTeamQuerySet(ScopedQuerySet):
    region_path = "region"


class VolunteerTeam(TimeStamped):
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="teams"
    )
    leader = models.CharField(_("team leader"), max_length=50, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = VolunteerTeamQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="team_unique_name_in_region"),
        ]

    def __str__(self):
        return self.name


def row_count(rows) -> models.Subquery:
    """How many of ``rows`` (a queryset correlated to the outer row with OuterRef) there are: a
    subquery in the SELECT, run for the rows fetched (a page), where Count() over a join grouped
    every row in scope before the LIMIT (issue 16)."""
    # COUNT as a plain function, not an aggregate: no GROUP BY, one row per outer row.
    counted = rows.order_by().annotate(n=models.Func(models.F("pk"), function="COUNT")).values("n")
    return Coalesce(models.Subquery(counted, output_field=models.IntegerField()), 0)


class VolunteerQuerySet(ScopedQuerySet):
    region_path = "region"

    def for_mother(self, mother):
        """Herself only: a mother's account sees no other mother, not even her child's others."""
        return self.filter(pk=mother.pk)

    def active(self):
        return self.filter(status=Volunteer.Status.ACTIVE)

    def with_work(self, *, user, today: datetime.date):
        """Annotate each mother's work (issue 15, item 8): ``open_pairings`` (pairings she is a
        current member of), ``contacts_this_year`` (visits she took part in from 1 January of
        ``today``'s year to ``today``; the dates are Asia/Shanghai's), ``last_contact`` (her
        latest visit on or before ``today``) and ``trainings_attended``.

        Correlated subqueries, one index probe each per row fetched. Pairings and visits are the
        children's rows and count only inside ``user``'s scope (``for_user``); trainings are the
        mother's own, and a county's training counts for a township's mother too.
        """
        from activities.models import Visit
        from pairing.models import PairingMember

        mine = models.OuterRef("pk")
        visits = Visit.objects.for_user(user).filter(visitors=mine, visited_on__lte=today)
        last = visits.order_by("-visited_on").values("visited_on")[:1]
        return self.annotate(
            open_pairings=row_count(PairingMember.objects.for_user(user).current().filter(volunteer=mine)),
            contacts_this_year=row_count(visits.filter(visited_on__gte=datetime.date(today.year, 1, 1))),
            last_contact=models.Subquery(last, output_field=models.DateField()),
            trainings_attended=row_count(Training.attendees.through.objects.filter(volunteer=mine)),
        )

    def without_contact(self, *, user, today: datetime.date):
        """Mothers with an open pairing and no contact with that child for ``NO_CONTACT_DAYS``
        days: ``PairingMemberQuerySet.without_contact``, the 待办 list's definition."""
        from pairing.models import PairingMember

        members = PairingMember.objects.for_user(user).without_contact(today=today)
        return self.filter(models.Exists(members.filter(volunteer=models.OuterRef("pk"))))


class Volunteer(TimeStamped):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        LEFT = "left", _("left the programme")

    name = models.CharField(_("full name"), max_length=50)
    #: ``core.pinyin.name_pinyin(name)``, kept by save() and the import: search by pinyin.
    name_pinyin = models.CharField(_("pinyin of the name"), max_length=200, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, default=Gender.FEMALE)
    phone = models.CharField(_("phone"), max_length=20, unique=True, validators=[validate_phone])
    id_number = models.CharField(
        _("ID number"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_id_number],
    )
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteers",
    )
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": 4},
        related_name="volunteers",
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = VolunteerQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "name_pinyin"])

    class Meta:
        verbose_name = _("caring mother")
        verbose_name_plural = _("caring mothers")
        ordering = ["region__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "paused", "left"]),
                name="volunteer_status_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def fill_derived(self):
        """What is computed from other fields: before save() and before a bulk insert."""
        self.name_pinyin = name_pinyin(self.name)
        return self

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)


class TrainingQuerySet(ScopedQuerySet):
    region_path = "region"


class Training(TimeStamped):
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    held_on = models.DateField(_("date"))
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=2)
    attendees = models.ManyToManyField(Volunteer, verbose_name=_("attendees"), blank=True, related_name="trainings")
    notes = models.TextField(_("notes"), blank=True)

    objects = TrainingQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[attendees])

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["-held_on", "-id"], name="training_latest")]

    def __str__(self):
        return self.title


class MotherAccount(models.Model):
    """A caring mother's own sign-in (role ``mother``): she acts as ``volunteer`` and sees only
    the children she is paired with now (``regions.scoping.ScopedQuerySet.for_mother``).

    Given by ``volunteers.services.mother_account_grant``. The user is never staff: the admin
    refuses it, and her pages are ``mothers.views``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="mother_account"
    )
    volunteer = models.OneToOneField(
        Volunteer, verbose_name=_("caring mother"), on_delete=models.PROTECT, related_name="account"
    )
    must_change_password = models.BooleanField(_("must change password"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("caring mother's account")
        verbose_name_plural = _("caring mothers' accounts")

    def __str__(self):
        return f"{self.user} → {self.volunteer}"
