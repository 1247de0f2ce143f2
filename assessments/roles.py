"""The roles' permissions on assessments (granted by migration 0002; regions.roles keeps the rest).

County admins edit the checklist and thresholds and record assessments; township staff record
assessments for their children and read the checklist; viewers read.
"""

ROLE_PERMS = {
    "admin": [
        f"{action}_{model}"
        for model in ("assessmentitem", "assessmentthresholds", "assessment")
        for action in ("view", "add", "change")
    ],
    "township": ["view_assessmentitem", "view_assessmentthresholds", "view_assessment", "add_assessment"],
    "viewer": ["view_assessmentitem", "view_assessmentthresholds", "view_assessment"],
}


def grant_roles(apps, schema_editor=None):
    from regions.roles import grant_app_roles, sync_roles

    sync_roles(apps, schema_editor)  # the registers' roles, for every app's permissions
    grant_app_roles(apps, "assessments", ROLE_PERMS)
