"""Who may export what: the one rule every export path asks.

The admin's export buttons, the dashboard's 下载月度台账, every export job (when it starts, when
it runs and when its file is downloaded) and the commands given ``--user`` all call
``may_export``. Exporting rows takes the right to change them — county admins change every
register, township staff visits and activities, viewers nothing — so the rule follows the
roles in ``regions/roles.py`` without naming them. The monthly ledger is split by sheet: its
汇总 sheet holds figures only (no person), so whoever may see the dashboard may have it.

Only permission codenames appear here (core knows no domain models); an export not listed is
refused, so a new kind must be added to this table before anyone can use it.
"""

MONTHLY_LEDGER = "monthly_ledger"
VISIT_LEDGER = "visit_ledger"

#: The monthly ledger's sheets, in workbook order, and the permission each takes.
#: 家庭监护台账 (the family and guardianship of 基础台账's children) takes 基础台账's permission
#: and is written only with it: no one gets it without the children's sheet.
LEDGER_SHEETS = {
    "汇总": "children.view_child",
    "基础台账": "children.change_child",
    "家庭监护台账": "children.change_child",
    "结对帮扶关爱台账": "pairing.change_pairing",
    "活动台账": "activities.change_activity",
    "培训台账": "volunteers.change_training",
}

#: Exports made of one model's rows (job kinds), by the model whose rows they carry.
ROW_EXPORTS = {VISIT_LEDGER: "activities.visit"}

#: Printed files (reports.dossier): one child's 一人一档, a batch of them (a job kind) and a
#: pairing's 结对卡, masked as the profile is. For those who keep the files and do the visits
#: (county admins and township staff: they see the register and record visits); viewers may not
#: take personal data away.
DOSSIER = "dossier"
DOSSIER_BATCH = "dossier_batch"
PAIRING_CARD = "pairing_card"
PRINTS = {
    DOSSIER: ("children.view_child", "activities.add_visit"),
    DOSSIER_BATCH: ("children.view_child", "activities.add_visit"),
    PAIRING_CARD: ("pairing.view_pairing", "activities.add_visit"),
}


def _may_change_rows(user, label: str) -> bool:
    app, model = label.split(".")
    return user.has_perm(f"{app}.view_{model}") and user.has_perm(f"{app}.change_{model}")


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def may_export(user, what: str) -> tuple[str, ...]:
    """The parts of ``what`` that ``user`` may download, in order; empty: not at all.

    ``what`` is ``MONTHLY_LEDGER`` (parts: its sheet names), a job kind from ``ROW_EXPORTS``,
    or a model label (``"children.child"``) for the admin's export of that register; for
    those the one part is ``what`` itself.
    """
    if not _active(user):
        return ()
    if what == MONTHLY_LEDGER:
        return tuple(sheet for sheet, perm in LEDGER_SHEETS.items() if user.has_perm(perm))
    if what in PRINTS:
        return (what,) if all(user.has_perm(perm) for perm in PRINTS[what]) else ()
    label = ROW_EXPORTS.get(what, what)
    if label.count(".") != 1:
        return ()
    return (what,) if _may_change_rows(user, label) else ()


def may_import(user, label: str) -> bool:
    """Whether ``user`` may import a ledger of the model ``label`` (add and change its rows)."""
    if not _active(user) or label.count(".") != 1:
        return False
    app, model = label.split(".")
    return user.has_perm(f"{app}.add_{model}") and user.has_perm(f"{app}.change_{model}")
