from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.idnumber import normalise_text
from regions.matching import place_key

from .models import Level, Region, level_of, parent_code_of
from .scoping import ALL, user_scope

CODE_HEADERS = {"代码", "区划代码", "统计用区划代码", "code"}
NAME_HEADERS = {"名称", "区划名称", "name"}


class RegionLoadError(Exception):
    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)


def _columns(header) -> tuple[int, int]:
    names = [normalise_text(cell).replace(" ", "") for cell in header]
    code_col = next((i for i, name in enumerate(names) if name in CODE_HEADERS), None)
    name_col = next((i for i, name in enumerate(names) if name in NAME_HEADERS), None)
    if code_col is None or name_col is None:
        raise RegionLoadError([_("The first row must have the columns 代码 and 名称.")])
    return code_col, name_col


def _code_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_text(value)


@transaction.atomic
def regions_load(*, rows: list[list]) -> RegionLoadResult:
    """Create or update regions from (代码, 名称) rows; any bad row means nothing is written.

    Level and parent follow from each code; a parent may come earlier or later in the file
    or already be in the database.
    """
    if not rows:
        raise RegionLoadError([_("The file is empty.")])
    code_col, name_col = _columns(rows[0])
    wanted: dict[str, str] = {}
    errors = []
    for number, row in enumerate(rows[1:], start=2):
        code = _code_text(row[code_col] if code_col < len(row) else "")
        name = str(row[name_col] if name_col < len(row) else "").strip()
        if not code and not name:
            continue
        if len(code) != 12 or not code.isdigit():
            errors.append(_("Row %(row)d: the code “%(code)s” is not 12 digits.") % {"row": number, "code": code})
        elif not name:
            errors.append(_("Row %(row)d: the name is empty.") % {"row": number})
        else:
            wanted[code] = name
    existing = {r.code: r for r in Region.objects.filter(code__in=_with_parents(wanted))}
    for code in wanted:
        parent = parent_code_of(code)
        if parent and parent not in wanted and parent not in existing:
            number = _row_of(rows, code_col, code)
            errors.append(
                _("Row %(row)d: the parent region %(parent)s of %(code)s is neither in the file nor in the database.")
                % {"row": number, "parent": parent, "code": code}
            )
    errors += _duplicate_names(wanted, rows, code_col)
    if errors:
        raise RegionLoadError(errors)

    result = RegionLoadResult()
    # Parents first: sorting by level guarantees every parent exists before its children.
    for code in sorted(wanted, key=lambda c: (level_of(c), c)):
        region = existing.get(code)
        parent_code = parent_code_of(code)
        parent = existing.get(parent_code) if parent_code else None
        if region is None:
            region = Region.objects.create(code=code, name=wanted[code], parent=parent)
            existing[code] = region
            result.created += 1
        elif region.name != wanted[code] or region.parent_id != (parent.pk if parent else None):
            region.name, region.parent = wanted[code], parent
            region.save()
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _duplicate_names(wanted: dict[str, str], rows, code_col) -> list[str]:
    """Siblings sharing a name, in the file or against the database (the importers find places
    by name within their parent, so two of one name break every import naming either)."""
    by_parent: dict[tuple, str] = {}
    parents = {parent_code_of(code) for code in wanted} - {None}
    stored = (
        Region.objects.filter(parent__code__in=parents)
        .exclude(code__in=wanted)
        .values_list("parent__code", "name", "code")
    )
    for parent, name, code in stored:
        by_parent[(parent, place_key(name))] = code
    errors = []
    for code in sorted(wanted):
        key = (parent_code_of(code), place_key(wanted[code]))
        other = by_parent.setdefault(key, code)
        if other != code:
            errors.append(
                _("Row %(row)d: %(code)s is named “%(name)s” like %(other)s under the same parent.")
                % {"row": _row_of(rows, code_col, code), "code": code, "name": wanted[code], "other": other}
            )
    return errors


def _with_parents(codes) -> set[str]:
    out = set(codes)
    for code in codes:
        parent = parent_code_of(code)
        if parent:
            out.add(parent)
    return out


def _row_of(rows, code_col, code) -> int:
    for number, row in enumerate(rows[1:], start=2):
        if code_col < len(row) and _code_text(row[code_col]) == code:
            return number
    return 0


# ---------------------------------------------------------------------------------------------
# One region at a time (the admin): who may write where


def _in_use(region: Region) -> bool:
    """Anything hangs off the region: regions below it, children, mothers, activities, accounts…

    Re-coding such a region moves all of it at once (possibly into another county), so only a
    superuser may. Every reverse relation counts, so a model added later is covered too.
    """
    for relation in Region._meta.related_objects:
        if relation.related_model._default_manager.filter(**{relation.field.name: region}).exists():
            return True
    return False


