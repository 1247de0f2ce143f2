"""Resident identity numbers (GB 11643-1999) and phone numbers.

One parser used by model validation, forms and spreadsheet imports, so every path gives
the same normalisation and the same message for the same mistake.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
MALE = "M"
FEMALE = "F"

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: datetime.date
    gender: str


def normalise_text(value) -> str:
    """Full-width digits/letters to half-width and all surrounding spaces (incl. U+3000) off."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse_id_number(raw, *, today: datetime.date | None = None) -> IdInfo:
    """Return the normalised number with its birth date and gender, or raise ValidationError."""
    if isinstance(raw, float):
        raise ValidationError(
            _(
                "The ID number was stored by Excel as a number and has lost its last digits. "
                "Format the column as text (文本) and re-enter the number."
            ),
            code="id_number_as_number",
        )
    number = normalise_text(raw).replace(" ", "").upper()
    if _SCIENTIFIC.match(number):
        raise ValidationError(
            _(
                "The ID number was stored by Excel as a number and has lost its last digits. "
                "Format the column as text (文本) and re-enter the number."
            ),
            code="id_number_as_number",
        )
    if not number:
        raise ValidationError(_("The ID number is empty."), code="id_number_empty")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("This is an old 15-digit ID number; enter the 18-digit number instead."),
            code="id_number_15",
        )
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(count)d."),
            code="id_number_length",
            params={"count": len(number)},
        )
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."), code="id_number_chars")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number (%(digits)s) is not a real date."),
            code="id_number_date",
            params={"digits": number[6:14]},
        ) from None
    today = today or timezone.localdate()
    if birth > today or birth.year < 1900:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is impossible."),
            code="id_number_future",
            params={"date": birth.isoformat()},
        )
    expected = check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check character of the ID number is wrong; check the number for typos."),
            code="id_number_check",
        )
    gender = MALE if int(number[16]) % 2 == 1 else FEMALE
    return IdInfo(number=number, birth_date=birth, gender=gender)


def validate_id_number(value) -> None:
    parse_id_number(value)


def normalise_phone(raw) -> str:
    phone = normalise_text(raw).replace(" ", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    return phone


def validate_phone(value) -> None:
    phone = normalise_phone(value)
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 1, or a landline with its area code (e.g. 0358-1234567)."),
            code="phone",
        )


#: Characters of an ID number a masked role sees: the region code, which the child's village
#: gives away anyway. See ``mask_id_number`` for why nothing else.
ID_SHOWN = 6
#: Leading characters of a phone number a masked role sees (the carrier prefix).
PHONE_SHOWN = 3
#: Fewer digits than this and nothing of a phone number is shown.
PHONE_MIN_HIDDEN = 7


def mask_id_number(value: str) -> str:
    """The region code and nothing else: ``141102************``.

    What a masked role is assumed to know anyway: the region code (digits 1–6, from the
    village), the gender (digit 17 is odd for boys: 5 of 10 values) and the birth year (shown
    beside the mask instead of the birth date). The check character (18th) follows from the
    other 17 and adds nothing. That leaves the day of birth within the year (365 or 366), the
    two free sequence digits 15–16 (100) and the gender digit (5)::

        365 × 100 × 5 = 182,500 candidates  (≥ 1,000 required)

    Even a leaked birth month would leave 28 × 500 = 14,000; the exact birth date would
    leave 500, which is why no page shows it, nor the age (its daily change dates the
    birthday), to a masked role. The old mask ``141102********1116`` kept digits 15–18 and
    hid exactly the birth date the same pages showed: 1 candidate.
    """
    if not value:
        return ""
    if len(value) < 15:  # not an ID number: nothing of it is safe to show
        return "*" * len(value)
    return value[:ID_SHOWN] + "*" * (len(value) - ID_SHOWN)


def mask_phone(value: str) -> str:
    """The first three characters and nothing else: ``138********``.

    An 11-digit mobile number is 3 carrier digits, 4 HLR digits and 4 subscriber digits. The
    HLR block is tied to the city where the number was issued and public lists give the few
    dozen blocks of a city, so it is counted as known: the 4 hidden subscriber digits alone
    leave 10^4 = 10,000 candidates (≥ 10,000 required). Keeping the last four, as
    ``138****5678`` did, left only the HLR block to guess: a few dozen candidates. A landline
    keeps three characters of its area code and hides its 7 or 8 digit number (≥ 10^7).
    Anything with fewer than ``PHONE_MIN_HIDDEN`` digits after the prefix is hidden whole.
    """
    if not value:
        return ""
    digits_after = sum(ch.isdigit() for ch in value[PHONE_SHOWN:])
    if digits_after < PHONE_MIN_HIDDEN:
        return "*" * len(value)
    return value[:PHONE_SHOWN] + "*" * (len(value) - PHONE_SHOWN)
