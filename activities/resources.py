"""Visit records (走访记录) and the activity ledger (活动台账)."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext
from import_export.results import RowResult

from children.models import Child
from core.ledger.columns import CHILD_ID, TOWNSHIP, column
from core.ledger.resources import IMPORT_REASON, LedgerResource, LookupIndex, MotherIndex, Plan, RegionIndex
from core.ledger.values import parse_colour, parse_count, parse_date, parse_money, split_list, text

from .models import Activity, ActivityType, Visit, VisitMode
from .services import (
    ACTIVITY_COUNTS,
    activity_correction,
    activity_counts,
    activity_fill_counts,
    activity_save,
    visit_natural_key,
    visit_record,
)

COLOUR_LABELS = {"red": "红", "yellow": "黄", "green": "绿"}


class VisitResource(LedgerResource):
    ledger = "visits"
    title = "走访记录"
    columns = [
        column("child_name", ("儿童姓名", "姓名")),
        column("child_id", CHILD_ID, required=True),
        column("visited_on", ("走访日期", "走访时间"), required=True),
        column("mode", ("走访方式", "走访形式"), required=True),
        column("visitor", ("走访人", "走访人员")),
        column("findings", ("走访内容", "走访情况")),
        column("help_given", ("帮扶内容", "帮扶措施")),
        column("goods_value", ("物资折价（元）", "物资价值（元）", "物资金额（元）")),
        column("colour", ("三色卡评估", "三色卡")),
        column("notes", ("备注",)),
    ]

    dry_run_writes = True

    class Meta:
        model = Visit
        fields = ()
        import_id_fields = ()

    def prepare(self, rows):
        self.mothers = MotherIndex(self.user)
        self.modes = LookupIndex(VisitMode)
        self.children = {
            c.id_number: c for c in Child.objects.for_user(self.user).only("id", "name", "id_number", "card_colour")
        }
        self.existing = {}
        visits = (
            Visit.objects.for_user(self.user)
            .prefetch_related("visitors")
            .only("id", "child_id", "visited_on", "mode_id", "staff_visitors")
        )
        for visit in visits:
            self.existing[
                self.key(
                    visit.child_id,
                    visit.visited_on,
                    visit.mode_id,
                    {v.pk for v in visit.visitors.all()},
                    visit.staff_visitors,
                )
            ] = visit
        self.seen = {}

    @staticmethod
    def key(child_id, day, mode_id, visitor_ids, staff):
        # The visit service's key, which the database holds unique.
        return visit_natural_key(
            child_id=child_id, visited_on=day, mode_id=mode_id, visitor_ids=visitor_ids, staff_visitors=staff
        )

    def visitors(self, row, problems):
        mothers, staff = [], []
        for name in split_list(row.raw("visitor")):
            found = self.mothers.by_name.get(text(name), [])
            if len(found) > 1:
                problems.add(row, "visitor", gettext("several caring mothers in your area have this name"), value=name)
            elif found:
                mothers.append(found[0])
            else:
                staff.append(name)  # not a caring mother: federation or village staff
        return mothers, "、".join(staff)

    def plan_row(self, row, problems):
        child = self.known_child(row, problems)
        day = self.cell(row, "visited_on", problems, parse_date)
        if day is None and not text(row.raw("visited_on")):
            problems.add(row, "visited_on", gettext("is required"))
        mode = self.cell(row, "mode", problems, self.modes.get) if self.required(row, "mode", problems) else None
        mothers, staff = self.visitors(row, problems)
        goods = self.cell(row, "goods_value", problems, parse_money)
        colour = self.cell(row, "colour", problems, parse_colour)
        if child is None or day is None or mode is None or goods is None or colour is None or row in problems:
            return None
        key = self.key(child.pk, day, mode.pk, {m.pk for m in mothers}, staff)
        if key in self.seen:
            return Plan(
                row=row,
                import_type=RowResult.IMPORT_TYPE_SKIP,
                note=gettext("Same visit as row %(row)d; skipped as a duplicate.") % {"row": self.seen[key].number},
            )
        self.seen[key] = row
        if key in self.existing:
            return Plan(row=row, import_type=RowResult.IMPORT_TYPE_SKIP)
        values = {
            "child": child,
            "visited_on": day,
            "mode": mode,
            "visitors": mothers,
            "staff_visitors": staff,
            "findings": text(row.raw("findings")),
            "help_given": text(row.raw("help_given")),
            "goods_value": goods,
            "reassessed_colour": colour,
            "notes": text(row.raw("notes")),
        }
        return Plan(row=row, import_type=RowResult.IMPORT_TYPE_NEW, write=lambda: self.save_visit(values), key=day)

    def plan_file(self, plans, problems):
        # Reassessments change the card in the order the visits happened, not the file's order.
        plans.sort(key=lambda p: (p.key is None, p.key or datetime.date.min, p.row.number))

    def save_visit(self, values):
        """The one place visits are written by an import (a changed colour goes through the card service)."""
        visit_record(**values, correction_reason=IMPORT_REASON, by=self.user)
        if values["reassessed_colour"]:
            values["child"].card_colour = values["reassessed_colour"]

    def export_rows(self, queryset):
        queryset = queryset.select_related("child", "mode").prefetch_related("visitors")
        for visit in queryset.order_by("visited_on", "child__name", "pk"):
            names = [v.name for v in visit.visitors.all()]
            if visit.staff_visitors:
                names.append(visit.staff_visitors)
            yield [
                visit.child.name,
                self.mask_id(visit.child.id_number),
                visit.visited_on,
                visit.mode.name,
                "、".join(names),
                visit.findings,
                visit.help_given,
                visit.goods_value,
                COLOUR_LABELS.get(visit.reassessed_colour, ""),
                visit.notes,
            ]


class ActivityResource(LedgerResource):
    ledger = "activities"
    title = "关爱活动台账"
    columns = [
        column("title", ("活动名称", "活动主题"), required=True),
        column("held_on", ("活动日期", "活动时间"), required=True),
        column("activity_type", ("活动类型", "活动类别"), required=True),
        column("place", ("活动地点", "地点")),
        column("township", TOWNSHIP, required=True),
        column("children_count", ("参与儿童数", "儿童人数")),
        column("volunteers_count", ("参与爱心妈妈数", "爱心妈妈人数")),
        column("person_times", ("参与人次", "受益人次")),
        column("goods_value", ("物资金额（元）", "物资折价（元）")),
        column("description", ("活动内容", "活动简介")),
    ]

    clean_exclude = ["activity_type", "region", "workstation", "course"]

    class Meta:
        model = Activity
        fields = ()
        import_id_fields = ()

    def prepare(self, rows):
        self.regions = RegionIndex(self.user)
        self.types = LookupIndex(ActivityType)
        activities = Activity.objects.for_user(self.user).annotate(
            ticked_children=Count("children", distinct=True), ticked_mothers=Count("volunteers", distinct=True)
        )
        self.existing = {(a.title, a.held_on, a.region_id): a for a in activities}
        self.seen = {}

    def plan_row(self, row, problems):
        title = self.required(row, "title", problems)
        day = self.cell(row, "held_on", problems, parse_date)
        if day is None and not text(row.raw("held_on")):
            problems.add(row, "held_on", gettext("is required"))
        kind = (
            self.cell(row, "activity_type", problems, self.types.get)
            if self.required(row, "activity_type", problems)
            else None
        )
        township = (
            self.cell(row, "township", problems, self.regions.township)
            if self.required(row, "township", problems)
            else None
        )
        counts = {  # an empty cell is an empty count: filled by the rule of activity_counts
            key: self.cell(row, key, problems, parse_count) if text(row.raw(key)) else None for key in ACTIVITY_COUNTS
        }
        goods = self.cell(row, "goods_value", problems, parse_money)
        if title is None or day is None or kind is None or township is None or row in problems:
            return None
        key = (title, day, township.pk)
        activity = self.existing.get(key)
        try:  # a ledger carries counts without ticks; an activity stored with ticks keeps to them
            counts = activity_counts(
                **counts,
                ticked_children=getattr(activity, "ticked_children", 0),
                ticked_mothers=getattr(activity, "ticked_mothers", 0),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    problems.add(row, field, message)
            return None
        if key in self.seen:
            return Plan(
                row=row,
                import_type=RowResult.IMPORT_TYPE_SKIP,
                note=gettext("Same activity as row %(row)d; skipped as a duplicate.") % {"row": self.seen[key].number},
            )
        self.seen[key] = row
        values = {
            "activity_type": kind,
            "place": text(row.raw("place")),
            "goods_value": goods,
            "description": text(row.raw("description")),
            **counts,
        }
        if activity is None:
            activity = Activity(title=title, held_on=day, region=township, **values)
            return Plan(
                row=row,
                import_type=RowResult.IMPORT_TYPE_NEW,
                instance=activity,
                write=lambda: self.save_activity(activity),
                bulk=True,
            )
        changed = self.changes(activity, values)
        if not changed:
            return Plan(row=row, import_type=RowResult.IMPORT_TYPE_SKIP)
        for k, v in changed.items():
            setattr(activity, k, v)
        return Plan(
            row=row,
            import_type=RowResult.IMPORT_TYPE_UPDATE,
            instance=activity,
            write=lambda: self.save_activity(activity),
        )

    def create_many(self, plans):
        for plan in plans:  # a new activity dated in a closed month is a correction (台账导入)
            activity_fill_counts(activity=plan.instance)  # bulk_create skips activity_save's check
            activity_correction(activity=plan.instance, reason=IMPORT_REASON, by=self.user)
        return super().create_many(plans)

    def save_activity(self, activity):
        """The one place activities are written by an import one at a time (new ones: create_many)."""
        self.check_instance(activity)
        activity_save(activity=self.record_by_importer(activity), correction_reason=IMPORT_REASON, by=self.user)

    def export_rows(self, queryset):
        queryset = queryset.select_related("activity_type", "region")
        for activity in queryset.order_by("held_on", "title", "pk"):
            yield [
                activity.title,
                activity.held_on,
                activity.activity_type.name,
                activity.place,
                activity.region.name,
                activity.children_count,
                activity.volunteers_count,
                activity.person_times,
                activity.goods_value,
                activity.description,
            ]
