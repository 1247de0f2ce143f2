"""Stored figures: ``reports.indicators.Indicators`` to JSON and back, exactly."""

import dataclasses
import datetime
import json
import types
import typing
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder

from reports.indicators import Indicators


def to_json(figures: Indicators) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(figures), cls=DjangoJSONEncoder))


def _number(value):
    # DjangoJSONEncoder writes Decimals as strings; ints stay ints.
    return Decimal(value) if isinstance(value, str) else value


def _decode(kind, value):
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if kind is datetime.date:
        return datetime.date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(str(value))
    if origin in (typing.Union, types.UnionType):
        return _number(value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(
            **{f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(kind) if f.name in value}
        )
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_decode(item, v) for v in value]
    if origin is tuple:
        return tuple(_decode(k, v) for k, v in zip(typing.get_args(kind), value, strict=False))
    return value


def from_json(data: dict) -> Indicators:
    return _decode(Indicators, data)
