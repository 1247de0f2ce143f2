"""全覆盖核查 under 儿童 in the admin's sidebar and app index.

The admin lists registered models only; this page is no model, so its entry is added to the
children app's list for the users who may open it (``may_reconcile``). Installed once from
``RosterConfig.ready``.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .reconcile import may_reconcile


def install(site=admin.site):
    original = site.get_app_list
    if getattr(original, "adds_roster", False):
        return

    def get_app_list(request, app_label=None):
        app_list = original(request, app_label)
        if may_reconcile(request.user):
            for app in app_list:
                if app["app_label"] == "children":
                    app["models"].append(
                        {
                            "name": _("Roster reconciliation"),
                            "object_name": "RosterReconciliation",
                            "admin_url": reverse("roster_reconcile"),
                            "add_url": None,
                            "view_only": True,
                            "perms": {"view": True},
                        }
                    )
        return app_list

    get_app_list.adds_roster = True
    site.get_app_list = get_app_list
