"""What each role may do here (granted by migration 0002; regions.roles keeps the registers).

Viewers get nothing: a 强制报告 is for the county admins and its reporter, and consent forms
are records of the guardian's signature, not figures.
"""

SAFEGUARD_ROLES = {
    "admin": [
        "view_mandatoryreport",
        "add_mandatoryreport",
        "change_mandatoryreport",
        "receive_mandatoryreport",
        "close_mandatoryreport",
        "view_consent",
        "add_consent",
        "change_consent",
    ],
    "township": [
        "view_mandatoryreport",
        "add_mandatoryreport",
        "change_mandatoryreport",
        "view_consent",
        "add_consent",
        "change_consent",
    ],
    "viewer": [],
}


def grant_roles(apps, schema_editor=None):
    from regions.roles import grant_app_roles

    grant_app_roles(apps, "safeguarding", SAFEGUARD_ROLES)
