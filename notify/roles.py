"""What each role may do here (granted by migration 0002).

Every account reads its own messages and deliveries and keeps its own settings; county admins
also see the deliveries of their area's accounts (``DeliveryQuerySet.for_user``) and manage the
group robots of their townships and county.
"""

OWN = ["view_message", "view_delivery", "view_preference", "change_preference"]

NOTIFY_ROLES = {
    "admin": [*OWN, "view_robothook", "add_robothook", "change_robothook"],
    "township": OWN,
    "viewer": OWN,
}


def grant_roles(apps, schema_editor=None):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    app_config = global_apps.get_app_config("notify")
    models_module = app_config.models_module
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in NOTIFY_ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="notify", codename__in=codenames))
