"""Who sees full ID and phone numbers, and the masked form everybody else sees.

One place for the rule, used by admin lists, autocomplete labels, history, exports and pages.
"""

from core.idnumber import mask_id_number, mask_phone

FULL_IDENTITY_PERMISSION = "children.view_full_identity"


def sees_full_identity(user) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(FULL_IDENTITY_PERMISSION))


def id_number_for(user, value: str) -> str:
    return value if sees_full_identity(user) else mask_id_number(value)


def phone_for(user, value: str) -> str:
    return value if sees_full_identity(user) else mask_phone(value)
