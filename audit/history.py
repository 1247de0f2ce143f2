"""How a history page (django-simple-history's diff) shows a changed value to a person.

simple-history puts the stored value into the "修改内容" column as it is: a colour change reads
``green → yellow``, an empty field ``None``, a flag ``True``. Here a value becomes what the
forms show: a choice's label (绿 → 黄), 是/否, a local date and time, and “—” for nothing.
"""

import datetime

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext

EMPTY = "—"


def readable_value(model, field_name: str, value):
    """``value`` of ``model.field_name`` as a person reads it (a list: each element)."""
    if isinstance(value, list):
        return [readable_value(model, field_name, v) for v in value] if value else EMPTY
    if value is None or value == "":
        return EMPTY
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # a property listed in the history, not a field
        field = None
    if field is not None and getattr(field, "flatchoices", None):
        labels = {str(key): label for key, label in field.flatchoices}
        label = labels.get(str(value))
        if label is not None:
            return str(label)
    if isinstance(value, bool) or isinstance(field, models.BooleanField):
        return gettext("yes") if value in (True, "True", "true", 1, "1") else gettext("no")
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, datetime.date):
        return formats.localize(value)
    return value
