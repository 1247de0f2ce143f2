"""Cell values as staff type them: dates every which way, colours, genders, money, lists."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from core.idnumber import FEMALE, MALE, normalise_text


class CellError(Exception):
    """A value that cannot be used; the message says why, in words for the person who typed it."""


EXCEL_EPOCH = datetime.date(1899, 12, 30)
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(:\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_LIST_SEPARATORS = re.compile(r"[、，,；;]+")
_SKILL_SEPARATORS = re.compile(r"[、，,；;\s]+")

COLOURS = {"红": "red", "黄": "yellow", "绿": "green"}
GENDERS = {"男": MALE, "男性": MALE, "女": FEMALE, "女性": FEMALE, "M": MALE, "F": FEMALE}


def text(value) -> str:
    """Trimmed text with full-width characters made half-width; numbers lose a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return normalise_text(value)


def is_blank(value) -> bool:
    return text(value) == ""


def _date(year: int, month: int, day: int, raw) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(_("%(value)s is not a real date.") % {"value": raw}) from None


def parse_date(value, *, allow_month: bool = False) -> datetime.date | None:
    """A date from a real Excel date, an Excel serial number or text in the usual spellings.

    With ``allow_month`` a year and month alone (出生年月 "2015年3月") give the first of the month.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value)
        if _COMPACT_DATE.match(str(number)):
            return _date(number // 10000, number // 100 % 100, number % 100, number)
        if 1 <= number <= 2958465:
            return EXCEL_EPOCH + datetime.timedelta(days=number)
        raise CellError(_("%(value)s is not a date.") % {"value": value})
    raw = text(value)
    if not raw:
        return None
    if match := _FULL_DATE.match(raw):
        return _date(int(match[1]), int(match[2]), int(match[3]), raw)
    if match := _COMPACT_DATE.match(raw):
        return _date(int(match[1]), int(match[2]), int(match[3]), raw)
    if allow_month and (match := _YEAR_MONTH.match(raw)):
        return _date(int(match[1]), int(match[2]), 1, raw)
    raise CellError(
        _("%(value)s is not a date; write it like 2015-03-02, 2015/3/2, 2015.3.2 or 2015年3月2日.") % {"value": raw}
    )


def parse_colour(value) -> str:
    """红, 红色, 红卡 (and 黄…, 绿…) as the stored colour; blank gives ""."""
    raw = text(value).replace(" ", "")
    if not raw:
        return ""
    if raw.lower() in COLOURS.values():
        return raw.lower()
    key = raw.removesuffix("色").removesuffix("卡").removesuffix("色")
    if key in COLOURS:
        return COLOURS[key]
    raise CellError(_("%(value)s is not a card colour; use 红, 黄 or 绿.") % {"value": raw})


def parse_gender(value) -> str:
    raw = text(value).replace(" ", "")
    if not raw:
        return ""
    if raw.upper() in GENDERS:
        return GENDERS[raw.upper()]
    if raw in GENDERS:
        return GENDERS[raw]
    raise CellError(_("%(value)s is not a gender; use 男 or 女.") % {"value": raw})


def parse_money(value) -> Decimal:
    """ "150元", "1,200", 150.0 → an amount in yuan; blank is 0."""
    raw = text(value).replace(" ", "").replace(",", "").replace("，", "").removesuffix("元")
    if not raw:
        return Decimal(0)
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CellError(_("%(value)s is not an amount of money.") % {"value": value}) from None
    if amount < 0 or not amount.is_finite():
        raise CellError(_("An amount cannot be negative.")) from None
    return amount.quantize(Decimal("0.01"))


def parse_count(value) -> int:
    raw = text(value).replace(" ", "").removesuffix("人次").removesuffix("人").removesuffix("次")
    if not raw:
        return 0
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellError(_("%(value)s is not a whole number.") % {"value": value}) from None
    if number < 0 or number != number.to_integral_value():
        raise CellError(_("%(value)s is not a whole number.") % {"value": value})
    return int(number)


def split_list(value) -> list[str]:
    """Several names in one cell, separated by 、，,；; (full- or half-width)."""
    return [part.strip() for part in _LIST_SEPARATORS.split(text(value)) if part.strip()]


def split_skills(value) -> list[str]:
    return [part for part in _SKILL_SEPARATORS.split(text(value)) if part]
