"""全覆盖核查: a roster from 民政 or 教育 compared with the children's register, writing nothing.

Their list is read through the project's one upload reader (``core.ledger.files.read_grid``, with
its size and bomb guards) and header matcher (``core.ledger.headers``), and each ID number is
checked by ``core.idnumber``. The matching key is the normalised ID number.

Only the user's own children are looked at (``Child.objects.for_user``): a number registered in
another township or county is not looked up at all, so it comes out as 仅对方有 exactly like a
number nobody registered (docs/security.md, "search as an oracle"). Counts add up:
valid rows of their list = 双方都有 + 仅对方有; 不一致 is the part of 双方都有 that differs
(an exited child still on their list is one of them).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from children.models import Child, ChildCategory
from core.idnumber import parse_id_number
from core.ledger.columns import CHILD_ID, CHILD_NAME, TOWNSHIP, VILLAGE, column
from core.ledger.files import LedgerFileError, read_grid
from core.ledger.headers import HeaderError, find_header, footer_start
from core.ledger.values import text
from core.masking import sees_full_identity
from core.signals import ledger_exported
from regions.matching import place_key, village_stem
from regions.models import RegionAlias

#: Where a roster comes from (the form's and the command's choices).
SOURCES = {"民政": _("civil affairs"), "教育": _("education")}

COLUMNS = [
    column("name", CHILD_NAME, required=True),
    column("id_number", CHILD_ID, required=True),
    column("township", TOWNSHIP),
    column("village", VILLAGE),
    column("category", ("儿童类别", "类别", "儿童类型", "人员类别")),
]

#: The audit log's name for a reconciliation (audit.models.LEDGER_NAMES).
AUDIT_LEDGER = "roster"


def may_reconcile(user) -> bool:
    """Accounts that see full ID numbers (county admins), for their own scope.

    Not township staff or viewers, who see masked numbers: whether an uploaded number is "on
    both" lists tells them which candidate is a child's real number, and a file can try
    100,000 candidates at once (``core.masking.identity_search_for`` limits the search boxes
    to 30 an hour). The lists name children, so it also takes seeing them and keeping the
    register.
    """
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and user.has_perm("children.view_child")
        and user.has_perm("children.add_child")
        and sees_full_identity(user)
    )


@dataclass
class Person:
    """One child as a list has it: ours (from the register) or theirs (from the upload)."""

    name: str
    id_number: str
    village: str
    category: str
    row: int | None = None  # the Excel row in their file


@dataclass
class Difference:
    person: Person  # ours
    item: str
    ours: str
    theirs: str
    row: int | None = None


@dataclass
class Unreadable:
    row: int
    name: str
    id_text: str
    reason: str


@dataclass
class Result:
    filename: str
    source: str
    both: list[Person] = field(default_factory=list)
    theirs_only: list[Person] = field(default_factory=list)
    ours_only: list[Person] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    checked_at: datetime.datetime | None = None

    @property
    def mismatched(self) -> int:
        """Children (not items) with at least one difference."""
        return len({d.person.id_number for d in self.differences})

    def counts(self) -> dict[str, int]:
        return {
            "双方都有": len(self.both),
            "仅对方有": len(self.theirs_only),
            "仅本系统有": len(self.ours_only),
            "不一致": self.mismatched,
            "无法核对": len(self.unreadable),
        }

    def summary_line(self) -> str:
        c = self.counts()
        return f"双方都有 {c['双方都有']}，仅对方有 {c['仅对方有']}，仅本系统有 {c['仅本系统有']}，不一致 {c['不一致']}"


class RosterError(Exception):
    """The upload cannot be reconciled at all; the message is for the person who sent it."""


def _same_name(a: str, b: str) -> bool:
    return place_key(a) == place_key(b)


class CategoryMatcher:
    """Their wording of a category as one of ours: the same name (width and spaces aside), or —
    when exactly one of ours fits — a name that contains theirs or is contained in it
    (留守儿童 → 农村留守儿童). Anything else stays their text, reported as it is."""

    def __init__(self):
        self.names = [c.name for c in ChildCategory.objects.all()]
        self.keys = {place_key(n): n for n in self.names}

    def ours(self, theirs: str) -> str | None:
        key = place_key(theirs)
        if key in self.keys:
            return self.keys[key]
        fits = [n for k, n in self.keys.items() if key and (key in k or k in key)]
        return fits[0] if len(fits) == 1 else None


class VillageMatcher:
    """Whether their village text names our child's village, by the import's rules
    (regions.matching: width, spaces, 村/社区/村委会… alike; a remembered alias) or written with
    its township in front (圪洞镇武当社区)."""

    def __init__(self, user):
        self.aliases: dict[int, set[str]] = {}
        for region_id, key in RegionAlias.objects.for_user(user).values_list("region_id", "key"):
            self.aliases.setdefault(region_id, set()).add(key)

    def same(self, theirs: str, region) -> bool:
        key, ours = place_key(theirs), place_key(region.name)
        return (
            key == ours
            or village_stem(key) == village_stem(ours)
            or key in self.aliases.get(region.pk, ())
            or key.endswith(ours)
        )


def _read(data: bytes) -> tuple[list[list], int, dict[str, int]]:
    try:
        grid = read_grid(data)
        header, mapping = find_header(grid, COLUMNS)
    except (LedgerFileError, HeaderError) as exc:
        raise RosterError(str(exc)) from None
    return grid, header, mapping


def _their_rows(grid, header, mapping):
    """(Excel row number, {key: text}) of each data row: blank rows and the signature footer skipped."""
    below = grid[header + 1 :]
    end = footer_start(below)
    for index, values in enumerate(below[:end] if end is not None else below):
        cells = {key: values[pos] for key, pos in mapping.items()}
        if any(text(v) for v in cells.values()):
            yield header + 2 + index, cells


def reconcile(data: bytes, filename: str, *, user, source: str = "") -> Result:
    """Compare the uploaded roster with ``user``'s children; raises RosterError for a bad file.

    Writes nothing but one audit record (who, which file, the counts).
    """
    grid, header, mapping = _read(data)
    today = timezone.localdate()
    result = Result(filename=filename, source=source, checked_at=timezone.now())
    theirs: dict[str, Person] = {}
    for number, cells in _their_rows(grid, header, mapping):
        name = text(cells.get("name"))
        raw_id = cells.get("id_number")
        try:
            id_number = parse_id_number(raw_id, today=today).number
        except ValidationError as exc:
            result.unreadable.append(Unreadable(number, name, text(raw_id), " ".join(exc.messages)))
            continue
        if id_number in theirs:
            reason = gettext("The same ID number is already on row %(row)d of the file.") % {
                "row": theirs[id_number].row
            }
            result.unreadable.append(Unreadable(number, name, id_number, reason))
            continue
        theirs[id_number] = Person(
            name=name,
            id_number=id_number,
            village=text(cells.get("village")),
            category=text(cells.get("category")),
            row=number,
        )
    _compare(result, theirs, user=user)
    ledger_exported.send(
        sender=Result,
        user=user,
        ledger=AUDIT_LEDGER,
        rows=len(theirs) + len(result.unreadable),
        # Chinese keys: the audit log shows them as they are (counts only, no person).
        filters={"对方名单": filename, "名单来源": source, **{k: str(v) for k, v in result.counts().items()}},
    )
    return result


def _ours(child) -> Person:
    return Person(name=child.name, id_number=child.id_number, village=child.region.name, category=child.category.name)


def _compare(result: Result, theirs: dict[str, Person], *, user) -> None:
    # Within scope only: a number registered elsewhere is never looked up, so it cannot differ
    # from one registered nowhere. Active children all (for 仅本系统有); exited ones on their list.
    children = (
        Child.objects.for_user(user)
        .filter(Q(status=Child.Status.ACTIVE) | Q(id_number__in=list(theirs)))
        .select_related("region", "category")
        .order_by("region__code", "name", "pk")
    )
    categories, villages = CategoryMatcher(), VillageMatcher(user)
    found = set()
    for child in children:
        mine = _ours(child)
        other = theirs.get(child.id_number)
        if other is None:
            result.ours_only.append(mine)
            continue
        found.add(child.id_number)
        mine.row = other.row
        result.both.append(mine)
        result.differences.extend(_differences(child, mine, other, categories, villages))
    result.theirs_only = [p for n, p in theirs.items() if n not in found]


def _differences(child, mine: Person, other: Person, categories, villages):
    def differ(item, ours, their):
        return Difference(person=mine, item=str(item), ours=ours, theirs=their, row=other.row)

    if child.status == Child.Status.EXITED:
        exited = gettext("exited in this system")
        on = child.exited_on.isoformat() if child.exited_on else ""
        when = "，".join(v for v in (on, child.get_exit_reason_display()) if v)
        if when:
            exited = f"{exited}（{when}）"
        yield differ(_("status"), exited, gettext("on their list"))
    if other.name and not _same_name(other.name, mine.name):
        yield differ(_("full name"), mine.name, other.name)
    if other.category and categories.ours(other.category) != mine.category:
        yield differ(_("category"), mine.category, other.category)
    if other.village and not villages.same(other.village, child.region):
        yield differ(_("village"), mine.village, other.village)
