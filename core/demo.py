"""A believable demo district (吕梁市离石区), generated with bulk inserts.

Deterministic (seeded random), so the same command gives the same data. The sizes are
parameters so the generator can later grow to city and province scale.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from activities.models import Activity, ActivityType, Course, Visit, VisitMode, Workstation
from children.models import CardChange, CardColour, Child, ChildCategory, DifficultyType
from core.idnumber import check_character
from core.spreadsheet import read_rows
from pairing.models import Pairing, PairingMember
from regions.models import Level, Region, StaffProfile
from regions.services import regions_load
from volunteers.models import Sector, Training, Volunteer, VolunteerTeam

REGIONS_FILE = Path(__file__).resolve().parent.parent / "regions" / "data" / "lvliang.csv"
COUNTY_CODE = "141102000000"  # 离石区
TOWNSHIPS = [
    ("001", "滨河街道"),
    ("002", "凤山街道"),
    ("003", "莲花池街道"),
    ("004", "城北街道"),
    ("005", "西属巴街道"),
    ("006", "田家会街道"),
    ("007", "交口街道"),
    ("100", "信义镇"),
    ("101", "吴城镇"),
    ("200", "坪头乡"),
    ("201", "枣林乡"),
]
VILLAGE_PREFIXES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁宋谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
VILLAGE_SUFFIXES = ["家庄", "家沟", "家坪", "家塔", "家峁", "家湾", "村", "社区", "家岭", "家河"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁宋谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = "秀英桂兰玉梅丽华红芳娟敏静燕艳霞丹萍雪琳婷慧颖佳欣怡涵雨轩浩宇子豪博文晨阳思远俊杰"
EMPLOYERS = {
    "机关干部": ["区委组织部", "区政府办", "区妇联", "区民政局"],
    "司法干警": ["区人民法院", "区人民检察院", "区公安分局"],
    "律师": ["晋商律师事务所", "离石律师事务所"],
    "教师": ["滨河小学", "区第一中学", "城北幼儿园"],
    "医护人员": ["区人民医院", "妇幼保健院"],
    "心理咨询师": ["区心理咨询中心"],
    "事业单位": ["区文化馆", "区图书馆"],
    "企业": ["吕梁农商银行", "国网离石供电公司"],
    "社会组织": ["区义工协会", "春蕾公益"],
    "其他": ["个体经营"],
}
SKILLS = ["心理健康", "课业辅导", "亲子阅读", "法律咨询", "医疗服务", "非遗传承"]
COURSES = [
    "心理护航课",
    "健康守护课",
    "法治护苗课",
    "课业辅导课",
    "非遗传承课",
    "亲子阅读课",
    "安全教育课",
    "艺术美育课",
    "劳动实践课",
]
TRAININGS = ["法律知识培训", "儿童心理培训", "沟通技巧培训", "家庭教育方法培训", "安全防护知识培训", "关爱工作实务培训"]
COLOUR_WEIGHTS = [(CardColour.GREEN, 70), (CardColour.YELLOW, 20), (CardColour.RED, 10)]
INTERVAL = {CardColour.RED: 14, CardColour.YELLOW: 30, CardColour.GREEN: 90}
DEMO_PASSWORD = "Demo-2025-aixin"


@dataclass
class DemoSize:
    townships: int = 11
    villages: int = 169
    volunteers: int = 335
    teams: int = 12
    children: int = 150
    months: int = 12
    activities: int = 36
    trainings: int = 6


class Generator:
    def __init__(self, size: DemoSize, seed: int = 2025, today: datetime.date | None = None):
        self.size = size
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.used_ids: set[str] = set()

    def name(self, female=True):
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2])))
        return self.rng.choice(SURNAMES) + given

    def id_number(self, region_code: str, born: datetime.date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 100)
            gender_digit = self.rng.choice("13579" if male else "02468")
            first17 = f"{region_code[:6]}{born:%Y%m%d}{seq:02d}{gender_digit}"
            number = first17 + check_character(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self, used: set[str]) -> str:
        while True:
            phone = (
                self.rng.choice(["135", "138", "139", "150", "152", "158", "187", "188"])
                + f"{self.rng.randrange(10**8):08d}"
            )
            if phone not in used:
                used.add(phone)
                return phone

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randrange(max((end - start).days, 1)))

    # --- regions -----------------------------------------------------------------
    def regions(self):
        regions_load(rows=read_rows(REGIONS_FILE.read_bytes(), REGIONS_FILE.name))
        county = Region.objects.get(code=COUNTY_CODE)
        townships = []
        for code, name in TOWNSHIPS[: self.size.townships]:
            township, _ = Region.objects.get_or_create(
                code=f"{COUNTY_CODE[:6]}{code}000", defaults={"name": name, "parent": county}
            )
            townships.append(township)
        per = [self.size.villages // len(townships)] * len(townships)
        for i in range(self.size.villages % len(townships)):
            per[i] += 1
        villages, names = [], [p + s for p in VILLAGE_PREFIXES for s in VILLAGE_SUFFIXES]
        self.rng.shuffle(names)
        for township, count in zip(townships, per, strict=True):
            for n in range(1, count + 1):
                code = f"{township.code[:9]}{n:03d}"
                villages.append(Region(code=code, name=names.pop(), parent=township, level=Level.VILLAGE))
        Region.objects.bulk_create(villages, ignore_conflicts=True)
        self.county = county
        self.townships = townships
        self.villages = list(Region.objects.filter(parent__in=townships, level=Level.VILLAGE))

    # --- volunteers ----------------------------------------------------------------
    def volunteers(self):
        sectors = list(Sector.objects.all())
        teams = []
        for i in range(self.size.teams):
            township = self.townships[i % len(self.townships)]
            teams.append(
                VolunteerTeam(
                    name=f"{township.name}爱心妈妈志愿服务队"
                    if i < len(self.townships)
                    else f"{self.county.name}巾帼志愿服务{i - len(self.townships) + 1}队",
                    region=township if i < len(self.townships) else self.county,
                    leader=self.name(),
                    founded_on=self.today - datetime.timedelta(days=400),
                )
            )
        VolunteerTeam.objects.bulk_create(teams)
        self.teams = list(VolunteerTeam.objects.filter(region__code__startswith=COUNTY_CODE[:6]))
        phones = set(Volunteer.objects.values_list("phone", flat=True))
        rows = []
        for i in range(self.size.volunteers):
            sector = sectors[i % len(sectors)]
            team = teams[i % len(teams)]
            township = team.region if team.region.level == Level.TOWNSHIP else self.rng.choice(self.townships)
            rows.append(
                Volunteer(
                    name=self.name(),
                    phone=self.phone(phones),
                    employer=self.rng.choice(EMPLOYERS.get(sector.name, ["个体经营"])),
                    sector=sector,
                    skills="、".join(self.rng.sample(SKILLS, self.rng.choice([1, 2]))),
                    team=self.teams[[t.name for t in self.teams].index(team.name)],
                    region=township,
                    joined_on=self.day_between(
                        self.today - datetime.timedelta(days=540), self.today - datetime.timedelta(days=365)
                    ),
                )
            )
        self.volunteer_rows = Volunteer.objects.bulk_create(rows)

    # --- children, pairings ----------------------------------------------------------
    def children(self):
        categories = list(ChildCategory.objects.all())
        difficulties = list(DifficultyType.objects.all())
        colours = [c for c, w in COLOUR_WEIGHTS for _ in range(w)]
        rows = []
        for _ in range(self.size.children):
            village = self.rng.choice(self.villages)
            male = self.rng.random() < 0.5
            born = self.day_between(
                self.today - datetime.timedelta(days=17 * 365), self.today - datetime.timedelta(days=3 * 365)
            )
            number = self.id_number(village.code, born, male)
            rows.append(
                Child(
                    name=self.name(),
                    id_number=number,
                    gender="M" if male else "F",
                    birth_date=born,
                    category=self.rng.choice(categories),
                    card_colour=self.rng.choice(colours),
                    region=village,
                    address=f"{village.parent.name}{village.name}{self.rng.randrange(1, 120)}号",
                    school=self.rng.choice(["滨河小学", "城北小学", "区第一中学", "区第二中学", "示范幼儿园"]),
                    grade=self.rng.choice(
                        ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"]
                    ),
                    guardian_name=self.name(),
                    guardian_relation=self.rng.choice(["祖父", "祖母", "外祖父", "外祖母", "母亲", "父亲"]),
                    guardian_phone=self.phone(set()),
                )
            )
        self.child_rows = Child.objects.bulk_create(rows)
        through = Child.difficulties.through
        links = []
        for child in self.child_rows:
            for difficulty in self.rng.sample(difficulties, self.rng.choice([1, 1, 2])):
                links.append(through(child_id=child.pk, difficultytype_id=difficulty.pk))
        through.objects.bulk_create(links)
        start = self.today - datetime.timedelta(days=365)
        CardChange.objects.bulk_create(
            CardChange(child=c, from_colour="", to_colour=c.card_colour, effective_on=start, reason="建档评估")
            for c in self.child_rows
        )

    def pairings(self):
        load = {v.pk: 0 for v in self.volunteer_rows}
        by_township: dict[int, list[Volunteer]] = {}
        for v in self.volunteer_rows:
            by_township.setdefault(v.region_id, []).append(v)
        pairings, members = [], []
        start = self.today - datetime.timedelta(days=365)
        for child in self.child_rows:
            pool = [v for v in by_township.get(child.region.parent_id, self.volunteer_rows) if load[v.pk] < 3] or [
                v for v in self.volunteer_rows if load[v.pk] < 3
            ]
            count = self.rng.choice([2, 3]) if self.rng.random() < 1 / 3 else 1
            chosen = self.rng.sample(pool, min(count, len(pool)))
            started = self.day_between(start, start + datetime.timedelta(days=60))
            pairings.append(Pairing(child=child, started_on=started))
            members.append(chosen)
        Pairing.objects.bulk_create(pairings)
        rows = []
        for pairing, chosen in zip(pairings, members, strict=True):
            for i, volunteer in enumerate(chosen):
                load[volunteer.pk] += 1
                rows.append(
                    PairingMember(
                        pairing=pairing,
                        volunteer=volunteer,
                        role="lead" if i == 0 else "assisting",
                        joined_on=pairing.started_on,
                    )
                )
        PairingMember.objects.bulk_create(rows)
        self.pairing_members = {p.child_id: c for p, c in zip(pairings, members, strict=True)}

    # --- visits, activities, trainings -----------------------------------------------
    def visits(self):
        modes = list(VisitMode.objects.all())
        start = self.today - datetime.timedelta(days=30 * self.size.months)
        visits, visitor_links = [], []
        for child in self.child_rows:
            interval = INTERVAL[child.card_colour]
            day = start + datetime.timedelta(days=self.rng.randrange(interval))
            while day <= self.today:
                # A few children fall behind, so the overdue list has something to show.
                if self.rng.random() < 0.06 and day > self.today - datetime.timedelta(days=60):
                    break
                visits.append(
                    Visit(
                        child=child,
                        visited_on=day,
                        mode=self.rng.choice(modes),
                        findings=self.rng.choice(
                            ["了解学习生活情况，与监护人沟通", "孩子情绪稳定，学习有进步", "家中经济困难，需持续关注"]
                        ),
                        help_given=self.rng.choice(["辅导作业", "赠送学习用品", "心理疏导", "送去冬衣", ""]),
                        goods_value=Decimal(self.rng.choice([0, 0, 100, 200, 300])),
                    )
                )
                day += datetime.timedelta(days=max(1, interval - self.rng.randrange(0, 6)))
        Visit.objects.bulk_create(visits)
        through = Visit.visitors.through
        for visit in visits:
            chosen = self.pairing_members.get(visit.child_id) or []
            if chosen:
                visitor_links.append(through(visit_id=visit.pk, volunteer_id=self.rng.choice(chosen).pk))
        through.objects.bulk_create(visitor_links)

    def activities(self):
        types = list(ActivityType.objects.all())
        courses = Course.objects.bulk_create(Course(name=n, region=self.county, provider="区妇联") for n in COURSES)
        stations = Workstation.objects.bulk_create(
            Workstation(
                name=f"{t.name}爱心妈妈工作站",
                region=t,
                address=f"{t.name}家庭教育服务中心",
                opened_on=self.today - datetime.timedelta(days=400),
            )
            for t in self.townships[:6]
        )
        start = self.today - datetime.timedelta(days=30 * self.size.months)
        rows = []
        for i in range(self.size.activities):
            township = self.townships[i % len(self.townships)]
            kind = self.rng.choice(types)
            kids, mothers = self.rng.randrange(10, 40), self.rng.randrange(4, 20)
            rows.append(
                Activity(
                    title=f"{kind.name}活动（{township.name}）",
                    activity_type=kind,
                    held_on=self.day_between(start, self.today),
                    region=township,
                    place=f"{township.name}爱心妈妈工作站",
                    workstation=stations[i % len(stations)] if i % 2 == 0 else None,
                    course=courses[i % len(courses)] if i % 3 == 0 else None,
                    children_count=kids,
                    volunteers_count=mothers,
                    person_times=kids + mothers,
                    goods_value=Decimal(self.rng.choice([0, 500, 1200, 2000, 3000])),
                    description="组织开展关爱活动",
                )
            )
        Activity.objects.bulk_create(rows)

    def trainings(self):
        start = self.today - datetime.timedelta(days=30 * self.size.months)
        rows = Training.objects.bulk_create(
            Training(
                title=f"“爱心妈妈”{name}",
                topic=name.removesuffix("培训"),
                held_on=self.day_between(start, self.today),
                region=self.county,
                place="区妇女儿童活动中心",
                trainer="区妇联",
            )
            for name in TRAININGS[: self.size.trainings]
        )
        through = Training.attendees.through
        links = []
        for training in rows:
            for volunteer in self.rng.sample(
                self.volunteer_rows, min(len(self.volunteer_rows), self.rng.randrange(150, 200))
            ):
                links.append(through(training_id=training.pk, volunteer_id=volunteer.pk))
        through.objects.bulk_create(links)

    # --- accounts --------------------------------------------------------------------
    def accounts(self) -> list[tuple[str, str, str]]:
        made = []
        for username, region, role, label in [
            ("lishi_admin", self.county, "admin", "区妇联管理员"),
            ("binhe_staff", self.townships[0], "township", f"{self.townships[0].name}工作人员"),
            ("lishi_viewer", self.county, "viewer", "领导（只读）"),
        ]:
            user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True, "first_name": label})
            user.set_password(DEMO_PASSWORD)
            user.is_staff = True
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            StaffProfile.objects.update_or_create(user=user, defaults={"region": region})
            made.append((username, DEMO_PASSWORD, f"{label}（{region.name}）"))
        return made

    @transaction.atomic
    def run(self):
        self.regions()
        if Child.objects.in_region(self.county).exists():
            return self.accounts(), False
        self.volunteers()
        self.children()
        self.pairings()
        self.visits()
        self.activities()
        self.trainings()
        return self.accounts(), True
