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
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    app_config = global_apps.get_app_config("safeguarding")
    models_module = app_config.models_module
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in SAFEGUARD_ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="safeguarding", codename__in=codenames)
        )
