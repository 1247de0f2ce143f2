"""A child being added or imported who is probably registered already (issue 15, item 7).

Probably the same child: the same name and birth date, or the same name and guardian's phone,
among the children in the user's scope — children the user can already list. The ID number
differs (the same number is the same child, and ``ChildAdminForm.clean_id_number`` and the import
say so), so this is a warning a person settles, never a refusal.

A role that sees masked numbers is matched on what it sees: the name and the birth year. The
exact birth date or the guardian's phone would make the check an oracle: typing a name with one
birth date after another would date a child's birthday (and leave 500 candidate ID numbers where
the mask promises 1,000, ``core.idnumber.mask_id_number``), one phone after another would find
the guardian's number. The matches are shown as that role sees the register: the masked ID.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext

from core.idnumber import normalise_phone, normalise_text
from core.masking import id_number_for, sees_full_identity

from .models import Child

#: Names looked up per query.
CHUNK = 1000


@dataclass(frozen=True)
class Candidate:
    """The child being added: its name, the birth date from its ID number, its guardian's phone."""

    name: str
    birth_date: datetime.date | None
    guardian_phone: str = ""


def _name(value) -> str:
    return normalise_text(value).replace(" ", "")


class DuplicateFinder:
    """The children in ``user``'s scope named as any of ``names``, fetched once (one query per
    thousand names); ``matches`` then finds a candidate's probable duplicates among them."""

    def __init__(self, user, names):
        self.user = user
        self.masked = not sees_full_identity(user)
        self.by_name: dict[str, list[Child]] = defaultdict(list)
        wanted = sorted({_name(n) for n in names} - {""})
        scope = Child.objects.for_user(user).select_related("region", "region__parent")
        for start in range(0, len(wanted), CHUNK):
            for child in scope.filter(name__in=wanted[start : start + CHUNK]).order_by("region__code", "name", "pk"):
                self.by_name[_name(child.name)].append(child)

    def same(self, child: Child, candidate: Candidate) -> bool:
        born = candidate.birth_date
        if self.masked:
            return born is not None and child.birth_date.year == born.year
        phone = normalise_phone(candidate.guardian_phone or "")
        return (born is not None and child.birth_date == born) or bool(phone and child.guardian_phone == phone)

    def matches(self, candidate: Candidate, *, exclude_pk=None) -> list[Child]:
        return [
            child
            for child in self.by_name.get(_name(candidate.name), [])
            if child.pk != exclude_pk and self.same(child, candidate)
        ]

    def describe(self, child: Child) -> str:
        """张三（某镇某村，141128************）: as the user sees the register."""
        village = child.region.name
        if child.region.parent_id:
            village = f"{child.region.parent.name}{village}"
        return f"{child.name}（{village}，{id_number_for(self.user, child.id_number)}）"

    def reason(self) -> str:
        if self.masked:
            return gettext("same name and birth year")
        return gettext("same name and birth date, or same name and guardian's phone")


def probable_duplicates(user, candidate: Candidate, *, exclude_pk=None) -> list[Child]:
    """The children in ``user``'s scope that are probably ``candidate`` (see the module)."""
    return DuplicateFinder(user, [candidate.name]).matches(candidate, exclude_pk=exclude_pk)
