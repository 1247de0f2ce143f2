"""Who sees full ID and phone numbers, and the masked form everybody else sees.

One place for the rule, used by admin lists, autocomplete labels, history, exports, searches,
the audit log and pages. The rule (README, 脱敏规则): for a role without
``children.view_full_identity`` nothing it can see, download or query narrows a child's ID
number below 1,000 candidates or a phone number below 10,000. The arithmetic is in
``core.idnumber.mask_id_number`` and ``mask_phone``; what it assumes is shown beside a masked
number is kept here: the birth year, never the birth date or the age.

One exception, for the people who do the visits: ``guardian_phone_for`` gives township staff the
full phone of a guardian of their own area's child on the pages about that one child (see
``sees_guardian_phone``); opening such a page is logged as a record view.
"""

import datetime
import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from core.idnumber import mask_id_number, mask_phone, normalise_phone, normalise_text, parse_id_number, validate_phone
from core.signals import access_logged

FULL_IDENTITY_PERMISSION = "children.view_full_identity"

#: Field names holding an ID or phone number, wherever they are (child, mother, guardian).
IDENTITY_FIELDS = frozenset({"id_number", "phone", "guardian_phone"} | {
    # the child's family (issue 14): parents' and the entrusted carer's numbers
    "father_id_number", "father_phone", "mother_id_number", "mother_phone", "guardian_id_number",
})  # fmt: skip

#: The one answer when a number is registered outside the user's scope (admin forms and
#: imports): it says nothing about where, names who can find out, and the attempt is logged.
REFUSED = {
    "id_number": gettext_lazy(
        "This ID number cannot be registered; ask the county (district) federation administrator to check it."
    ),
    "phone": gettext_lazy(
        "This phone number cannot be registered; ask the county (district) federation administrator to check it."
    ),
}

_DIGIT_RUN = re.compile(r"\d[\d\s-]{2,}[\dX]|\d{4,}", re.IGNORECASE)


def sees_full_identity(user) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(FULL_IDENTITY_PERMISSION))


def id_number_for(user, value: str) -> str:
    return value if sees_full_identity(user) else mask_id_number(value)


def phone_for(user, value: str) -> str:
    return value if sees_full_identity(user) else mask_phone(value)


#: Who may see a guardian's full phone besides the full-identity roles: those who record visits
#: (township staff), because they call the family before and after a visit. Any child such a
#: user can reach is one of its own (``for_user``), so the number is always of its own area.
GUARDIAN_PHONE_PERMISSION = "activities.add_visit"


def sees_guardian_phone(user) -> bool:
    """Full guardian phones on the pages about one child (visit form, profile), never in lists,
    exports or searches: there the masked rule above holds for every role without the permission.
    Viewers keep the masked number; ID numbers stay masked whatever this says."""
    return sees_full_identity(user) or bool(
        user is not None and user.is_active and user.has_perm(GUARDIAN_PHONE_PERMISSION)
    )


def guardian_phone_for(user, value: str) -> str:
    """A child's guardian's phone as ``user`` sees it on a page about that one child."""
    return value if sees_guardian_phone(user) else mask_phone(value)


def mask_birth_date(day: datetime.date | None) -> str:
    """The birth year only: with the masked ID it leaves ≥ 182,500 candidates (see mask_id_number)."""
    return gettext("%(year)s (year only)") % {"year": day.year} if day else ""


def birth_date_for(user, day: datetime.date | None):
    """The birth date for a role that sees full numbers, else its year as text."""
    return day if sees_full_identity(user) else mask_birth_date(day)


def age_for(user, child) -> int | None:
    """The age, or None for a masked role: the day it goes up is the birthday."""
    return child.age if sees_full_identity(user) else None


def complete_identity(term: str) -> str:
    """``term`` as a stored ID or phone number when it is a complete, valid one; else ''.

    Masked roles search these fields only by the complete value: a prefix or a tail would
    let them rebuild a number a few digits at a time.
    """
    text = normalise_text(term).replace(" ", "").upper()
    try:
        return parse_id_number(text).number
    except ValidationError:
        pass
    phone = normalise_phone(text)
    try:
        validate_phone(phone)
    except ValidationError:
        return ""
    return phone


def identity_search_for(user, term: str) -> str:
    """``complete_identity(term)``, counted for a masked role: at most
    ``IDENTITY_SEARCHES_PER_HOUR`` complete-number searches an hour, then '' (the search finds
    nothing by number) until the hour is over.

    A masked role sees the region code and birth year: what is left is about 182,500 candidate
    ID numbers, and each complete-number search tries one. The limit makes trying them all take
    years; the first search past it is logged. Counted in the cache: per process with the default
    cache, shared with ``DJANGO_CACHE_URL`` (docs/deploy.md).
    """
    number = complete_identity(term)
    if not number or sees_full_identity(user):
        return number
    return number if identity_try(user, number, place="search") else ""


def _tries_key(user) -> str:
    return f"identity-searches:{user.pk}:{datetime.datetime.now(datetime.UTC):%Y%m%d%H}"


def identity_tries_left(user) -> bool:
    """Whether a masked role still has complete-number tries this hour (nothing is spent)."""
    return sees_full_identity(user) or (cache.get(_tries_key(user)) or 0) < settings.IDENTITY_SEARCHES_PER_HOUR


def identity_try(user, number: str, *, place: str) -> bool:
    """Spend one of a masked role's ``IDENTITY_SEARCHES_PER_HOUR`` complete-number tries; False
    when none is left (the first try past the limit is logged). Search boxes and imports share
    the budget: a row naming a number that is no child in scope tells the same as a search."""
    key = _tries_key(user)
    cache.add(key, 0, timeout=60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        count = 1
    if count <= settings.IDENTITY_SEARCHES_PER_HOUR:
        return True
    if count == settings.IDENTITY_SEARCHES_PER_HOUR + 1:
        access_logged.send(sender=None, user=user, kind="limited", place=place, detail=number)
    return False


def identity_search_refused(user, term: str, number: str) -> bool:
    """Whether ``term`` was a complete number that ``identity_search_for`` refused to look up."""
    return not number and bool(complete_identity(term)) and not sees_full_identity(user)


#: What a masked role is told when it is past the limit.
SEARCH_LIMITED = gettext_lazy(
    "You have searched by complete ID or phone number too many times this hour; "
    "search by name, or try again in an hour."
)


#: What a masked role's import says on every row once the hour's number tries are spent.
IMPORT_LIMITED = gettext_lazy(
    "too many ID numbers that are no child in your area this hour; check the file against the "
    "children's register, or import it again in an hour"
)


def mask_query(text: str) -> str:
    """A search query as the audit log keeps it: every run of four or more digits masked."""

    def hide(match):
        run = re.sub(r"[\s-]", "", match.group(0))
        if len(run) >= 15:
            return mask_id_number(run.upper())
        return mask_phone(run) if len(run) >= 10 else "*" * len(run)

    return _DIGIT_RUN.sub(hide, normalise_text(text))


def log_refusal(*, user, number: str, place: str, field: str = "id_number") -> None:
    """An audit record of an attempt to register a number taken outside the user's scope (masked)."""
    access_logged.send(sender=None, user=user, kind="refused", place=place, detail=number, field=field)


def refuse_registration(*, user, number: str, place: str, field: str = "id_number") -> str:
    """Log the attempt and give the message for a number taken elsewhere."""
    log_refusal(user=user, number=number, place=place, field=field)
    return str(REFUSED[field])
