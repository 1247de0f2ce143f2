"""The roles (staff, and the caring mother's own account) and their permissions, as data.

Codenames only: the migration resolves them against the historical Permission model.
Deleting is left out on purpose — only superusers delete (nothing about a child is lost).
"""

from django.utils.translation import gettext_lazy as _

#: How a person reads each role.
ROLE_LABELS = {
    "admin": _("county women's federation admin"),
    "township": _("township staff"),
    "viewer": _("viewer (read only)"),
    "mother": _("caring mother (own account)"),
}

REGISTERS = {
    "regions": ["region"],
    "volunteers": ["volunteer", "volunteerteam", "training", "sector"],
    "children": ["child", "cardchange", "childcategory", "difficultytype", "visitpolicy"],
    "pairing": ["pairing", "pairingmember"],
    "activities": ["visit", "activity", "course", "workstation", "visitmode", "activitytype", "visitphoto"],
}


#: 一人一案 (casework): township staff add needs and referrals and reply to 督办; admins ask.
CASEWORK = {"casework": ["need", "needvisit", "referral", "supervision", "department"]}


def _perms(actions, models_by_app):
    return [
        (app, f"{action}_{model}") for app, models in models_by_app.items() for model in models for action in actions
    ]


ROLES = {
    # 市/县妇联管理员: everything in their region.
    "admin": _perms(["view", "add", "change"], REGISTERS)
    + [("children", "view_full_identity"), ("regions", "view_staffprofile")]
    + [("regions", "manage_staff")]
    + _perms(["view"], {"audit": ["loginevent", "recordview", "ledgerevent", "accessevent"]})
    + _perms(["view"], {"closing": ["monthclose", "correction"]})
    + [("closing", "close_month")]
    + _perms(["view", "add", "change"], CASEWORK),
    # 乡镇工作人员: read the registers, record visits and activities.
    "township": _perms(["view"], REGISTERS)
    + _perms(["add", "change"], {"activities": ["visit", "activity"]})
    + _perms(["view"], {"closing": ["monthclose", "correction"]})
    + [("closing", "submit_month")]
    + _perms(["view", "add", "change"], {"casework": ["need", "referral"]})
    + _perms(["view", "change"], {"casework": ["supervision"]})
    + _perms(["view"], {"casework": ["needvisit", "department"]}),
    # 只读: registers and dashboards of their region.
    "viewer": _perms(["view"], REGISTERS) + _perms(["view"], {"closing": ["monthclose"]}) + _perms(["view"], CASEWORK),
    # 爱心妈妈本人: no model permission at all. She is no staff (the admin refuses her); her pages
    # (mothers.views) ask for a mother's account, and for_user gives her only the children she
    # is paired with now (regions.scoping.ScopedQuerySet.for_mother).
    "mother": [],
}


def create_app_permissions(apps, app_labels=None) -> None:
    """Create the permissions of the apps (all when ``app_labels`` is None) inside a migration.

    Permissions are normally created after all migrations; a data migration granting them must
    make sure they exist now. The registry is put back as it was: other code after `migrate` in
    the same process (the post_migrate handlers, the test runner's serialized_rollback snapshot)
    skips any app whose models_module is None.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        if app_labels is not None and app_config.label not in app_labels:
            continue
        models_module = app_config.models_module
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module


def grant_app_roles(apps, app_label: str, role_codenames: dict[str, list[str]]) -> None:
    """Give each role group its permissions of one app (the body of an app's data migration)."""
    create_app_permissions(apps, {app_label})
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in role_codenames.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def sync_roles(apps, schema_editor=None):
    """Create the role groups and grant their permissions (RunPython; safe to re-run).

    Later migrations that add models or permissions call this again.
    """
    create_app_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in perms
            if Permission.objects.filter(content_type__app_label=app, codename=codename).exists()
        ]
        group.permissions.add(*wanted)
