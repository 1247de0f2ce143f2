"""Item 5 and 6 of issue 14: mandatory reports (强制报告) and the guardian's consent (PIPL art. 31).

A mandatory report is narrower than the child it is about: only the county admins whose region
holds the child (and admins above them) and the account that filed it may see it. That rule is
``MandatoryReportQuerySet.for_user`` itself, so every path that scopes by ``for_user`` — admin
lists, change pages, search, the dashboard, exports — gets the narrower rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from regions.models import Level
from regions.scoping import ALL, ScopedQuerySet, scope_covers_level, user_scope

#: Who may see every report of their region (county admins and above) and is alerted.
RECEIVE_PERMISSION = "safeguarding.receive_mandatoryreport"
CLOSE_PERMISSION = "safeguarding.close_mandatoryreport"


def receives_reports(user) -> bool:
    """A county (or higher) admin: sees and is alerted of every report in the region."""
    return scope_covers_level(user, Level.COUNTY) and user.has_perm(RECEIVE_PERMISSION)


class ReportKind(models.TextChoices):
    HARMED = "harmed", _("suspected of being harmed")
    NEGLECT = "neglect", _("serious lack of guardianship")
    OTHER = "other", _("other emergency")


class ReportStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("mandatory report", "open")
    CLOSED = "closed", pgettext_lazy("mandatory report", "closed")


class MandatoryReportQuerySet(ScopedQuerySet):
    region_path = "child__region"

    def for_user(self, user):
        """The region scope, narrowed: county admins (and above) see all of it, anyone else
        only the reports they filed themselves."""
        rows = super().for_user(user)
        if user_scope(user) in (None, ALL) or receives_reports(user):
            return rows
        return rows.filter(reported_by=user)

    def open(self):
        return self.filter(status=ReportStatus.OPEN)


class MandatoryReport(models.Model):
    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="mandatory_reports"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    observed = models.TextField(_("what was seen"))
    observed_at = models.DateTimeField(_("seen at"))
    police_reported_on = models.DateField(_("reported to the police on"), null=True, blank=True)
    police_unit = models.CharField(_("police unit"), max_length=100, blank=True)
    police_receipt = models.CharField(_("police receipt number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("mandatory report", "closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("mandatory report", "closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = MandatoryReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandatory report")
        verbose_name_plural = _("mandatory reports")
        ordering = ["-reported_at"]
        permissions = [
            ("receive_mandatoryreport", _("Can see and is alerted of every mandatory report in the region")),
            ("close_mandatoryreport", _("Can close a mandatory report")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="mandatory_report_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="mandatory_report_status_valid"),
            # Closing needs an outcome, a time and who closed it.
            models.CheckConstraint(
                condition=Q(status=ReportStatus.OPEN)
                | (~Q(outcome="") & Q(closed_at__isnull=False) & Q(closed_by__isnull=False)),
                name="mandatory_report_closed_has_outcome",
            ),
            # Suspected harm must have been reported to the police before the case is closed.
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.CLOSED, kind=ReportKind.HARMED)
                | (Q(police_reported_on__isnull=False) & ~Q(police_unit="")),
                name="mandatory_report_harm_closed_after_police",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="mandatory_report_status"),
            models.Index(fields=["-reported_at", "-id"], name="mandatory_report_latest"),
        ]

    def __str__(self):
        return (
            f"{self.get_kind_display()} · {self.reported_at:%Y-%m-%d}" if self.reported_at else self.get_kind_display()
        )


class AlertQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Alert(models.Model):
    """A mandatory report sent to one county admin at once; read when they open the report."""

    report = models.ForeignKey(
        MandatoryReport, verbose_name=_("mandatory report"), on_delete=models.CASCADE, related_name="alerts"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="safeguard_alerts"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandatory report alert")
        verbose_name_plural = _("mandatory report alerts")
        constraints = [models.UniqueConstraint(fields=["report", "recipient"], name="alert_once_per_recipient")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alert_recipient_unread")]

    def __str__(self):
        return f"{self.report} → {self.recipient}"


class ConsentPurpose(models.TextChoices):
    PROCESSING = "processing", _("processing of personal information")
    PHOTOS = "photos", _("photos")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("written")
    ORAL = "oral", _("oral")


def consent_scan_path(instance, filename):
    # Random names: the form carries the guardian's signature. Served only through the scan view.
    extension = "pdf" if filename.lower().endswith(".pdf") else "jpg"
    return f"consent-scans/{uuid.uuid4().hex}.{extension}"


class ConsentQuerySet(ScopedQuerySet):
    region_path = "child__region"

    def in_force(self):
        return self.filter(withdrawn_on__isnull=True)


class Consent(models.Model):
    """The guardian's consent for one purpose: processing the child's information, or photos."""

    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("consent to"), max_length=12, choices=ConsentPurpose.choices)
    given_on = models.DateField(_("given on"))
    given_by = models.CharField(_("given by"), max_length=50, help_text=_("The guardian's name and relation."))
    method = models.CharField(_("how"), max_length=10, choices=ConsentMethod.choices)
    scan = models.FileField(_("scanned form"), upload_to=consent_scan_path, max_length=200, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["child", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["child", "purpose"], name="consent_once_per_purpose"),
            models.CheckConstraint(condition=Q(purpose__in=ConsentPurpose.values), name="consent_purpose_valid"),
            models.CheckConstraint(condition=Q(method__in=ConsentMethod.values), name="consent_method_valid"),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} · {self.given_on:%Y-%m-%d}"
