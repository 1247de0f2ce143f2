import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from children.family import (
    DisabilityCategory,
    DisabilityGrade,
    GuardianshipRating,
    GuardianshipType,
    HealthStatus,
    HukouType,
    ParentStatus,
    SchoolStage,
    validate_aid_list,
    validate_income_list,
)
from core.idnumber import FEMALE, MALE, parse_id_number, validate_id_number, validate_phone
from core.models import Lookup, TimeStamped
from core.pinyin import name_pinyin
from regions.scoping import ScopedQuerySet


class Gender(models.TextChoices):
    MALE = MALE, _("male")
    FEMALE = FEMALE, _("female")


class CardColour(models.TextChoices):
    RED = "red", _("red")
    YELLOW = "yellow", _("yellow")
    GREEN = "green", _("green")


#: Red first, then yellow, then green — the order of urgency, not of the alphabet (the children
#: list's overdue order and the 待办 list's).
COLOUR_RANK = models.Case(
    models.When(card_colour=CardColour.RED, then=models.Value(0)),
    models.When(card_colour=CardColour.YELLOW, then=models.Value(1)),
    default=models.Value(2),
)


def on_books_condition(day: datetime.date) -> models.Q:
    """Children in the programme on ``day``: entered by then, and active or exited only after it.
    A condition, so one query can count several days (``ChildQuerySet.on_books`` filters by it)."""
    return (models.Q(status=Child.Status.ACTIVE) | models.Q(exited_on__gt=day)) & models.Q(entered_on__lte=day)


class ChildCategory(Lookup):
    history = HistoricalRecords()

    class Meta(Lookup.Meta):
        verbose_name = _("child category")
        verbose_name_plural = _("child categories")


class DifficultyType(Lookup):
    history = HistoricalRecords()

    class Meta(Lookup.Meta):
        verbose_name = _("difficulty type")
        verbose_name_plural = _("difficulty types")


#: 到龄 — the age at which a child leaves the programme's target group: 18, and 16 for a
#: left-behind child (a category whose name contains 留守, e.g. 农村留守儿童). The one place
#: for the limits; ``ChildQuerySet.past_age_limit`` applies them.
AGE_LIMIT = 18
AGE_LIMITS_BY_CATEGORY = {"留守": 16}


