"""The pairing ledger (结对台账): one row per child and mother; all rows of a child form its pairing."""

from collections import defaultdict

from django.db.models import Prefetch
from django.utils.translation import gettext
from import_export.results import RowResult

from children.models import Child
from core.ledger.columns import CHILD_ID, column
from core.ledger.resources import LedgerResource, MotherIndex, Plan
from core.ledger.values import parse_date, text

from .models import Pairing, PairingMember
from .services import pairing_create, pairing_member_add

MODES = {"一对一": Pairing.Mode.ONE_TO_ONE, "多对一": Pairing.Mode.MANY_TO_ONE}


def parse_mode(value) -> str:
    from core.ledger.values import CellError

    raw = text(value).replace(" ", "")
    if not raw:
        return ""
    if raw in MODES:
        return MODES[raw]
    raise CellError(gettext("unknown value; allowed: %(allowed)s") % {"allowed": "、".join(MODES)})


class PairingResource(LedgerResource):
    ledger = "pairings"
    title = "结对帮扶关爱台账"
    columns = [
        column("child_name", ("儿童姓名", "姓名")),
        column("child_id", CHILD_ID, required=True),
        column("mother", ("爱心妈妈姓名", "爱心妈妈"), required=True),
        column("mother_phone", ("爱心妈妈电话", "联系电话")),
        column("mode", ("结对方式", "结对形式")),
        column("started_on", ("结对时间", "结对日期"), required=True),
        column("notes", ("备注",)),
    ]

    dry_run_writes = True

    class Meta:
        model = Pairing
        fields = ()
        import_id_fields = ()

    def prepare(self, rows):
        self.mothers = MotherIndex(self.user)
        self.children = {
            c.id_number: c for c in Child.objects.for_user(self.user).only("id", "name", "id_number", "status")
        }
        self.open = {}
        members = PairingMember.objects.filter(pairing__ended_on__isnull=True, left_on__isnull=True).select_related(
            "pairing"
        )
        for member in members.filter(pairing__child__in=list(self.children.values())):
            pairing = self.open.setdefault(member.pairing.child_id, member.pairing)
            pairing.current_ids = getattr(pairing, "current_ids", set()) | {member.volunteer_id}
        self.seen = {}

    def plan_row(self, row, problems):
        child = self.known_child(row, problems)
        mother = None
        if self.required(row, "mother", problems):
            mother = self.cell(row, "mother", problems, lambda v: self.mothers.find(v, text(row.raw("mother_phone"))))
        mode = self.cell(row, "mode", problems, parse_mode)
        started = self.cell(row, "started_on", problems, parse_date)
        if started is None and not text(row.raw("started_on")):
            problems.add(row, "started_on", gettext("is required"))
        if child is None or mother is None or started is None or row in problems:
            return None
        key = (child.pk, mother.pk)
        if key in self.seen:
            return Plan(
                row=row,
                import_type=RowResult.IMPORT_TYPE_SKIP,
                note=gettext("Same pairing as row %(row)d; skipped as a duplicate.") % {"row": self.seen[key].number},
            )
        self.seen[key] = row
        existing = self.open.get(child.pk)
        already = existing is not None and mother.pk in existing.current_ids
        return Plan(
            row=row,
            import_type=RowResult.IMPORT_TYPE_SKIP if already else RowResult.IMPORT_TYPE_NEW,
            key=child.pk,
            extra={"child": child, "mother": mother, "mode": mode, "started": started},
        )

    def plan_file(self, plans, problems):
        groups = defaultdict(list)
        for plan in plans:
            if plan.key is not None:
                groups[plan.key].append(plan)
        for child_pk, group in groups.items():
            count = len(group)
            for plan in group:
                mode = plan.extra["mode"]
                if mode == Pairing.Mode.ONE_TO_ONE and count != 1:
                    problems.add(
                        plan.row,
                        "mode",
                        gettext("一对一 but %(count)d caring mothers are listed for this child") % {"count": count},
                    )
                elif mode == Pairing.Mode.MANY_TO_ONE and count < 2:
                    message = gettext("多对一 but only one caring mother is listed for this child")
                    problems.add(plan.row, "mode", message)
            new = [p for p in group if p.import_type == RowResult.IMPORT_TYPE_NEW]
            if not new:
                continue
            existing = self.open.get(child_pk)
            if existing is None:
                new[0].write = self._creator(new)
            else:
                for plan in new:
                    plan.write = self._adder(existing, plan)

    def _creator(self, plans):
        def write():
            child = plans[0].extra["child"]
            started = min(p.extra["started"] for p in plans)
            pairing_create(child=child, volunteers=[p.extra["mother"] for p in plans], started_on=started, by=self.user)

        return write

    def _adder(self, pairing, plan):
        def write():
            pairing_member_add(pairing=pairing, volunteer=plan.extra["mother"], joined_on=plan.extra["started"])

        return write

    def export_queryset(self, queryset):
        return super().export_queryset(queryset).filter(ended_on__isnull=True)

    def export_rows(self, queryset):
        members = PairingMember.objects.filter(left_on__isnull=True).select_related("volunteer")
        queryset = queryset.select_related("child").prefetch_related(
            Prefetch("members", queryset=members, to_attr="ledger_current")
        )
        for pairing in queryset.order_by("child__region__code", "child__name", "pk"):
            mode = "多对一" if len(pairing.ledger_current) > 1 else "一对一"
            for member in sorted(
                pairing.ledger_current, key=lambda m: (m.role != PairingMember.Role.LEAD, m.joined_on, m.pk)
            ):
                yield [
                    pairing.child.name,
                    self.mask_id(pairing.child.id_number),
                    member.volunteer.name,
                    self.mask_phone(member.volunteer.phone),
                    mode,
                    member.joined_on,
                    pairing.notes,
                ]
