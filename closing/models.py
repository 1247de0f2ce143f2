"""A region's month: submitted (上报) by the township, closed (审核/锁定) by the county.

A closed month keeps the ledger workbook and the figures as they were when it was closed;
every later download of that month for that region is the stored file. A later change to a row
dated in a closed month is a ``Correction``: it never alters the stored file and is listed on
the ledger of the next open month.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.scoping import ScopedQuerySet


def ledger_file_path(instance, filename):
    # Random names: the stored ledgers hold ID numbers. Served only through closing's views.
    return f"closing/{uuid.uuid4().hex}.xlsx"


SHEET_SEPARATOR = "、"


class MonthState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    CLOSED = "closed", _("closed")
    RETURNED = "returned", _("returned")
    REOPENED = "reopened", _("reopened")


class MonthCloseQuerySet(ScopedQuerySet):
    region_path = "region"

    def closed(self):
        return self.filter(state=MonthState.CLOSED)


class MonthClose(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="month_closes"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    state = models.CharField(_("state"), max_length=10, choices=MonthState.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("reason"), blank=True, help_text=_("Why the month was returned or reopened."))
    figures = models.JSONField(_("figures"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = MonthCloseQuerySet.as_manager()

    class Meta:
        verbose_name = _("month close")
        verbose_name_plural = _("month closes")
        ordering = ["-month", "region__code"]
        constraints = [models.UniqueConstraint(fields=["region", "month"], name="month_close_once_per_region")]
        permissions = [
            ("submit_month", _("Can submit a township's month")),
            ("close_month", _("Can close, return and reopen a month")),
        ]

    def __str__(self):
        return f"{self.region} {self.month:%Y-%m} {self.get_state_display()}"


class ClosedLedger(models.Model):
    """One stored workbook of a closed month, for one way of seeing it: which sheets
    (``core.permissions.may_export``) and whether ID and phone numbers are masked."""

    close = models.ForeignKey(
        MonthClose, verbose_name=_("month close"), on_delete=models.PROTECT, related_name="ledgers"
    )
    sheets = models.CharField(_("sheets"), max_length=200)
    masked = models.BooleanField(_("masked"))
    file = models.FileField(_("file"), upload_to=ledger_file_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_at = models.DateTimeField(_("stored at"), auto_now_add=True)
    # A reopened month keeps the files it had; the next close stores new ones.
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stored ledger")
        verbose_name_plural = _("stored ledgers")
        constraints = [
            models.UniqueConstraint(
                fields=["close", "sheets", "masked"],
                condition=models.Q(superseded_at__isnull=True),
                name="closed_ledger_one_current_variant",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def sheet_list(self) -> list[str]:
        return [s for s in self.sheets.split(SHEET_SEPARATOR) if s]


class CorrectionQuerySet(ScopedQuerySet):
    region_path = "region"


class Correction(models.Model):
    """A change to a row dated in a closed month: who, why, when, and which ledger lists it."""

    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("corrected month"))
    shown_in = models.DateField(_("listed on the ledger of"))
    record = models.CharField(_("record"), max_length=200)
    change = models.TextField(_("change"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["shown_in", "region"], name="correction_shown_in"),
            models.Index(fields=["-at", "-id"], name="correction_latest"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.record}"
