"""Every write of a mandatory report, an alert or a consent goes through here (admin, views, tests)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notify.services import alert_mandatory_report
from regions.models import Level, ancestor_code

from .alerts import forget
from .models import (
    Alert,
    Consent,
    ConsentPurpose,
    MandatoryReport,
    ReportKind,
    ReportStatus,
    receives_reports,
)


def alert_recipients(child):
    """Active county (or higher) admins whose region holds the child's village."""
    code = child.region.code
    holding = {ancestor_code(code, level) for level in (Level.PROVINCE, Level.CITY, Level.COUNTY)}
    permission = Permission.objects.get(content_type__app_label="safeguarding", codename="receive_mandatoryreport")
    return (
        get_user_model()
        ._default_manager.filter(is_active=True, staff_profile__region__code__in=holding)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .distinct()
    )


@transaction.atomic
def report_file(
    *,
    child,
    kind: str,
    observed: str,
    observed_at,
    by,
    police_reported_on=None,
    police_unit: str = "",
    police_receipt: str = "",
) -> MandatoryReport:
    """File a 强制报告 on a child the reporter may see, and alert the county admins at once."""
    from children.models import Child

    if (
        not by.has_perm("safeguarding.add_mandatoryreport")
        or not Child.objects.for_user(by).filter(pk=child.pk).exists()
    ):
        raise PermissionDenied
    report = MandatoryReport(
        child=child,
        kind=kind,
        observed=(observed or "").strip(),
        observed_at=observed_at,
        police_reported_on=police_reported_on,
        police_unit=(police_unit or "").strip(),
        police_receipt=(police_receipt or "").strip(),
        reported_by=by,
    )
    if report.observed_at and report.observed_at > timezone.now():
        raise ValidationError({"observed_at": _("The time seen cannot be in the future.")})
    report.full_clean(exclude=["reported_by"])
    report.save()
    alerts = Alert.objects.bulk_create(
        [Alert(report=report, recipient=user) for user in alert_recipients(child) if user.pk != by.pk]
    )
    _forget_seen_by(report, extra=[a.recipient_id for a in alerts])
    transaction.on_commit(lambda: alert_mandatory_report(report), robust=True)
    return report


def _forget_seen_by(report, extra=()):
    """The badge and dashboard of everyone alerted, the reporter and ``extra`` change now."""
    ids = {report.reported_by_id, *extra, *Alert.objects.filter(report=report).values_list("recipient_id", flat=True)}
    transaction.on_commit(lambda: forget(ids))


@transaction.atomic
def report_update(*, report: MandatoryReport, by, **fields) -> MandatoryReport:
    """Add what was learnt since (the police report, the receipt number); a closed report stays closed."""
    if not MandatoryReport.objects.for_user(by).filter(pk=report.pk).exists():
        raise PermissionDenied
    if MandatoryReport.objects.filter(pk=report.pk, status=ReportStatus.CLOSED).exists():
        raise ValidationError(_("A closed mandatory report cannot be changed."))
    for name in ("kind", "observed", "observed_at", "police_reported_on", "police_unit", "police_receipt"):
        if name in fields:
            setattr(report, name, fields[name])
    report.full_clean(exclude=["reported_by", "closed_by"])
    report.save()
    _forget_seen_by(report)
    return report


@transaction.atomic
def report_close(*, report: MandatoryReport, outcome: str, by) -> MandatoryReport:
    """Close a report with its outcome: a county admin only; suspected harm needs the police report."""
    if not by.has_perm("safeguarding.close_mandatoryreport") or not receives_reports(by):
        raise PermissionDenied
    if not MandatoryReport.objects.for_user(by).filter(pk=report.pk).exists():
        raise PermissionDenied
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Closing a mandatory report needs its outcome.")})
    if report.kind == ReportKind.HARMED and not (report.police_reported_on and report.police_unit):
        raise ValidationError(
            _("Suspected harm must be reported to the police (date and unit) before the report is closed.")
        )
    report.status = ReportStatus.CLOSED
    report.outcome = outcome
    report.closed_at = timezone.now()
    report.closed_by = by
    report.save()
    _forget_seen_by(report, extra=[by.pk])
    return report


def alerts_mark_read(*, report: MandatoryReport, user) -> int:
    read = Alert.objects.filter(report=report, recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    forget([user.pk])
    return read


# --- consent ------------------------------------------------------------------------------------


@transaction.atomic
def consent_save(*, consent: Consent, by, scan=None) -> Consent:
    """Record or correct a guardian's consent; ``scan`` is a file already checked by ``clean_scan``."""
    from children.models import Child

    if not Child.objects.for_user(by).filter(pk=consent.child_id).exists():
        raise PermissionDenied
    consent.given_by = (consent.given_by or "").strip()
    if consent.pk is None:
        consent.recorded_by = by
    consent.full_clean(exclude=["recorded_by", "scan"])
    if scan is not None:
        consent.scan.save(scan.name, scan, save=False)
    consent.save()
    return consent


def has_photo_consent(child) -> bool:
    return Consent.objects.in_force().filter(child=child, purpose=ConsentPurpose.PHOTOS).exists()


def require_photo_consent(child) -> None:
    """With ``PHOTOS_REQUIRE_CONSENT`` on, a visit photo of a child without photo consent is refused."""
    if getattr(settings, "PHOTOS_REQUIRE_CONSENT", False) and not has_photo_consent(child):
        raise ValidationError(
            _("The guardian has not consented to photos of this child; the photos were not saved."),
            code="photos_without_consent",
        )
