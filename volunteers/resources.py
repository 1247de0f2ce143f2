"""The caring mothers' roll (花名册): import by phone (or ID number), export with the same headers."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from import_export.results import RowResult

from core.idnumber import normalise_phone
from core.ledger.columns import CHILD_ID, TOWNSHIP, column
from core.ledger.resources import LedgerResource, LookupIndex, Plan, RegionIndex
from core.ledger.values import parse_date, parse_gender, split_skills, text
from volunteers.models import Sector, Volunteer, VolunteerTeam

GENDER_LABELS = {"M": "男", "F": "女"}


class VolunteerResource(LedgerResource):
    ledger = "volunteers"
    title = "爱心妈妈花名册"
    columns = [
        column("name", ("姓名", "爱心妈妈姓名"), required=True),
        column("gender", ("性别",)),
        column("phone", ("联系电话", "手机号码"), required=True),
        column("id_number", CHILD_ID[:3]),
        column("employer", ("工作单位", "单位")),
        column("sector", ("职业类别", "行业")),
        column("skills", ("专长", "特长")),
        column("team", ("所属服务队", "服务队")),
        column("township", TOWNSHIP, required=True),
        column("joined_on", ("招募日期", "加入时间")),
        column("notes", ("备注",)),
    ]

    clean_exclude = ["sector", "team", "region"]

    class Meta:
        model = Volunteer
        fields = ()
        import_id_fields = ()

    def prepare(self, rows):
        self.regions = RegionIndex(self.user)
        self.sectors = LookupIndex(Sector)
        self.by_phone = {}
        self.by_id = {}
        phones = sorted({normalise_phone(text(row.raw("phone"))) for row in rows} - {""})
        numbers = sorted({text(row.raw("id_number")).upper() for row in rows} - {""})
        found, self.in_scope = [], set()
        for start in range(0, max(len(phones), len(numbers)), 1000):
            chunk = Q(phone__in=phones[start : start + 1000]) | Q(id_number__in=numbers[start : start + 1000])
            found.extend(Volunteer.objects.filter(chunk).select_related("region", "sector", "team"))
            self.in_scope.update(Volunteer.objects.for_user(self.user).filter(chunk).values_list("pk", flat=True))
        for mother in found:
            self.by_phone[mother.phone] = mother
            if mother.id_number:
                self.by_id[mother.id_number] = mother
        self.teams = {}
        for team in VolunteerTeam.objects.for_user(self.user):
            self.teams.setdefault(text(team.name), []).append(team)
        self.new_teams = {}
        self.seen = {}
        if self.ledger_date is not None:
            self.history.load(Volunteer, sorted(self.in_scope))

    def team(self, name, township):
        found = self.teams.get(name, [])
        if len(found) > 1:
            inside = [t for t in found if t.region_id == township.pk]
            found = inside if len(inside) == 1 else found
        if len(found) > 1:
            raise ValueError(gettext("several teams in your area have this name"))
        if found:
            return found[0]
        # A team named in the roll that does not exist yet is created in the user's region.
        if name not in self.new_teams:
            self.new_teams[name] = VolunteerTeam(name=name, region=self.user_region() or township)
        return self.new_teams[name]

    def plan_row(self, row, problems):
        name = self.required(row, "name", problems)
        phone = self.phone(row, "phone", problems, required=True)
        number = self.id_number(row, "id_number", problems) if text(row.raw("id_number")) else ""
        gender = self.cell(row, "gender", problems, parse_gender)
        township = (
            self.cell(row, "township", problems, self.regions.township)
            if self.required(row, "township", problems)
            else None
        )
        sector = self.cell(row, "sector", problems, self.sectors.get) if text(row.raw("sector")) else None
        joined = self.cell(row, "joined_on", problems, parse_date)
        team = None
        team_name = text(row.raw("team"))
        if team_name and township is not None:
            try:
                team = self.team(team_name, township)
            except ValueError as exc:
                problems.add(row, "team", str(exc))
        if name is None or phone is None or number is None or township is None or row in problems:
            return None
        key = phone
        if key in self.seen:
            first = self.seen[key]
            if text(first.raw("name")) == name:
                return Plan(
                    row=row,
                    import_type=RowResult.IMPORT_TYPE_SKIP,
                    note=gettext("Same caring mother as row %(row)d; skipped as a duplicate.") % {"row": first.number},
                )
            problems.add(
                row,
                "phone",
                gettext("the same phone number is on row %(row)d with a different name") % {"row": first.number},
            )
            return None
        self.seen[key] = row
        values = {
            "name": name,
            "gender": gender or "F",
            "phone": phone,
            "employer": text(row.raw("employer")),
            "sector": sector,
            "skills": "、".join(split_skills(row.raw("skills"))),
            "region": township,
            "joined_on": joined,
            "notes": text(row.raw("notes")),
        }
        if number:
            values["id_number"] = number
        mother = (self.by_id.get(number) if number else None) or self.by_phone.get(phone)
        if mother is None:
            mother = Volunteer(**values)
            return Plan(
                row=row,
                import_type=RowResult.IMPORT_TYPE_NEW,
                instance=mother,
                write=lambda: self.save_volunteer(mother, team),
            )
        if mother.pk not in self.in_scope:
            problems.add(row, "phone", self.refuse(phone, "phone"))
            return None
        changed = self.changes(mother, values)
        if team is not None and (mother.team_id != team.pk or team.pk is None) and self.review(mother, "team", team):
            changed["team"] = team
        if not changed:
            return Plan(row=row, import_type=RowResult.IMPORT_TYPE_SKIP)
        for k, v in changed.items():
            setattr(mother, k, v)
        return Plan(
            row=row,
            import_type=RowResult.IMPORT_TYPE_UPDATE,
            instance=mother,
            write=lambda: self.save_volunteer(mother, changed.get("team")),
        )

    def save_volunteer(self, mother, team):
        """The one place caring mothers (and their new teams) are written by an import."""
        if team is not None:
            if team.pk is None:
                self.record_by_importer(team).save()
            mother.team = team
        self.check_instance(mother)
        self.record_by_importer(mother).save()

    #: Her work (VolunteerQuerySet.with_work), as the mothers' list shows it: exported for
    #: reading, not imported.
    work_headers = ["在结对数", "本年联系次数", "最近联系", "参加培训"]

    def export_headers(self):
        return [*super().export_headers(), *self.work_headers]

    def export_rows(self, queryset):
        queryset = queryset.select_related("sector", "team", "region")
        if "open_pairings" not in queryset.query.annotations:
            queryset = queryset.with_work(user=self.user, today=timezone.localdate())
        for mother in queryset.order_by("region__code", "name", "pk"):
            yield [
                mother.name,
                GENDER_LABELS.get(mother.gender, ""),
                self.mask_phone(mother.phone),
                self.mask_id(mother.id_number or ""),
                mother.employer,
                mother.sector.name if mother.sector_id else "",
                mother.skills,
                mother.team.name if mother.team_id else "",
                mother.region.name,
                mother.joined_on,
                mother.notes,
                mother.open_pairings,
                mother.contacts_this_year,
                mother.last_contact,
                mother.trainings_attended,
            ]
