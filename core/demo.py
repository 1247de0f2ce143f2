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
from django.db import connection, transaction
from django.utils import timezone

from activities.models import Activity, ActivityType, Course, Visit, VisitMode, Workstation
from activities.schedule import schedule_refresh_all
from activities.services import visit_natural_key
from children.models import CardChange, CardColour, Child, ChildCategory, DifficultyType
from core.bulk import insert_objects, insert_rows
from core.idnumber import check_character
from core.ledger.files import read_grid
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


CITIES = [
    ("1401", "太原市"),
    ("1402", "大同市"),
    ("1403", "阳泉市"),
    ("1404", "长治市"),
    ("1405", "晋城市"),
    ("1406", "朔州市"),
    ("1407", "晋中市"),
    ("1408", "运城市"),
    ("1409", "忻州市"),
    ("1410", "临汾市"),
]
PLACE_SYLLABLES = "安平和兴顺泰宁康乐福寿丰清源阳山川河峪岭庄堡"


@dataclass(frozen=True)
class DemoSize:
    """How much to generate. Per-county figures; the demo is one county as in the report."""

    counties: int = 1
    townships: int = 11
    villages: int = 169  # per county, spread over its townships
    volunteers: int = 335
    teams: int = 12
    children: int = 150
    months: int = 12
    activities: int = 36
    trainings: int = 6
    unpaired_share: float = 0.0
    #: Provinces: 山西 first (离石区, 吕梁市, then synthetic cities), then synthetic provinces
    #: (``OTHER_PROVINCES``) of ``counties`` counties each.
    provinces: int = 1


SCALES = {
    # 吕梁市离石区 as in the newspaper report.
    "demo": DemoSize(),
    # About a tenth of a province: 吕梁市's 13 counties.
    "city": DemoSize(
        counties=13, villages=180, volunteers=1540, children=770, months=24, activities=1540, unpaired_share=0.05
    ),
    # About 100k children, 200k mothers, 2M visits, 200k activities over 117 counties.
    "province": DemoSize(
        counties=117, villages=180, volunteers=1710, children=855, months=24, activities=1710, unpaired_share=0.05
    ),
    # A national sample: three provinces the size of "province" (about 300k children, 5M visits).
    # A province admin's scope is as large as at "province"; the superuser's is three times it.
    "x3": DemoSize(
        counties=117,
        villages=180,
        volunteers=1710,
        children=855,
        months=24,
        activities=1710,
        unpaired_share=0.05,
        provinces=3,
    ),
}
#: The synthetic provinces after 山西 (code prefix, name) for sizes of more than one province.
OTHER_PROVINCES = [("13", "河北省"), ("15", "内蒙古自治区"), ("41", "河南省"), ("61", "陕西省")]


