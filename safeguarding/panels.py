"""Data for the dashboard's 强制报告 panel and the profile's 同意书 section: one query each."""

from django.urls import reverse

from .models import Consent, ConsentPurpose, MandatoryReport, ReportStatus

#: Open reports listed on the dashboard (the count covers all of them).
DASHBOARD_ROWS = 20


def dashboard_safeguard(user) -> dict:
    """Open mandatory reports the user may see: until each is closed with an outcome."""
    if not user.has_perm("safeguarding.view_mandatoryreport"):
        return {"open": [], "open_count": 0, "shown": False}
    reports = MandatoryReport.objects.for_user(user).filter(status=ReportStatus.OPEN)
    rows = reports.select_related("child").order_by("reported_at")[:DASHBOARD_ROWS]
    return {
        "shown": True,
        "open_count": reports.count(),
        "open": [{"report": r, "url": reverse("admin:safeguarding_mandatoryreport_change", args=[r.pk])} for r in rows],
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
