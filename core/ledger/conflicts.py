"""Conflicts between a ledger and newer data (issue 12): "an old file undoes nothing".

For every field an import would change, the preview shows old → new. When the stored value
took its present form after the ledger's date (from django-simple-history for ordinary fields,
from CardChange effective dates for the card colour), the change is a conflict: shown, and
applied only when the user asks for it (``overwrite_newer``).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    #: the day the stored value took its present form, when the history says so
    changed_on: datetime.date | None = None
    #: the stored value is newer than the ledger
    conflict: bool = False
    applied: bool = True


def _day(moment) -> datetime.date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


class FieldHistory:
    """When each field of a model's rows last changed, from their history rows (one query each)."""

    def __init__(self):
        self.changed: dict[tuple, dict[str, datetime.date]] = {}
        self.loaded: set[tuple] = set()

    def load(self, model, pks) -> None:
        label = model._meta.label_lower
        pks = [pk for pk in pks if (label, pk) not in self.loaded]
        if not pks or not hasattr(model, "history"):
            return
        historical = model.history.model
        tracked = {f.attname for f in historical._meta.concrete_fields} & {f.attname for f in model._meta.fields}
        tracked -= {model._meta.pk.attname}
        sets = self._m2m_sets(model, historical, pks)
        previous: dict = {}
        for start in range(0, len(pks), 2000):
            chunk = pks[start : start + 2000]
            records = model.history.filter(id__in=chunk).order_by("id", "history_date", "history_id")
            for record in records.values("id", "history_id", "history_date", *tracked).iterator():
                pk = record["id"]
                values = {**{f: record[f] for f in tracked}, **sets.get(record["history_id"], {})}
                before = previous.get(pk)
                mine = self.changed.setdefault((label, pk), {})
                for key, value in values.items():
                    if before is None or before.get(key) != value:
                        mine[key] = _day(record["history_date"])
                previous[pk] = values
        self.loaded.update((label, pk) for pk in pks)

    @staticmethod
    def _m2m_sets(model, historical, pks) -> dict:
        """{history_id: {m2m field name: frozenset of ids}} for the m2m fields the history keeps."""
        out: dict = defaultdict(dict)
        for field in getattr(historical, "_history_m2m_fields", []) or []:
            through = apps.get_model(model._meta.app_label, f"{historical.__name__}_{field.name}")
            target = field.m2m_reverse_field_name()
            ids = model.history.filter(id__in=pks).values("history_id")
            for history_id in ids.values_list("history_id", flat=True):
                out[history_id][field.name] = frozenset()
            for history_id, target_id in through.objects.filter(history__in=ids).values_list("history_id", target):
                out[history_id][field.name] = out[history_id][field.name] | {target_id}
        return out

    def changed_on(self, instance, key: str) -> datetime.date | None:
        model = type(instance)
        label = model._meta.label_lower
        if (label, instance.pk) not in self.loaded:
            self.load(model, [instance.pk])
        field = model._meta.get_field(key)
        name = field.name if field.many_to_many else field.attname
        return self.changed.get((label, instance.pk), {}).get(name)