class Generator:
    def __init__(self, size: DemoSize, seed: int = 2025, today: datetime.date | None = None):
        self.size = size
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.start = self.today - datetime.timedelta(days=30 * size.months)
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    def name(self):
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2])))
        return self.rng.choice(SURNAMES) + given

    def place_name(self, suffix, taken: set[str]):
        # Siblings never share a name (a database constraint: the importers find places by name).
        while (name := "".join(self.rng.sample(PLACE_SYLLABLES, 2)) + suffix) in taken:
            pass
        taken.add(name)
        return name

    def id_number(self, region_code: str, born: datetime.date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 100)
            gender_digit = self.rng.choice("13579" if male else "02468")
            first17 = f"{region_code[:6]}{born:%Y%m%d}{seq:02d}{gender_digit}"
            number = first17 + check_character(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            prefix = self.rng.choice(["135", "138", "139", "150", "152", "158", "187", "188"])
            phone = prefix + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randrange(max((end - start).days, 1)))

    # --- regions -----------------------------------------------------------------
    def counties(self) -> list[Region]:
        """离石区 first, then 吕梁市's other counties, then synthetic counties of other cities."""
        regions_load(rows=read_grid(REGIONS_FILE.read_bytes()))
        lvliang = list(Region.objects.filter(parent__code="141100000000", level=Level.COUNTY))
        counties = sorted(lvliang, key=lambda r: (r.code != COUNTY_CODE, r.code))
        province = Region.objects.get(code="140000000000")
        for city_code, city_name in CITIES:
            if len(counties) >= self.size.counties:
                break
            city, _ = Region.objects.get_or_create(
                code=f"{city_code}00000000", defaults={"name": city_name, "parent": province}
            )
            taken = set()
            for n in range(1, 12):
                county, _ = Region.objects.get_or_create(
                    code=f"{city_code}{n:02d}000000", defaults={"name": self.place_name("县", taken), "parent": city}
                )
                counties.append(county)
        counties = counties[: self.size.counties]
        for prefix, province_name in OTHER_PROVINCES[: self.size.provinces - 1]:
            counties += self.synthetic_province(prefix, province_name)
        return counties

    def synthetic_province(self, prefix: str, province_name: str) -> list[Region]:
        """A province of ``size.counties`` synthetic counties over 10 synthetic cities."""
        province, _ = Region.objects.get_or_create(code=f"{prefix}0000000000", defaults={"name": province_name})
        per_city = -(-self.size.counties // 10)
        counties, city_names = [], set()
        for c in range(1, 11):
            city, _ = Region.objects.get_or_create(
                code=f"{prefix}{c:02d}00000000",
                defaults={"name": self.place_name("市", city_names), "parent": province},
            )
            taken = set()
            for n in range(1, per_city + 1):
                if len(counties) >= self.size.counties:
                    break
                county, _ = Region.objects.get_or_create(
                    code=f"{prefix}{c:02d}{n:02d}000000",
                    defaults={"name": self.place_name("县", taken), "parent": city},
                )
                counties.append(county)
        return counties

    def townships_of(self, county: Region) -> list[Region]:
        if county.code == COUNTY_CODE:
            named = TOWNSHIPS[: self.size.townships]
        else:
            taken = set()
            named = [(f"{200 + i:03d}", self.place_name("镇", taken)) for i in range(self.size.townships)]
        townships = [
            Region.objects.get_or_create(code=f"{county.code[:6]}{code}000", defaults={"name": name, "parent": county})[
                0
            ]
            for code, name in named
        ]
        per = [self.size.villages // len(townships)] * len(townships)
        for i in range(self.size.villages % len(townships)):
            per[i] += 1
        names = [p + s for p in VILLAGE_PREFIXES for s in VILLAGE_SUFFIXES]
        self.rng.shuffle(names)
        villages = [
            Region(code=f"{township.code[:9]}{n:03d}", name=names.pop(), parent=township, level=Level.VILLAGE)
            for township, count in zip(townships, per, strict=True)
            for n in range(1, count + 1)
        ]
        Region.objects.bulk_create(villages, ignore_conflicts=True)
        return townships

    # --- one county ----------------------------------------------------------------
    def populate(self, county: Region):
        townships = self.townships_of(county)
        villages = list(Region.objects.filter(parent__in=townships, level=Level.VILLAGE).select_related("parent"))
        volunteers = self.volunteers(county, townships)
        children = self.children(villages)
        members = self.pairings(children, volunteers)
        self.visits(children, members)
        self.activities(county, townships)
        self.trainings(county, volunteers)

    def volunteers(self, county, townships) -> list[Volunteer]:
        sectors = list(Sector.objects.all())
        teams = []
        for i in range(self.size.teams):
            if i < len(townships):
                teams.append(VolunteerTeam(name=f"{townships[i].name}爱心妈妈志愿服务队", region=townships[i]))
            else:
                teams.append(VolunteerTeam(name=f"{county.name}巾帼志愿服务{i - len(townships) + 1}队", region=county))
        for team in teams:
            team.leader, team.founded_on = self.name(), self.today - datetime.timedelta(days=400)
        VolunteerTeam.objects.bulk_create(teams)
        joined_from = self.start - datetime.timedelta(days=180)
        rows = []
        for i in range(self.size.volunteers):
            sector, team = sectors[i % len(sectors)], teams[i % len(teams)]
            township = team.region if team.region.level == Level.TOWNSHIP else self.rng.choice(townships)
            rows.append(
                Volunteer(
                    name=self.name(),
                    phone=self.phone(),
                    employer=self.rng.choice(EMPLOYERS.get(sector.name, ["个体经营"])),
                    sector=sector,
                    skills="、".join(self.rng.sample(SKILLS, self.rng.choice([1, 2]))),
                    team=team,
                    region=township,
                    joined_on=self.day_between(joined_from, self.start),
                )
            )
        return insert_objects(rows)

    def children(self, villages) -> list[Child]:
        categories = list(ChildCategory.objects.all())
        difficulties = list(DifficultyType.objects.all())
        colours = [c for c, w in COLOUR_WEIGHTS for _ in range(w)]
        oldest, youngest = self.today - datetime.timedelta(days=17 * 365), self.today - datetime.timedelta(days=3 * 365)
        rows = []
        for _ in range(self.size.children):
            village = self.rng.choice(villages)
            male = self.rng.random() < 0.5
            born = self.day_between(oldest, youngest)
            rows.append(
                Child(
                    name=self.name(),
                    id_number=self.id_number(village.code, born, male),
                    gender="M" if male else "F",
                    birth_date=born,
                    category=self.rng.choice(categories),
                    card_colour=self.rng.choice(colours),
                    entered_on=self.start,
                    region=village,
                    address=f"{village.parent.name}{village.name}{self.rng.randrange(1, 120)}号",
                    school=self.rng.choice(["中心小学", "城北小学", "第一中学", "第二中学", "示范幼儿园"]),
                    grade=self.rng.choice(["一年级", "三年级", "五年级", "六年级", "初一", "初二", "初三"]),
                    guardian_name=self.name(),
                    guardian_relation=self.rng.choice(["祖父", "祖母", "外祖父", "外祖母", "母亲", "父亲"]),
                    guardian_phone=self.phone(),
                )
            )
        children = insert_objects(rows)
        insert_rows(
            Child.difficulties.through,
            ["child_id", "difficultytype_id"],
            [
                (child.pk, difficulty.pk)
                for child in children
                for difficulty in self.rng.sample(difficulties, self.rng.choice([1, 1, 2]))
            ],
        )
        insert_objects(
            CardChange(child=c, from_colour="", to_colour=c.card_colour, effective_on=self.start, reason="建档评估")
            for c in children
        )
        return children

    def pairings(self, children, volunteers) -> dict[int, list[Volunteer]]:
        """Pair children with mothers of their township (at most 3 children per mother)."""
        load = dict.fromkeys((v.pk for v in volunteers), 0)
        by_township: dict[int, list[Volunteer]] = {}
        for v in volunteers:
            by_township.setdefault(v.region_id, []).append(v)
        pairings, chosen_lists = [], []
        for child in children:
            if self.rng.random() < self.size.unpaired_share:
                continue
            pool = [v for v in by_township.get(child.region.parent_id, ()) if load[v.pk] < 3]
            pool = pool or [v for v in volunteers if load[v.pk] < 3]
            chosen = self.rng.sample(pool, min(self.rng.choice([2, 3]) if self.rng.random() < 1 / 3 else 1, len(pool)))
            if not chosen:
                continue
            for v in chosen:
                load[v.pk] += 1
            pairings.append(
                Pairing(child=child, started_on=self.day_between(self.start, self.start + datetime.timedelta(days=60)))
            )
            chosen_lists.append(chosen)
        insert_objects(pairings)
        insert_objects(
            (
                PairingMember(
                    pairing=pairing,
                    volunteer=volunteer,
                    role="lead" if i == 0 else "assisting",
                    joined_on=pairing.started_on,
                )
                for pairing, chosen in zip(pairings, chosen_lists, strict=True)
                for i, volunteer in enumerate(chosen)
            )
        )
        return {p.child_id: c for p, c in zip(pairings, chosen_lists, strict=True)}

    def visits(self, children, members):
        modes = [m.pk for m in VisitMode.objects.all()]
        findings = ["了解学习生活情况，与监护人沟通", "孩子情绪稳定，学习有进步", "家中经济困难，需持续关注"]
        help_given = ["辅导作业", "赠送学习用品", "心理疏导", "送去冬衣", ""]
        values = [Decimal(v) for v in (0, 0, 100, 200, 300)]
        behind_from = self.today - datetime.timedelta(days=60)
        rng = self.rng
        visits, visitor_ids = [], []
        for child in children:
            interval = INTERVAL[child.card_colour]
            day = self.start + datetime.timedelta(days=rng.randrange(interval))
            mothers = members.get(child.pk, ())
            while day <= self.today:
                # A few children fall behind, so the overdue list has something to show.
                if day > behind_from and rng.random() < 0.06:
                    break
                mode = rng.choice(modes)
                row = (child.pk, day, mode, rng.choice(findings), rng.choice(help_given), rng.choice(values))
                vid = rng.choice(mothers).pk if mothers else None
                key = visit_natural_key(
                    child_id=child.pk, visited_on=day, mode_id=mode, visitor_ids=[vid] if vid else []
                )
                visits.append((*row, key))
                visitor_ids.append(vid)
                day += datetime.timedelta(days=max(1, interval - rng.randrange(0, 6)))
        ids = insert_rows(
            Visit,
            ["child_id", "visited_on", "mode_id", "findings", "help_given", "goods_value", "natural_key"],
            visits,
            with_ids=True,
        )
        insert_rows(
            Visit.visitors.through,
            ["visit_id", "volunteer_id"],
            [(visit_id, vid) for visit_id, vid in zip(ids, visitor_ids, strict=True) if vid is not None],
        )
        # COPY skips the visit service, which keeps each child's stored last visit: set it here.
        schedule_refresh_all()

    def activities(self, county, townships):
        types = list(ActivityType.objects.all())
        courses = Course.objects.bulk_create(
            Course(name=n, region=county, provider=f"{county.name}妇联") for n in COURSES
        )
        stations = Workstation.objects.bulk_create(
            Workstation(
                name=f"{t.name}爱心妈妈工作站",
                region=t,
                address=f"{t.name}家庭教育服务中心",
                opened_on=self.start - datetime.timedelta(days=30),
            )
            for t in townships[:6]
        )
        rows, used = [], set()
        for i in range(self.size.activities):
            township = townships[i % len(townships)]
            kind = self.rng.choice(types)
            kids, mothers = self.rng.randrange(10, 40), self.rng.randrange(4, 20)
            title = f"{kind.name}活动（{township.name}）"
            held_on = self.day_between(self.start, self.today)
            # Title, date and township are the activity's natural key (unique in the database).
            while (title, held_on, township.pk) in used:
                held_on = held_on - datetime.timedelta(days=1) if held_on > self.start else self.today
            used.add((title, held_on, township.pk))
            rows.append(
                Activity(
                    title=title,
                    activity_type=kind,
                    held_on=held_on,
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
        insert_objects(rows)

    def trainings(self, county, volunteers):
        rows = Training.objects.bulk_create(
            Training(
                title=f"“爱心妈妈”{name}",
                topic=name.removesuffix("培训"),
                held_on=self.day_between(self.start, self.today),
                region=county,
                place=f"{county.name}妇女儿童活动中心",
                trainer=f"{county.name}妇联",
            )
            for name in TRAININGS[: self.size.trainings]
        )
        # About half the mothers attend each training (the report: 6 trainings, 1000+ person-times).
        low, high = int(len(volunteers) * 0.45), int(len(volunteers) * 0.6)
        insert_rows(
            Training.attendees.through,
            ["training_id", "volunteer_id"],
            [
                (training.pk, volunteer.pk)
                for training in rows
                for volunteer in self.rng.sample(volunteers, self.rng.randint(low, high))
            ],
        )

    # --- accounts --------------------------------------------------------------------
    def accounts(self) -> list[tuple[str, str, str]]:
        county = Region.objects.get(code=COUNTY_CODE)
        township = Region.objects.get(code=f"{COUNTY_CODE[:6]}{TOWNSHIPS[0][0]}000")
        made = []
        for username, region, role, label in [
            ("lishi_admin", county, "admin", "区妇联管理员"),
            ("binhe_staff", township, "township", f"{township.name}工作人员"),
            ("lishi_viewer", county, "viewer", "领导（只读）"),
        ]:
            user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True, "first_name": label})
            user.set_password(DEMO_PASSWORD)
            user.is_staff = True
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            StaffProfile.objects.update_or_create(user=user, defaults={"region": region})
            made.append((username, DEMO_PASSWORD, f"{label}（{region.name}）"))
        return made

    def run(self, progress=None):
        """Generate every county not yet populated; returns (accounts, counties populated)."""
        done = 0
        # Resuming (or growing a smaller scale): the random draws start again from the seed, so
        # keep clear of the unique ID numbers and phones already in the database.
        self.used_ids.update(Child.objects.values_list("id_number", flat=True))
        self.used_phones.update(Volunteer.objects.values_list("phone", flat=True))
        for county in self.counties():
            if Child.objects.in_region(county).exists():
                continue
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Generated data can be regenerated: don't wait for each commit's WAL flush.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                self.populate(county)
            done += 1
            if progress:
                progress(county, done)
        if done and connection.vendor == "postgresql":
            # Fresh statistics, or the planner guesses a handful of rows and picks nested loops;
            # VACUUM sets the visibility map, so last-contact probes are index-only scans.
            with connection.cursor() as cursor:
                # (VACUUM cannot run inside a transaction, as under a test: ANALYZE alone there.)
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        return self.accounts(), done
