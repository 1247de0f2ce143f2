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
    from regions.roles import sync_roles

    sync_roles(apps, schema_editor)  # creates the permissions of every app, ours included
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="assessments", codename__in=codenames))
