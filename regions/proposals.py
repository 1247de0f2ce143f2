"""Villages a county admin adds, or spellings it maps, while importing a ledger (issue 12).

A ledger naming a village the system lacks gets a row error; the preview then offers the
county admin to create the missing villages under the named township (with the next free
code, so nobody types 12 digits) or to map the spelling to an existing village, remembered
as a ``RegionAlias``. New regions are written by ``regions_load``, the rules of
``load_regions``; who may do it and where is checked here, through ``for_user``.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .matching import place_key
from .models import PREFIX_LENGTH, Level, Region, RegionAlias
from .scoping import ALL, user_scope
from .services import regions_load

#: the digits a region adds to its parent's code, and how many there are of them
_OWN_DIGITS = {Level.TOWNSHIP: (6, 9), Level.VILLAGE: (9, 12)}


def next_free_code(parent: Region) -> str:
    """The lowest unused code directly below ``parent`` after the highest one in use.

    Below a county that is the next township (…001000, …002000); below a township the next
    village (…001, …002). Raises ValidationError when the parent has no room left.
    """
    level = Level(parent.level + 1)
    if level not in _OWN_DIGITS:
        raise ValidationError(_("Only townships and villages get a proposed code."))
    start, end = _OWN_DIGITS[level]
    prefix = parent.code[: PREFIX_LENGTH[Level(parent.level)]]
    used = Region.objects.filter(code__startswith=prefix, level=level).values_list("code", flat=True)
    highest = max((int(code[start:end]) for code in used), default=0)
    if highest >= 999:
        raise ValidationError(_("%(name)s has no free code left.") % {"name": parent.name})
    return (prefix + f"{highest + 1:03d}").ljust(12, "0")


def may_add_below(user, parent: Region | None = None) -> bool:
    """A county (or city) admin, below a county or township inside its area; never a township's staff."""
    scope = user_scope(user)
    if scope is None or not user.has_perm("regions.add_region"):
        return False
    if scope is not ALL and scope.level > Level.COUNTY:
        return False
    if parent is None:
        return True
    return Region.objects.for_user(user).filter(pk=parent.pk, level__in=[Level.COUNTY, Level.TOWNSHIP]).exists()


def may_add_villages(user, township: Region | None = None) -> bool:
    return may_add_below(user, township) and (township is None or township.level == Level.TOWNSHIP)


@transaction.atomic
def regions_add_below(*, user, parent: Region, names: list[str]) -> list[tuple[str, str]]:
    """Townships below a county, or villages below a township, each with the next free code.

    Names already there (after ``place_key``) are left alone. Returns [(code, name)] created.
    """
    if not may_add_below(user, parent):
        raise PermissionDenied
    # One writer at a time per parent, so two admins never propose the same code.
    parent = Region.objects.select_for_update().get(pk=parent.pk)
    existing = {place_key(name) for name in parent.children.values_list("name", flat=True)}
    rows = [["代码", "名称"]]
    for name in dict.fromkeys(place_key(n) for n in names if place_key(n)):
        if name in existing:
            continue
        if len(name) > 100:
            raise ValidationError(_("A region name has at most 100 characters: %(name)s") % {"name": name[:20]})
        rows.append([_after(rows[-1][0], parent) if len(rows) > 1 else next_free_code(parent), name])
    if len(rows) > 1:
        regions_load(rows=rows)
    return [(code, name) for code, name in rows[1:]]


@dataclass
class Resolution:
    created: list = field(default_factory=list)
    aliases: list = field(default_factory=list)


@transaction.atomic
def villages_resolve(*, user, township: Region, create: list[str], map_to: dict[str, Region]) -> Resolution:
    """Create the villages named in ``create`` under ``township`` and remember each spelling of
    ``map_to`` as another name of its village; all or nothing."""
    if not may_add_villages(user, township):
        raise PermissionDenied
    result = Resolution(created=regions_add_below(user=user, parent=township, names=create))
    for spelling, village in map_to.items():
        result.aliases.append(_alias(user, township, spelling, village))
    return result


def _after(code: str, parent: Region) -> str:
    """The code after ``code`` at the same level below ``parent``."""
    start, end = _OWN_DIGITS[Level(parent.level + 1)]
    number = int(code[start:end]) + 1
    if number > 999:
        raise ValidationError(_("%(name)s has no free code left.") % {"name": parent.name})
    return (code[:start] + f"{number:03d}").ljust(12, "0")


def _alias(user, township, spelling, village) -> RegionAlias:
    if not Region.objects.for_user(user).filter(pk=village.pk, parent=township).exists():
        raise ValidationError(
            _("%(village)s is not a village of %(township)s.") % {"village": village, "township": township}
        )
    alias, _created = RegionAlias.objects.get_or_create(
        parent=township, key=place_key(spelling), defaults={"region": village, "name": spelling, "created_by": user}
    )
    if alias.region_id != village.pk:
        alias.region, alias.name, alias.created_by = village, spelling, user
    alias.full_clean()
    alias.save()
    return alias


@transaction.atomic
def places_resolve(*, user, choices: list[tuple[str, str, str]]) -> tuple[int, int]:
    """The import preview's choices at once: (township id, name, "create" | village id | "").

    Returns how many villages were created and how many spellings remembered.
    """
    wanted: dict[str, tuple[list, dict]] = {}
    villages = Region.objects.for_user(user).filter(level=Level.VILLAGE)
    for town, name, choice in choices:
        if not choice or not str(town).isdigit():
            continue
        create, map_to = wanted.setdefault(str(town), ([], {}))
        if choice == "create":
            create.append(name)
        elif str(choice).isdigit():
            village = villages.filter(pk=int(choice)).first()
            if village is None:
                raise ValidationError(_("The village chosen for %(name)s is not in your area.") % {"name": name})
            map_to[name] = village
    created = aliases = 0
    for town, (create, map_to) in wanted.items():
        township = Region.objects.for_user(user).filter(pk=int(town), level=Level.TOWNSHIP).first()
        if township is None:
            raise PermissionDenied
        done = villages_resolve(user=user, township=township, create=create, map_to=map_to)
        created, aliases = created + len(done.created), aliases + len(done.aliases)
    return created, aliases
