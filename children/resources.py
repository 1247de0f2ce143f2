"""The children's register (基础台账): import by ID number, export with the same headers."""

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from import_export.results import RowResult

from children.models import CardChange, Child, ChildCategory, DifficultyType
from children.services import child_change_colour, child_record_first_colours
from core.bulk import column_defaults, insert_rows, insert_rows_with_history
from core.ledger.columns import CHILD_ID, TOWNSHIP, VILLAGE, column
from core.ledger.resources import IMPORT_REASON, LedgerResource, LookupIndex, Plan, RegionIndex
from core.ledger.values import CellError, parse_colour, parse_date, parse_gender, split_list, text
from core.masking import birth_date_for
from core.pinyin import name_pinyin
from reports.summary import children_created

from .duplicates import Candidate, DuplicateFinder
from .ledger_family import FAMILY_COLUMNS, ID_COLUMNS, PHONE_COLUMNS, family_export, family_values

GENDER_LABELS = {"M": "男", "F": "女"}
COLOUR_LABELS = {"red": "红", "yellow": "黄", "green": "绿"}


class ChildResource(LedgerResource):
    ledger = "children"
    title = "困境儿童基础台账"
    columns = [
        column("name", ("姓名", "儿童姓名"), required=True),
        column("gender", ("性别",)),
        column("id_number", CHILD_ID, required=True),
        column("birth_date", ("出生日期", "出生年月")),
        column("township", TOWNSHIP),
        column("village", VILLAGE, required=True),
        column("category", ("儿童类别", "类别"), required=True),
        column("difficulties", ("困境类型", "困境类别")),
        column("colour", ("三色卡", "卡片颜色")),
        column("guardian_name", ("监护人姓名", "监护人", "委托监护人姓名", "委托照护人姓名", "实际监护人姓名")),
        column("guardian_relation", ("与儿童关系", "监护关系", "委托监护人与儿童关系", "与委托监护人关系")),
        column("guardian_phone", ("监护人电话", "联系电话", "委托监护人电话", "委托照护人电话", "监护人联系电话")),
        column("school", ("就读学校", "学校")),
        column("grade", ("年级", "就读年级")),
        column("address", ("家庭住址", "现住址", "住址")),
        column("notes", ("备注",)),
        column("entered_on", ("纳入日期", "纳入时间", "建档日期")),
        *FAMILY_COLUMNS,
    ]

    #: the look-ups come from the scoped caches; the ID number, phone and colour were checked
    #: by plan_row with the same validators
    clean_exclude = ["category", "region", "id_number", "guardian_phone", "card_colour", *ID_COLUMNS, *PHONE_COLUMNS]
    field_columns = {"card_colour": "colour", "region": "village"}

    class Meta:
        model = Child
        fields = ()
        import_id_fields = ()

    def prepare(self, rows):
        self.regions = RegionIndex(self.user)
        self.categories = LookupIndex(ChildCategory)
        self.difficulty_types = LookupIndex(DifficultyType)
        parsed = (self.parse_id(row.raw("id_number")) for row in rows)
        numbers = {info.number for info in parsed if not isinstance(info, ValidationError)}
        self.existing, self.in_scope = {}, set()
        numbers = sorted(numbers)
        scope = Child.objects.for_user(self.user)
        for start in range(0, len(numbers), 2000):
            chunk = numbers[start : start + 2000]
            children = Child.objects.filter(id_number__in=chunk).select_related("region", "category")
            for child in children.prefetch_related("difficulties"):
                self.existing[child.id_number] = child
        found = [child.pk for child in self.existing.values()]
        for start in range(0, len(found), 2000):
            self.in_scope.update(scope.filter(pk__in=found[start : start + 2000]).values_list("pk", flat=True))
        self.seen = {}
        # Namesakes in scope, for the probable-duplicate warning on new rows (children.duplicates).
        self.namesakes = DuplicateFinder(self.user, [text(row.raw("name")) for row in rows])
        self.colour_changed_on = {}
        if self.ledger_date is not None:
            self.history.load(Child, sorted(self.in_scope))
            self.colour_changed_on = dict(
                CardChange.objects.filter(child__in=self.in_scope)
                .values("child")
                .annotate(last=Max("effective_on"))
                .values_list("child", "last")
            )

    def plan_row(self, row, problems):
        name = self.required(row, "name", problems)
        info = self.id_info(row, "id_number", problems)
        number = info.number if info else None
        gender = self.cell(row, "gender", problems, parse_gender)
        if info and gender and gender != info.gender:
            problems.add(
                row,
                "gender",
                gettext("does not match the ID number (which says %(gender)s)")
                % {"gender": GENDER_LABELS[info.gender]},
            )
        birth = self.cell(row, "birth_date", problems, parse_date, allow_month=True)
        if info and birth and birth != info.birth_date:
            same_month = (birth.year, birth.month) == (info.birth_date.year, info.birth_date.month) and birth.day == 1
            if not same_month:
                problems.add(
                    row,
                    "birth_date",
                    gettext("does not match the ID number (which says %(date)s)")
                    % {"date": info.birth_date.isoformat()},
                )
        township = village = None
        if text(row.raw("township")):
            township = self.cell(row, "township", problems, self.regions.township)
        if self.required(row, "village", problems) and (township or not text(row.raw("township"))):
            village = self.cell(row, "village", problems, self.regions.village, township=township)
        category = (
            self.cell(row, "category", problems, self.categories.get)
            if self.required(row, "category", problems)
            else None
        )
        difficulties = []
        for name_ in split_list(row.raw("difficulties")):
            try:
                difficulties.append(self.difficulty_types.get(name_))
            except CellError as exc:
                problems.add(row, "difficulties", exc, value=name_)
        colour = self.cell(row, "colour", problems, parse_colour)
        phone = self.phone(row, "guardian_phone", problems)
        entered_on = self.entered_on(row, problems)
        family = family_values(self, row, problems, self.existing.get(number) if number else None)
        if number is None or name is None:
            return None
        if number in self.seen:
            first = self.seen[number]
            if text(first.raw("name")) == name and info:
                return Plan(
                    row=row,
                    import_type=RowResult.IMPORT_TYPE_SKIP,
                    note=gettext("Same child as row %(row)d; skipped as a duplicate.") % {"row": first.number},
                )
            problems.add(
                row,
                "id_number",
                gettext("the same ID number is on row %(row)d with a different name") % {"row": first.number},
            )
            return None
        self.seen[number] = row
        if village is None or category is None or row in problems:
            return None
        values = {
            "name": name,
            "category": category,
            "region": village,
            "address": text(row.raw("address")),
            "school": text(row.raw("school")),
            "grade": text(row.raw("grade")),
            "guardian_name": text(row.raw("guardian_name")),
            "guardian_relation": text(row.raw("guardian_relation")),
            "guardian_phone": phone or "",
            "notes": text(row.raw("notes")),
            **family,
        }
        if entered_on:  # else a new child is entered today (the field's default), a known one keeps its date
            values["entered_on"] = entered_on
        child = self.existing.get(number)
        if child is None:
            # set_identity as Child.save() does: create_many skips save().
            # entered_on: the field's default (today), given here so each new child costs no clock reading.
            values.setdefault("entered_on", self.today)
            values.update(
                card_colour=colour or "green",
                id_number=info.number,
                birth_date=info.birth_date,
                gender=info.gender,
            )
            plan = Plan(
                row=row,
                import_type=RowResult.IMPORT_TYPE_NEW,
                note=self.probable_duplicate_note(name, info, phone),
                build=lambda: Child(**values).set_identity(info),
                write=lambda: self.save_child(plan.made(), difficulties, None),
                bulk=True,
                values=values,
                extra={"difficulties": difficulties},
            )
            return plan
        if child.pk not in self.in_scope:
            problems.add(row, "id_number", self.refuse(number))
            return None
        changed = self.changes(child, values)
        new_difficulties = difficulties if text(row.raw("difficulties")) else None
        if new_difficulties is not None and (
            {d.pk for d in new_difficulties} == {d.pk for d in child.difficulties.all()}
            or not self.review(child, "difficulties", new_difficulties, old=list(child.difficulties.all()))
        ):
            new_difficulties = None
        # The colour's "changed on" is its card history's effective date, not when it was typed.
        new_colour = (
            colour
            if colour
            and colour != child.card_colour
            and self.review(
                child, "card_colour", colour, changed_on=self.colour_changed_on.get(child.pk), history=False
            )
            else None
        )
        if not changed and new_difficulties is None and new_colour is None:
            return Plan(row=row, import_type=RowResult.IMPORT_TYPE_SKIP)
        for key, value in changed.items():
            setattr(child, key, value)
        return Plan(
            row=row,
            import_type=RowResult.IMPORT_TYPE_UPDATE,
            instance=child,
            write=lambda: self.save_child(child, new_difficulties, new_colour),
        )

    def probable_duplicate_note(self, name, info, phone) -> str:
        """A warning, not an error: a new row named as a child in scope with its birth date (or
        guardian's phone) may be that child under another ID number (children.duplicates)."""
        candidate = Candidate(name=name, birth_date=info.birth_date, guardian_phone=phone or "")
        found = self.namesakes.matches(candidate)
        if not found:
            return ""
        return gettext("Probably already registered (%(reason)s): %(children)s; the ID number differs, check it.") % {
            "reason": self.namesakes.reason(),
            "children": "、".join(self.namesakes.describe(child) for child in found),
        }

    def entered_on(self, row, problems):
        day = self.cell(row, "entered_on", problems, parse_date)
        if day and day > self.today:
            problems.add(row, "entered_on", gettext("cannot be later than today"))
            return None
        return day

    def create_many(self, plans):
        """New children with their history, then their difficulties.

        As with save_child, the difficulties are added after the child's "+" history record,
        which therefore lists none (bulk_create skips the m2m_changed signal).
        """
        if any(plan.values is None or plan.instance is not None for plan in plans):
            children = super().create_many(plans)
            ids = [child.pk for child in children]
        else:  # plain rows, no instance: what Child.save() derives is filled here
            children, ids = self._insert_values([plan.values for plan in plans])
        insert_rows(
            Child.difficulties.through,
            ["child_id", "difficultytype_id"],
            [
                (pk, difficulty.pk)
                for pk, plan in zip(ids, plans, strict=True)
                for difficulty in plan.extra["difficulties"]
            ],
        )
        child_record_first_colours(children=children, by=self.user, reason=IMPORT_REASON, on=self.ledger_date)

    def _insert_values(self, rows: list[dict]):
        """New children from their checked values, with their "+" history (core.bulk, COPY on
        PostgreSQL); returns what ``child_record_first_colours`` reads of each, and their ids."""
        names = list(dict.fromkeys(key for values in rows for key in values))
        relations = {"category": "category_id", "region": "region_id"}
        columns = [relations.get(name, name) for name in names] + ["name_pinyin"]
        absent = {}
        if any(len(values) != len(names) for values in rows):
            absent = column_defaults(Child, set(), timezone.now())
        picks = [(name, name in relations) for name in names]
        table = [
            (
                *(
                    (values[name].pk if relation else values[name])
                    if name in values
                    else absent[relations.get(name, name)]
                    for name, relation in picks
                ),
                name_pinyin(values["name"]),
            )
            for values in rows
        ]
        ids = insert_rows_with_history(Child, columns, table, user=self.user, reason=IMPORT_REASON)
        children_created(region_ids={values["region"].pk for values in rows}, days=[v["entered_on"] for v in rows])
        made = [
            SimpleNamespace(pk=pk, card_colour=values["card_colour"], entered_on=values["entered_on"])
            for pk, values in zip(ids, rows, strict=True)
        ]
        return made, ids

    def save_child(self, child, difficulties, colour):
        """The one place children are written by an import, one at a time."""
        is_new = child.pk is None
        self.check_instance(child)
        self.record_by_importer(child).save()
        if is_new:
            child_record_first_colours(children=[child], by=self.user, reason=IMPORT_REASON, on=self.ledger_date)
        if is_new and difficulties:
            through = Child.difficulties.through
            through.objects.bulk_create([through(child=child, difficultytype=d) for d in difficulties])
        elif not is_new and difficulties is not None:
            child.difficulties.set(difficulties)
        if colour:
            child_change_colour(
                child=child,
                to_colour=colour,
                effective_on=self.ledger_date or self.today,
                reason=IMPORT_REASON,
                by=self.user,
            )

    def export_rows(self, queryset):
        queryset = queryset.select_related("category", "region", "region__parent").prefetch_related("difficulties")
        for child in queryset.order_by("region__code", "name", "pk"):
            yield [
                child.name,
                GENDER_LABELS.get(child.gender, ""),
                self.mask_id(child.id_number),
                birth_date_for(self.user, child.birth_date),
                child.region.parent.name if child.region.parent_id else "",
                child.region.name,
                child.category.name,
                "、".join(d.name for d in child.difficulties.all()),
                COLOUR_LABELS.get(child.card_colour, ""),
                child.guardian_name,
                child.guardian_relation,
                self.mask_phone(child.guardian_phone),
                child.school,
                child.grade,
                child.address,
                child.notes,
                child.entered_on,
                *family_export(child, self.mask_id, self.mask_phone),
            ]
