"""The three staff roles and their permissions, as data (used by the roles data migration).

Codenames only: the migration resolves them against the historical Permission model.
Deleting is left out on purpose — only superusers delete (nothing about a child is lost).
"""

REGISTERS = {
    "regions": ["region"],
    "volunteers": ["volunteer", "volunteerteam", "training", "sector"],
    "children": ["child", "cardchange", "childcategory", "difficultytype"],
    "pairing": ["pairing", "pairingmember"],
    "activities": ["visit", "activity", "course", "workstation", "visitmode", "activitytype"],
}


def _perms(actions, models_by_app):
    return [
        (app, f"{action}_{model}") for app, models in models_by_app.items() for model in models for action in actions
    ]


ROLES = {
    # 市/县妇联管理员: everything in their region.
    "admin": _perms(["view", "add", "change"], REGISTERS)
    + [("children", "view_full_identity"), ("regions", "view_staffprofile")],
    # 乡镇工作人员: read the registers, record visits and activities.
    "township": _perms(["view"], REGISTERS) + _perms(["add", "change"], {"activities": ["visit", "activity"]}),
    # 只读: registers and dashboards of their region.
    "viewer": _perms(["view"], REGISTERS),
}