def _sibling_named(name: str, parent: Region | None, *, exclude: Region | None):
    siblings = Region.objects.filter(parent=parent)
    if exclude is not None and exclude.pk:
        siblings = siblings.exclude(pk=exclude.pk)
    # The importers' comparison (regions.matching): two siblings it cannot tell apart are one name.
    name = place_key(name)
    return next((r for r in siblings.only("name") if place_key(r.name) == name), None)


def region_check(*, region: Region | None, code: str, name: str, by) -> None:
    """Raise ValidationError (field → Chinese message) unless ``by`` may save ``code``/``name``.

    ``region`` is the row being changed (None for a new one). A non-superuser writes only
    strictly below its own region and inside its code range; a code with anything under it
    changes only by a superuser; the parent follows from the code and must exist one level up;
    siblings never share a name.
    """
    if len(code) != 12 or not code.isdigit():
        raise ValidationError({"code": _("A region code is exactly 12 digits.")})
    scope = user_scope(by)
    if scope is None:
        raise ValidationError(_("You may not change regions."))
    if scope is not ALL:
        if region is not None and region.pk and not Region.objects.below(scope).filter(pk=region.pk).exists():
            raise ValidationError(_("You may change only regions below %(region)s.") % {"region": scope.name})
        low, high = scope.code_range()
        if not (low <= code <= high) or code == scope.code:
            raise ValidationError(
                {
                    "code": _("The code must lie below %(region)s (%(low)s–%(high)s).")
                    % {"region": scope.name, "low": low, "high": high}
                }
            )
    moved = region is not None and region.pk and code != region.code
    if moved and scope is not ALL and _in_use(region):
        raise ValidationError(
            {
                "code": _(
                    "Children, mothers, regions or other records are registered under this code; "
                    "only a system administrator may change it."
                )
            }
        )
    if moved and level_of(code) != region.level and region.children.exists():
        raise ValidationError({"code": _("A region with regions below it keeps its level when re-coded.")})
    parent = _parent_for(code)
    if _sibling_named(name, parent, exclude=region) is not None:
        raise ValidationError(
            {
                "name": _(
                    "%(parent)s already has a region named “%(name)s”; the ledgers find places by name, "
                    "so choose another name."
                )
                % {"parent": parent.name if parent else _("the top level"), "name": name}
            }
        )


def _parent_for(code: str) -> Region | None:
    parent_code = parent_code_of(code)
    if parent_code is None:
        return None
    parent = Region.objects.filter(code=parent_code).first()
    if parent is None or parent.level != level_of(code) - 1:
        raise ValidationError(
            {
                "code": _("The code’s parent %(code)s is not a region one level up; check the code.")
                % {"code": parent_code}
            }
        )
    return parent


@transaction.atomic
def region_save(*, region: Region | None, code: str, name: str, by) -> Region:
    """Create (``region=None``) or change one region as ``by``; nothing is written on an error.

    A superuser re-coding a region with regions below it re-codes them too, so every code
    keeps naming its place in the tree.
    """
    code, name = _code_text(code), str(name or "").strip()
    if region is not None and region.pk:
        # Locked: two admins saving the same row at once check and write one after the other.
        region = Region.objects.select_for_update().get(pk=region.pk)
    region_check(region=region, code=code, name=name, by=by)
    old_code = region.code if region is not None and region.pk else None
    region = region if region is not None else Region()
    region.code, region.name, region.parent = code, name, _parent_for(code)
    region.full_clean(validate_constraints=False)
    region._history_user = by
    try:
        with transaction.atomic():
            region.save()
    except IntegrityError:
        # Two admins adding the same code or sibling name at once: the database decides.
        raise ValidationError(
            _("Another region with this code or name was saved just now; reload and check.")
        ) from None
    if old_code and old_code != code:
        _recode_below(region, old_code)
    return region


def _recode_below(region: Region, old_code: str) -> None:
    old_prefix = old_code[: len(region.prefix)]
    below = Region.objects.filter(code__startswith=old_prefix).exclude(pk=region.pk).order_by("level", "code")
    if not below.exists():
        return
    taken = Region.objects.filter(code__startswith=region.prefix).exclude(pk=region.pk)
    if taken.exists():
        raise ValidationError({"code": _("Codes below the new code are already in use.")})
    for row in below:
        row.code = region.prefix + row.code[len(old_prefix) :]
        row._history_user = region._history_user
        row.save()


__all__ = ["Level", "RegionLoadError", "RegionLoadResult", "region_check", "region_save", "regions_load"]
