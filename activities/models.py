import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from children.models import CardColour
from core.models import Lookup, TimeStamped
from regions.scoping import ScopedQuerySet


class VisitMode(Lookup):
    history = HistoricalRecords()

    class Meta(Lookup.Meta):
        verbose_name = _("visit mode")
        verbose_name_plural = _("visit modes")


class ActivityType(Lookup):
    history = HistoricalRecords()

    class Meta(Lookup.Meta):
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")


class RegionOwnedQuerySet(ScopedQuerySet):
    region_path = "region"


class Course(TimeStamped):
    """A recurring care course (品牌课程) offered through the programme."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="courses"
    )
    provider = models.CharField(_("provided by"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = RegionOwnedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Workstation(TimeStamped):
    """A place where caring mothers and children meet (爱心妈妈工作站)."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="workstations",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    objects = RegionOwnedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("workstation")
        verbose_name_plural = _("workstations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class VisitQuerySet(ScopedQuerySet):
    region_path = "child__region"
    child_path = "child"

    def for_mother(self, mother):
        """Her own: visits of her children now that credit her (not other mothers' or staff's)."""
        return super().for_mother(mother).filter(visitors=mother)

    def by_mother(self):
        """Contacts a caring mother recorded herself through her account (``Visit.Source.MOTHER``)."""
        return self.filter(source=Visit.Source.MOTHER)


class Visit(TimeStamped):
    class Source(models.TextChoices):
        STAFF = "staff", _("staff")
        #: recorded by the caring mother through her own account (mothers.views.contact)
        MOTHER = "mother", _("recorded by the caring mother herself")

    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("visit date"))
    mode = models.ForeignKey(VisitMode, verbose_name=_("visit mode"), on_delete=models.PROTECT, related_name="visits")
    visitors = models.ManyToManyField(
        "volunteers.Volunteer",
        verbose_name=_("visiting caring mothers"),
        blank=True,
        related_name="visits",
    )
    staff_visitors = models.CharField(_("visiting staff"), max_length=200, blank=True)
    findings = models.TextField(_("what was found"), blank=True)
    help_given = models.TextField(_("help given"), blank=True)
    goods_value = models.DecimalField(
        _("value of goods (yuan)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    reassessed_colour = models.CharField(
        _("card colour reassessment"), max_length=6, choices=CardColour.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    #: Who entered it: staff (the admin, the phone page, imports) or the mother herself. Her
    #: records count as contacts and visits like any other (see docs/mothers.md).
    source = models.CharField(
        _("recorded through"), max_length=10, choices=Source.choices, default=Source.STAFF, editable=False
    )
    #: activities.services.visit_natural_key of child, date, mode and visitors, filled by the
    #: visit service; empty only on the later copies of visits stored twice before it existed.
    natural_key = models.CharField(_("natural key"), max_length=64, unique=True, null=True, editable=False)
    #: the one-time token of the phone form that stored this visit (a resubmission finds it)
    entry_token = models.UUIDField(_("form token"), unique=True, null=True, editable=False)

    objects = VisitQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "natural_key", "entry_token"], m2m_fields=[visitors])

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["child", "-visited_on"], name="visit_child_latest"),
            # The changelist's order exactly (issue 16): a page is read off the index, not a sort
            # of the whole scope.
            models.Index(fields=["-visited_on", "-id"], name="visit_latest"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(goods_value__gte=0), name="visit_goods_not_negative"),
        ]

    def __str__(self):
        return f"{self.child} {self.visited_on:%Y-%m-%d}"


class Activity(TimeStamped):
    title = models.CharField(_("title"), max_length=200)
    activity_type = models.ForeignKey(
        ActivityType, verbose_name=_("activity type"), on_delete=models.PROTECT, related_name="activities"
    )
    held_on = models.DateField(_("date"))
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": 4},
        related_name="activities",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    workstation = models.ForeignKey(
        Workstation,
        verbose_name=_("workstation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    children = models.ManyToManyField(
        "children.Child", verbose_name=_("children taking part"), blank=True, related_name="activities"
    )
    volunteers = models.ManyToManyField(
        "volunteers.Volunteer",
        verbose_name=_("caring mothers taking part"),
        blank=True,
        related_name="activities",
    )
    children_count = models.PositiveIntegerField(_("children taking part (count)"), default=0)
    volunteers_count = models.PositiveIntegerField(_("caring mothers taking part (count)"), default=0)
    person_times = models.PositiveIntegerField(_("person-times"), default=0)
    goods_value = models.DecimalField(
        _("value of goods (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("description"), blank=True)

    objects = RegionOwnedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[children, volunteers])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-id"]
        # The changelist's order exactly (issue 16); also serves ranges of held_on.
        indexes = [models.Index(fields=["-held_on", "-id"], name="activity_latest")]
        constraints = [
            models.CheckConstraint(condition=models.Q(goods_value__gte=0), name="activity_goods_not_negative"),
            # The activity ledger's natural key (activities.resources.ActivityResource).
            models.UniqueConstraint(fields=["title", "held_on", "region"], name="activity_unique_title_date_township"),
        ]

    def __str__(self):
        return self.title


def photo_path(instance, filename):
    # Random names: a photo URL must not reveal whose photo it is, nor be guessable.
    return f"visit-photos/{instance.visit.visited_on:%Y/%m}/{uuid.uuid4().hex}.jpg"


class VisitPhotoQuerySet(ScopedQuerySet):
    region_path = "visit__child__region"


class VisitPhoto(models.Model):
    """A photo taken at a visit, re-encoded without EXIF and served only through a checked view."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["uploaded_at"]

    def __str__(self):
        return f"{self.visit} #{self.pk}"
