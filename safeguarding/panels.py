"""Data for the dashboard's 强制报告 panel and the profile's 同意书 section."""

from django.urls import reverse

from .alerts import cached
from .models import Consent, ConsentPurpose, MandatoryReport, ReportStatus

#: Open reports listed on the dashboard (the count covers all of them).
DASHBOARD_ROWS = 20


def _open_reports(user) -> dict:
    reports = MandatoryReport.objects.for_user(user).filter(status=ReportStatus.OPEN)
    rows = list(reports.select_related("child").order_by("reported_at")[: DASHBOARD_ROWS + 1])
    count = len(rows) if len(rows) <= DASHBOARD_ROWS else reports.count()
    return {
        "open_count": count,
        "open": [
            {
                "child": r.child.name,
                "kind": r.get_kind_display(),
                "observed_at": r.observed_at,
                "police_reported_on": r.police_reported_on,
                "reported_at": r.reported_at,
                "url": reverse("admin:safeguarding_mandatoryreport_change", args=[r.pk]),
            }
            for r in rows[:DASHBOARD_ROWS]
        ],
    }


def dashboard_safeguard(user) -> dict:
    """Open mandatory reports the user may see: until each is closed with an outcome."""
    if not user.has_perm("safeguarding.view_mandatoryreport"):
        return {"open": [], "open_count": 0, "shown": False}
    return {
        **cached(user, "panel", lambda: _open_reports(user)),
        "shown": True,
        "list_url": reverse("admin:safeguarding_mandatoryreport_changelist") + "?status__exact=open",
    }


def profile_safeguard(user, child) -> dict:
    """The guardian's consents for the profile; an unrecorded purpose is shown as missing."""
    by_purpose = {c.purpose: c for c in Consent.objects.for_user(user).filter(child=child)}
    return {
        "consents": [{"purpose": label, "consent": by_purpose.get(value)} for value, label in ConsentPurpose.choices],
        "can_record": user.has_perm("safeguarding.add_consent"),
        "add_url": reverse("admin:safeguarding_consent_add") + f"?child={child.pk}",
    }
