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
    from regions.roles import grant_app_roles

    grant_app_roles(apps, "notify", NOTIFY_ROLES)