def age_limit_cutoff(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of a child who reaches ``years`` by ``day``, counted by month: a child
    reaches the limit on the first day of the month of that birthday (满龄当月). Counting by month
    keeps the list the same all month, so it says no more than the birth month (the birth date
    stays hidden from masked roles, see ``core.idnumber.mask_id_number``)."""
    year = day.year - years
    return datetime.date(year, day.month, calendar.monthrange(year, day.month)[1])


def _past_age_limit(on: datetime.date) -> models.Q:
    condition, special = models.Q(), models.Q()
    for name_part, years in AGE_LIMITS_BY_CATEGORY.items():
        in_category = models.Q(category__name__contains=name_part)
        condition |= in_category & models.Q(birth_date__lte=age_limit_cutoff(on, years))
        special |= in_category
    return condition | (~special & models.Q(birth_date__lte=age_limit_cutoff(on, AGE_LIMIT)))


#: Overdue, on a queryset annotated by ``with_visit_schedule``: past due, or never visited.
#: Computed per row; where the stored schedule serves (``schedule_is_stored``), filter by
#: ``overdue_condition``, which an index serves.
OVERDUE = models.Q(days_overdue__gt=0) | models.Q(last_contact__isnull=True)


def schedule_is_stored(today: datetime.date | None) -> bool:
    """Whether ``Child.last_visited_on`` is the last contact as of ``today``: on today (None) or
    later, since the visit service refuses visits dated after today. For a day in the past the
    visits are read (``with_last_contact``)."""
    return today is None or today >= timezone.localdate()


def next_due_within(first: datetime.date | None, last: datetime.date | None, intervals=None) -> models.Q:
    """Children visited whose next visit is due from ``first`` to ``last`` (both included; None:
    open), on the stored ``last_visited_on``: one range of the ``child_visit_schedule`` index
    (status, card colour, last visited) per card colour, so the database reads only the rows it
    returns. Never visited is not included (see ``overdue_condition``)."""
    branches = []
    for colour, days in (intervals or VisitPolicy.intervals()).items():
        interval = datetime.timedelta(days=days)
        branch = models.Q(card_colour=colour)
        if first is None and last is None:
            branch &= models.Q(last_visited_on__isnull=False)
        if first is not None:
            branch &= models.Q(last_visited_on__gte=first - interval)
        if last is not None:
            branch &= models.Q(last_visited_on__lte=last - interval)
        branches.append(branch)
    condition = branches[0]
    for branch in branches[1:]:
        condition |= branch
    return condition


def never_visited() -> models.Q:
    """Children with no visit, on the stored schedule. Spelt per card colour (every child has one
    of the three, a constraint says) so that each branch is one exact range of the index: a bare
    ``last_visited_on IS NULL`` would read the index's whole range of active children."""
    condition = models.Q(pk__in=[])
    for colour in CardColour.values:
        condition |= models.Q(card_colour=colour, last_visited_on__isnull=True)
    return condition


def overdue_condition(today: datetime.date | None = None, intervals=None) -> models.Q:
    """``OVERDUE`` on the stored schedule: due before ``today`` (today), or never visited."""
    today = today or timezone.localdate()
    return never_visited() | next_due_within(None, today - datetime.timedelta(days=1), intervals)


class ChildQuerySet(ScopedQuerySet):
    region_path = "region"
    child_path = ""

    def active(self):
        return self.filter(status=Child.Status.ACTIVE)

    def on_books(self, day: datetime.date):
        """Children in the programme on ``day``: entered by then, and active or exited only after it."""
        return self.filter(on_books_condition(day))

    def past_age_limit(self, *, on: datetime.date | None = None):
        """Children who have reached their age limit (``AGE_LIMITS_BY_CATEGORY``, else
        ``AGE_LIMIT``) by ``on`` (today), counted by month (``age_limit_cutoff``). Whatever their
        status: callers add ``active()`` for the children still on the books. Nothing exits
        automatically; the list prompts a person to decide."""
        return self.filter(_past_age_limit(on or timezone.localdate()))

    def reaching_age_limit(self, *, within_days: int = 60, on: datetime.date | None = None):
        """Children who reach their age limit within ``within_days`` days after ``on`` (today):
        not past it on ``on``, past it on ``on + within_days`` (by month, as above)."""
        on = on or timezone.localdate()
        later = on + datetime.timedelta(days=within_days)
        return self.filter(_past_age_limit(later)).exclude(_past_age_limit(on))

    def with_colour_on(self, day: datetime.date):
        """Annotate ``colour_on``, the card colour as it stood on ``day``, from the card history.

        The last change effective on or before ``day``. Before the first change, the colour that
        change started from, or, when it records none (a first colour), the colour it set: a child
        is not counted before it entered, and its first assessment stands for the time between.
        A child with no recorded change at all (rows older than the card history) keeps its
        current colour, the only one known.
        """
        changes = CardChange.objects.filter(child=models.OuterRef("pk"))
        then = changes.filter(effective_on__lte=day).order_by("-effective_on", "-created_at", "-pk")
        first = changes.order_by("effective_on", "created_at", "pk").values(
            v=Coalesce(NullIf("from_colour", models.Value("")), "to_colour")
        )
        return self.annotate(
            colour_on=Coalesce(
                models.Subquery(then.values("to_colour")[:1]),
                models.Subquery(first[:1]),
                models.F("card_colour"),
                output_field=models.CharField(),
            )
        )

    def with_last_contact(self, *, today: datetime.date):
        """Annotate ``last_contact``, the latest visit on or before ``today``: the stored
        ``last_visited_on`` where it serves (``schedule_is_stored``), else one index probe per
        child (``visit_child_latest``). Alone, for counting over many children (reports.indicators),
        where ``with_visit_schedule``'s derived columns would repeat the subquery."""
        if schedule_is_stored(today):
            return self.annotate(last_contact=models.F("last_visited_on"))
        from activities.schedule import schedule_visits

        last = (
            schedule_visits()
            .filter(child=models.OuterRef("pk"), visited_on__lte=today)
            .order_by("-visited_on")
            .values("visited_on")[:1]
        )
        return self.annotate(last_contact=models.Subquery(last, output_field=models.DateField()))

    def with_visit_schedule(self, *, today: datetime.date | None = None, colour: str = "card_colour", intervals=None):
        """Annotate last contact, next due date and days overdue, computed in the database.

        Never visited counts as due today (and as overdue, see ``overdue``). ``days_overdue``
        is negative while a visit is not yet due. The interval comes from the visit policy of
        the child's card colour (``colour`` names the column: ``colour_on`` from ``with_colour_on``
        for a past day). Only visits on or before ``today`` count, so a past month end gives the
        schedule as it stood then, even with visits entered late.
        """
        today = today or timezone.localdate()
        intervals = intervals or VisitPolicy.intervals()
        interval = models.Case(
            *[models.When(models.Q(**{colour: card}), then=models.Value(days)) for card, days in intervals.items()],
            default=models.Value(max(intervals.values())),
            output_field=models.IntegerField(),
        )
        return (
            self.with_last_contact(today=today)
            .annotate(visit_interval=interval)
            .annotate(
                next_due=Coalesce(
                    AddDays(models.F("last_contact"), models.F("visit_interval")),
                    models.Value(today, output_field=models.DateField()),
                ),
            )
            .annotate(
                days_overdue=DaysBetween(models.Value(today, output_field=models.DateField()), models.F("next_due")),
            )
        )

    def overdue(self, *, today: datetime.date | None = None):
        """Active children past their next-due date; never visited counts as overdue."""
        intervals = VisitPolicy.intervals()  # read once for the annotation and the condition
        scheduled = self.active().with_visit_schedule(today=today, intervals=intervals)
        return scheduled.filter(overdue_condition(today, intervals) if schedule_is_stored(today) else OVERDUE)

    def unpaired(self):
        """Active children without an open pairing."""
        from pairing.models import Pairing

        open_pairing = Pairing.objects.filter(child=models.OuterRef("pk"), ended_on__isnull=True)
        return self.active().filter(~models.Exists(open_pairing))


class AddDays(models.Func):
    """``date + days`` as a date, on PostgreSQL and SQLite."""

    output_field = models.DateField()

    def as_sql(self, compiler, connection, **extra):
        (day, day_params), (n, n_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({day} + {n})", (*day_params, *n_params)

    def as_sqlite(self, compiler, connection, **extra):
        (day, day_params), (n, n_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"date({day}, '+' || ({n}) || ' days')", (*day_params, *n_params)


class DaysBetween(models.Func):
    """Whole days from ``earlier`` to ``later`` (later − earlier) as an integer."""

    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra):
        (later, l_params), (earlier, e_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({later} - {earlier})", (*l_params, *e_params)

    def as_sqlite(self, compiler, connection, **extra):
        (later, l_params), (earlier, e_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)", (*l_params, *e_params)


class VisitPolicy(models.Model):
    """How often a child with a given card colour must be contacted."""

    DEFAULTS = {"red": 14, "yellow": 30, "green": 90}

    card_colour = models.CharField(_("card colour"), max_length=6, choices=CardColour.choices, unique=True)
    interval_days = models.PositiveSmallIntegerField(_("visit interval (days)"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policy")
        ordering = ["interval_days"]
        constraints = [
            models.CheckConstraint(condition=models.Q(interval_days__gte=1), name="visitpolicy_interval_positive"),
        ]

    def __str__(self):
        return f"{self.get_card_colour_display()}：{self.interval_days}"

    @classmethod
    def intervals(cls) -> dict[str, int]:
        return {**cls.DEFAULTS, **dict(cls.objects.values_list("card_colour", "interval_days"))}


class Child(TimeStamped):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        EXITED = "exited", _("exited")

    class ExitReason(models.TextChoices):
        """退出原因 (issue 15, item 4). The codes of 年满18周岁, 户籍迁出, 困境解除 and 其他 are the
        old ones (aged_out, moved, resolved, other); the old 家庭情况变化 (family) became 其他 with
        that text (migration 0015). 其他 needs ``exit_reason_text``."""

        PARENTS_RETURNED = "parents_returned", _("parents came home")
        GUARDIAN_RESTORED = "guardian_restored", _("guardianship restored")
        AGED_16 = "aged_16", _("turned 16 (left-behind child)")
        AGED_OUT = "aged_out", _("turned 18")
        MOVED = "moved", _("household registration moved away")
        RESOLVED = "resolved", _("difficulty resolved")
        OTHER_CATEGORY = "other_category", _("moved to another category")
        DIED = "died", _("died")
        OTHER = "other", _("other")

    name = models.CharField(_("full name"), max_length=50)
    #: ``core.pinyin.name_pinyin(name)``, kept by save() and the import: search by pinyin.
    name_pinyin = models.CharField(_("pinyin of the name"), max_length=200, blank=True, editable=False)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True, validators=[validate_id_number])
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    category = models.ForeignKey(
        ChildCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="children"
    )
    difficulties = models.ManyToManyField(
        DifficultyType, verbose_name=_("difficulty types"), blank=True, related_name="children"
    )
    card_colour = models.CharField(_("card colour"), max_length=6, choices=CardColour.choices, default=CardColour.GREEN)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": 5},
        related_name="children_living",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    school = models.CharField(_("school"), max_length=100, blank=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    guardian_name = models.CharField(_("guardian"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=20, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True, validators=[validate_phone])
    # 家庭与监护: the parents, and the actual guardian or entrusted carer above (委托照护人).
    father_name = models.CharField(_("father's name"), max_length=50, blank=True)
    father_id_number = models.CharField(
        _("father's ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    father_status = models.CharField(_("father's situation"), max_length=12, choices=ParentStatus.choices, blank=True)
    father_work_province = models.CharField(_("father works in (province)"), max_length=20, blank=True)
    father_work_city = models.CharField(_("father works in (city)"), max_length=20, blank=True)
    father_phone = models.CharField(_("father's phone"), max_length=20, blank=True, validators=[validate_phone])
    mother_name = models.CharField(_("mother's name"), max_length=50, blank=True)
    mother_id_number = models.CharField(
        _("mother's ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    mother_status = models.CharField(_("mother's situation"), max_length=12, choices=ParentStatus.choices, blank=True)
    mother_work_province = models.CharField(_("mother works in (province)"), max_length=20, blank=True)
    mother_work_city = models.CharField(_("mother works in (city)"), max_length=20, blank=True)
    mother_phone = models.CharField(_("mother's phone"), max_length=20, blank=True, validators=[validate_phone])
    guardian_id_number = models.CharField(
        _("guardian's ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    guardian_address = models.CharField(_("guardian's address"), max_length=200, blank=True)
    #: 未成年人保护法 art. 22–23: the school and the village committee told in writing of the carer.
    guardian_notified_on = models.DateField(_("school and village committee told in writing on"), null=True, blank=True)
    guardianship_type = models.CharField(
        _("guardianship type"), max_length=14, choices=GuardianshipType.choices, blank=True
    )
    guardianship_rating = models.CharField(
        _("guardianship rating"), max_length=4, choices=GuardianshipRating.choices, blank=True
    )
    guardianship_rated_on = models.DateField(_("guardianship rated on"), null=True, blank=True)
    # 健康与就学
    health_status = models.CharField(_("health"), max_length=8, choices=HealthStatus.choices, blank=True)
    disability_category = models.CharField(
        _("disability category"), max_length=12, choices=DisabilityCategory.choices, blank=True
    )
    disability_grade = models.CharField(
        _("disability grade"), max_length=1, choices=DisabilityGrade.choices, blank=True
    )
    illness = models.CharField(_("illness"), max_length=100, blank=True)
    school_stage = models.CharField(_("schooling"), max_length=14, choices=SchoolStage.choices, blank=True)
    boarding = models.BooleanField(_("boards at school"), null=True, blank=True)
    # 户籍与救助
    ethnicity = models.CharField(_("ethnic group"), max_length=20, blank=True)
    hukou_place = models.CharField(_("household registration place"), max_length=100, blank=True)
    hukou_type = models.CharField(
        _("household registration type"), max_length=16, choices=HukouType.choices, blank=True
    )
    income_sources = models.JSONField(
        _("family income sources"), default=list, blank=True, validators=[validate_income_list]
    )
    aid_received = models.JSONField(_("aid received"), default=list, blank=True, validators=[validate_aid_list])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    exit_reason = models.CharField(_("exit reason"), max_length=20, choices=ExitReason.choices, blank=True)
    exit_reason_text = models.CharField(_("exit reason (other)"), max_length=200, blank=True)
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    # In the programme from this day (纳入日期): from the ledger where it says, else the day the
    # child was registered. A month counts the child only from here on.
    entered_on = models.DateField(_("date entered"), default=timezone.localdate)
    notes = models.TextField(_("notes"), blank=True)
    #: The date of the latest visit that counts (``activities.schedule.schedule_visits``), kept
    #: by the visit service (``activities.schedule.schedule_refresh``) and by nothing else;
    #: ``check_visit_schedule`` reports children where it differs from the visits.
    last_visited_on = models.DateField(_("last visited on"), null=True, blank=True, editable=False)

    objects = ChildQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["updated_at", "name_pinyin", "last_visited_on"], m2m_fields=[difficulties]
    )

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["region__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(card_colour__in=CardColour.values), name="child_card_colour_valid"
            ),
            models.CheckConstraint(condition=models.Q(status__in=["active", "exited"]), name="child_status_valid"),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{p}_status__in": ["", *ParentStatus.values]}),
                    name=f"child_{p}_status_valid",
                    violation_error_message=_("Unknown parent situation."),
                )
                for p in ("father", "mother")
            ],
            # 外出务工 needs the place (the province at least).
            *[
                models.CheckConstraint(
                    condition=~models.Q(**{f"{p}_status": ParentStatus.MIGRANT})
                    | ~models.Q(**{f"{p}_work_province": ""}),
                    name=f"child_{p}_migrant_has_place",
                    violation_error_message=_("A parent working away from home needs the place (province and city)."),
                )
                for p in ("father", "mother")
            ],
            models.CheckConstraint(
                condition=models.Q(guardianship_type__in=["", *GuardianshipType.values]),
                name="child_guardianship_type_valid",
                violation_error_message=_("Unknown guardianship type."),
            ),
            models.CheckConstraint(
                condition=models.Q(guardianship_rating__in=["", *GuardianshipRating.values]),
                name="child_guardianship_rating_valid",
                violation_error_message=_("Unknown guardianship rating."),
            ),
            models.CheckConstraint(
                condition=models.Q(guardianship_rating="") | models.Q(guardianship_rated_on__isnull=False),
                name="child_guardianship_rating_dated",
                violation_error_message=_("A guardianship rating needs the date it was made."),
            ),
            models.CheckConstraint(
                condition=models.Q(health_status__in=["", *HealthStatus.values]),
                name="child_health_valid",
                violation_error_message=_("Unknown health status."),
            ),
            models.CheckConstraint(
                condition=~models.Q(health_status=HealthStatus.DISABLED)
                | (~models.Q(disability_category="") & ~models.Q(disability_grade="")),
                name="child_disability_has_category_and_grade",
                violation_error_message=_("A disabled child needs the disability category and grade."),
            ),
            models.CheckConstraint(
                condition=models.Q(health_status=HealthStatus.DISABLED)
                | (models.Q(disability_category="") & models.Q(disability_grade="")),
                name="child_disability_only_when_disabled",
                violation_error_message=_("A disability category or grade is given only when the child is disabled."),
            ),
            models.CheckConstraint(
                condition=~models.Q(health_status=HealthStatus.ILL) | ~models.Q(illness=""),
                name="child_illness_named",
                violation_error_message=_("An ill child needs the illness named."),
            ),
            models.CheckConstraint(
                condition=models.Q(school_stage__in=["", *SchoolStage.values]),
                name="child_school_stage_valid",
                violation_error_message=_("Unknown schooling stage."),
            ),
            models.CheckConstraint(
                condition=models.Q(hukou_type__in=["", *HukouType.values]),
                name="child_hukou_type_valid",
                violation_error_message=_("Unknown household registration type."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "card_colour"], name="child_status_colour"),
            # The overdue list and counts (``next_due_within``): per colour, a range of dates.
            models.Index(fields=["status", "card_colour", "last_visited_on"], name="child_visit_schedule"),
        ]
        permissions = [("view_full_identity", _("Can view full ID and phone numbers"))]

    def __str__(self):
        return self.name

    def set_identity(self, info=None):
        """Gender and birth date are facts of the ID number; derive them so they never disagree.
        ``info``: the number already parsed (``parse_id_number``), else it is parsed here."""
        info = info or parse_id_number(self.id_number)
        self.id_number, self.birth_date, self.gender = info.number, info.birth_date, info.gender
        self._identity = (info.number, info.birth_date, info.gender)
        return self

    def fill_derived(self):
        """What is computed from other fields: before save() and before a bulk insert."""
        if getattr(self, "_identity", None) != (self.id_number, self.birth_date, self.gender):
            self.set_identity()  # not yet derived from this number (or changed since)
        self.name_pinyin = name_pinyin(self.name)
        return self

    def save(self, *args, **kwargs):
        self.fill_derived()
        fresh = self._state.adding or self.pk is None or args or kwargs.get("force_insert")
        if not fresh and kwargs.get("update_fields") is None:
            # ``last_visited_on`` belongs to the visit service: a form or an import that loaded
            # the child before a visit was saved must not write its stale copy back.
            kwargs["update_fields"] = self._fields_saved_by_forms()
        super().save(*args, **kwargs)

    def _fields_saved_by_forms(self) -> list[str]:
        deferred = self.get_deferred_fields()
        return [
            f.name
            for f in self._meta.concrete_fields
            if not f.primary_key and f.attname not in deferred and f.name != "last_visited_on"
        ]

    def get_absolute_url(self):
        return reverse("children:profile", args=[self.pk])

    def exit_reason_label(self) -> str:
        """The exit reason as read: the text typed for 其他, else the reason's name."""
        if self.exit_reason == self.ExitReason.OTHER and self.exit_reason_text:
            return self.exit_reason_text
        return self.get_exit_reason_display()

    def age_on(self, day: datetime.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class CardChangeQuerySet(ScopedQuerySet):
    region_path = "child__region"


class CardChange(models.Model):
    """One change of a child's card colour; rows are only ever added."""

    child = models.ForeignKey(Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="card_changes")
    from_colour = models.CharField(_("from"), max_length=6, choices=CardColour.choices, blank=True)
    to_colour = models.CharField(_("to"), max_length=6, choices=CardColour.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason"), max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = CardChangeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("card colour change")
        verbose_name_plural = _("card colour changes")
        ordering = ["-effective_on", "-created_at"]
        indexes = [models.Index(fields=["-effective_on", "-created_at", "-id"], name="cardchange_latest")]
        constraints = [
            models.CheckConstraint(condition=models.Q(to_colour__in=CardColour.values), name="cardchange_to_valid"),
        ]

    def __str__(self):
        return f"{self.child}: {self.get_from_colour_display() or '—'} → {self.get_to_colour_display()}"
