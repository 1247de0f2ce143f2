from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.idnumber import normalise_text

from .models import Level, Region, level_of, parent_code_of

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


__all__ = ["Level", "RegionLoadError", "RegionLoadResult", "regions_load"]
