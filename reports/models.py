import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from regions.scoping import ScopedQuerySet


def job_file_path(instance, filename):
    # Random names: results and uploads hold ID numbers, so a name must not say whose file it
    # is nor be guessable. Files are never served from MEDIA_URL, only through reports:job_file.
    suffix = "".join(c for c in (filename.rsplit(".", 1)[-1] if "." in filename else "") if c.isalnum())[:8]
    return f"jobs/{uuid.uuid4().hex}" + (f".{suffix.lower()}" if suffix else "")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class JobQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own jobs; superusers see every job. Jobs are owned, not region-scoped."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(user=user)

    def owned_by(self, user):
        """Jobs whose result ``user`` may download: only their own, superusers included."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user)


class Job(models.Model):
    """A background job (import or export) started by a person, with its progress and result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.CASCADE, related_name="jobs"
    )
    # Not a choices field: kinds live in the reports.jobs registry, so adding a kind needs no migration.
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows in total"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    #: written by the worker while the job runs (reports.jobs); silence means the worker died
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    upload = models.FileField(_("uploaded file"), upload_to=job_file_path, max_length=200, blank=True)
    upload_name = models.CharField(_("uploaded file name"), max_length=200, blank=True)
    result = models.FileField(_("result file"), upload_to=job_file_path, max_length=200, blank=True)
    result_name = models.CharField(_("result file name"), max_length=200, blank=True)
    report = models.JSONField(_("report"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_latest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__isnull=True) | models.Q(done__lte=models.F("total")),
                name="job_done_not_over_total",
            ),
        ]

    def __str__(self):
        return f"{self.kind_label} #{self.pk}"

    @property
    def kind_label(self):
        from reports.jobs import kind_label

        return kind_label(self.kind)

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def last_sign_of_life(self) -> datetime.datetime:
        return self.heartbeat_at or self.started_at or self.created_at

    def worker_note(self) -> str:
        """What the job page says while no worker seems to be taking care of this job."""
        now = timezone.now()
        if self.status == JobStatus.QUEUED:
            waited = now - self.created_at
            if waited > datetime.timedelta(seconds=settings.JOB_QUEUED_WARNING_SECONDS):
                return gettext(
                    "No background worker has picked up this job for %(minutes)d minutes: the worker is probably "
                    "not running. Tell the system administrator."
                ) % {"minutes": max(1, int(waited.total_seconds() // 60))}
        elif self.status == JobStatus.RUNNING:
            silent = now - self.last_sign_of_life()
            if silent > datetime.timedelta(seconds=3 * settings.JOB_HEARTBEAT_SECONDS):
                return gettext(
                    "The background worker has given no sign of life for %(minutes)d minutes: it has probably "
                    "stopped. The job will be marked failed; start it again later."
                ) % {"minutes": max(1, int(silent.total_seconds() // 60))}
        return ""


class RegionMonthFiguresQuerySet(ScopedQuerySet):
    region_path = "region"


class RegionMonthFigures(models.Model):
    """One region's additive figures for one month, kept by ``reports.summary`` for the wide
    dashboards. Children, their visits and pairings count at the child's township; mothers,
    teams, activities and trainings at their own region. Each figure is a count or a sum over
    rows that belong to exactly one region, so a scope's figure is the sum of its regions'."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="month_figures"
    )
    month = models.DateField(_("month"))
    mothers = models.PositiveIntegerField(default=0)
    mothers_by_sector = models.JSONField(default=dict)
    teams = models.PositiveIntegerField(default=0)
    children = models.PositiveIntegerField(default=0)
    children_by_category = models.JSONField(default=dict)
    children_red = models.PositiveIntegerField(default=0)
    children_yellow = models.PositiveIntegerField(default=0)
    children_green = models.PositiveIntegerField(default=0)
    paired = models.PositiveIntegerField(default=0)
    one_to_one = models.PositiveIntegerField(default=0)
    many_to_one = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    overdue_red = models.PositiveIntegerField(default=0)
    overdue_yellow = models.PositiveIntegerField(default=0)
    overdue_green = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    children_visited = models.PositiveIntegerField(default=0)
    visit_goods = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    activities = models.PositiveIntegerField(default=0)
    person_times = models.PositiveIntegerField(default=0)
    activity_goods = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    trainings = models.PositiveIntegerField(default=0)
    training_attendance = models.PositiveIntegerField(default=0)

    objects = RegionMonthFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("month figures of a region")
        verbose_name_plural = _("month figures of regions")
        constraints = [models.UniqueConstraint(fields=["month", "region"], name="month_figures_one_per_region")]

    def __str__(self):
        return f"{self.region_id} {self.month:%Y-%m}"


class FiguresMonth(models.Model):
    """A month that ``RegionMonthFigures`` covers: its figures as of ``as_of``, with every
    change marked before ``refreshed_at`` counted."""

    month = models.DateField(_("month"), unique=True)
    as_of = models.DateField(_("as of"))
    #: the visit intervals it was counted with (``VisitPolicy.intervals()``): a change recounts it
    intervals = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("month of stored figures")
        verbose_name_plural = _("months of stored figures")

    def __str__(self):
        return f"{self.month:%Y-%m}"


class FiguresMark(models.Model):
    """A region whose stored figures changed from ``since`` on, written when a service's
    transaction commits; the next refresh recomputes those months for that region."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    since = models.DateField()

    class Meta:
        verbose_name = _("changed figures")
        verbose_name_plural = _("changed figures")

    def __str__(self):
        return f"{self.region_id} {self.since:%Y-%m}"
