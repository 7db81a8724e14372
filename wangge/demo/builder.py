"""The demo district, built from the newspaper page's place names (DOMAIN.md §5).

郑州航空港区 and its six offices, the villages, communities and grids the page names, and
plausible others invented here so that every office has several villages. People come from
Faker (zh_CN), never from the page. Everything is drawn from one `random.Random(seed)` and
one seeded Faker, in a fixed order, so the same seed and scale give the same data.

Seeding is a system action (actor None): rows are bulk-created for speed, with `path` and
`depth` exactly as `wangge.org.services.create_unit` computes them, and the same rules the
services enforce (parent levels, unique codes, ordered and non-overlapping periods) are
checked in memory before anything is written. One audit row records the seeding itself.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from wangge.accounts.models import Role, User
from wangge.accounts.services import ensure_role
from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import SYSTEM, Scope
from wangge.core.permissions import standard_roles
from wangge.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from wangge.demo.meta import BUILDER_VERSION, DEFAULT_SEED, PAGE_PEOPLE
from wangge.demo.registry_builder import RegistryBuilder, planned_people, registry_counts
from wangge.org.models import ALLOWED_PARENT_LEVELS, Level, OrgUnit
from wangge.roster.models import (
    Assignment,
    AssignmentRole,
    Department,
    DepartmentKind,
    StaffKind,
    StaffMember,
    WorkingGroup,
    WorkingGroupMember,
)
from wangge.roster.selectors import grids_without_leader
from wangge.roster.services import PHONE_RE

# Periods are fixed dates around the page's day (郑港's evaluation, 28 March 2022), never
# "today", so that the same seed gives the same data whenever it is run. Open periods are
# still current today; ended ones are history.
LEADERLESS_SHARE = 0.05

# fmt: off
# Place names the page uses; generated names never repeat them.
PAGE_PLACES = frozenset({
    "郑州航空港区", "郑港办事处", "张庄办事处", "新港办事处", "清河办事处", "IT产业园社区服务中心", "八千办事处", "冢刘村",
    "山石王村", "慈航路社区", "锦绣翠园小区", "张庄村", "富士康厂区", "富士康生活区", "鑫荣公寓",
})

# 一办十一组: the eleven task groups of 郑港办事处, one line of work each.
WORKING_GROUPS: list[tuple[str, str]] = [
    ("核酸检测组", "全员核酸检测：采样点设置、分批错时通知、进度与未检人员追踪"),
    ("排查组", "27类重点人群与中高风险地区返郑人员排查"),
    ("出租屋管理组", "出租屋、沿街门店与流动人口登记，房东承诺书"),
    ("重点场所组", "酒店、饭店、超市、学校、企业等重点场所防控督导"),
    ("聚集性活动管控组", "喜事缓办、丧事简办、宴会不办：报备与审批"),
    ("卡点值守组", "卡点设置、党员和志愿者值守排班、进出登记"),
    ("宣传组", "政策宣传与舆论引导"),
    ("物资保障组", "防疫物资与后勤保障"),
    ("督导考评组", "督导检查、考评打分、观摩评比"),
    ("消杀组", "村、社区、场所的消毒消杀"),
    ("服务保障组", "隔离群众的生活物资、就医与垃圾清运服务"),
]

DEPARTMENTS: list[tuple[str, str, list[str]]] = [
    (DepartmentKind.SUPERVISION, "督查办", ["督查办主任", "督查员"]),
    (DepartmentKind.POLICE_STATION, "派出所", ["派出所所长", "民警", "辅警"]),
    (DepartmentKind.MARKET_REGULATION, "市场监管所", ["市场监管所所长", "执法人员"]),
    (DepartmentKind.EDUCATION_HEALTH, "教文卫体办", ["教文卫体办主任", "工作人员"]),
    (DepartmentKind.URBAN_MANAGEMENT, "城管", ["城管中队长", "城管队员"]),
    (DepartmentKind.DISCIPLINE, "纪工委", ["纪工委副书记", "纪检干事"]),
]

OFFICE_TITLES = ["党工委书记", "办事处主任", "党工委副书记", "办事处副主任", "纪工委书记"]
CENTRE_TITLES = ["党工委书记", "中心主任", "中心副主任", "纪工委书记"]

_VILLAGE_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡高林何郭马罗梁宋郑谢韩唐冯于程曹袁邓许傅沈曾彭吕蒋蔡贾丁魏叶阎余潘杜"
    "戴夏钟汪任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔赖龚文岳"
)
_VILLAGE_SUFFIXES = "庄寨营楼岗店湾桥集屯沟坡洼庙堂铺台河"
_VILLAGE_PREFIXES = "小大前后东西南北上下新老"
_COMMUNITY_WORDS = [
    "前程", "吉祥", "和顺", "兴港", "航程", "锦华", "滨河", "梧桐", "双鹤", "翠湖", "康宁", "福润", "长安", "华夏",
    "临空", "港城", "鸿运", "安泰", "丰收", "晨阳", "裕民", "龙港", "航海", "新月", "文苑", "紫荆", "银河", "金港",
    "蓝湾", "阳光", "润园", "泰和", "馨苑", "雁鸣", "御湖", "园博", "苑陵", "青年", "星港", "鹏程",
]
_COMMUNITY_STREETS = [
    "航海", "雁鸣", "新港", "迎宾", "云港", "护航", "空港", "郑港", "华夏", "商登", "舜英", "鄱阳", "兰河", "梅河",
]
# fmt: on

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五; larger numbers stay Arabic."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


class DemoError(Exception):
    """The demo cannot be built into this database as it stands."""


# Accounts that are not a roster member of the demo (their display names).
ACCOUNT_NAMES = {"caiyang": "冢刘村采样点登记员", "jiance": "航空港区核酸检测基地"}


@dataclass
class DemoResult:
    seed: int
    scale: int
    seconds: float
    counts: dict[str, int]
    logins: list[tuple[str, str, str, str]]  # username, role, jurisdiction, code


@dataclass
class _VillageInfo:
    unit: OrgUnit
    office: OrgUnit
    community: bool
    grids: list[OrgUnit] = field(default_factory=list)
    workstations: list[OrgUnit] = field(default_factory=list)


class DemoBuilder:
    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        scale: int = 1,
        password: str = DEMO_PASSWORD,
        people: int | None = None,
        testing: bool = True,
    ) -> None:
        self.testing = testing
        self.testing_summary: dict[str, int] = {}
        if scale < 1:
            raise DemoError("The scale is at least 1.")
        if people is not None and people < 0:
            raise DemoError("The number of people cannot be negative.")
        self.seed = seed
        self.scale = scale
        self.people = people
        self.registry_seconds = 0.0
        self.password = password
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        # the tree, in creation order
        self.units: dict[str, OrgUnit] = {}
        self.by_depth: dict[int, list[OrgUnit]] = defaultdict(list)
        self.child_count: Counter[str] = Counter()
        self.place_names: set[str] = set(PAGE_PLACES)
        self.offices: list[OrgUnit] = []
        self.areas: dict[str, list[OrgUnit]] = defaultdict(list)  # office code → areas
        self.villages: dict[str, list[_VillageInfo]] = defaultdict(list)  # office code → villages
        self.generic_grids: list[OrgUnit] = []  # may be left without a leader
        self.team_grids: set[str] = set()  # three-person teams (慈航路社区)
        self.cadre_led: set[str] = set()  # led by party cadres (IT产业园)
        self.party_members_per_grid: dict[str, tuple[int, int]] = {}
        self.leaderless: set[str] = set()
        # the people
        self.staff: list[StaffMember] = []
        self.assignments: list[Assignment] = []
        self.departments: dict[tuple[str, str], Department] = {}
        self.groups: list[WorkingGroup] = []
        self.members: list[WorkingGroupMember] = []
        self.phones: set[str] = set()
        self.login_staff: dict[str, StaffMember] = {}

    # ------------------------------------------------------------------ tree
    def _unit(self, parent: OrgUnit | None, level: int, suffix: str, name: str, note: str = "") -> OrgUnit:
        code = suffix if parent is None else f"{parent.code}-{suffix}"
        if code in self.units:
            raise DemoError(f"duplicate unit code {code}")
        if len(code) > OrgUnit._meta.get_field("code").max_length:
            raise DemoError(f"unit code too long: {code}")
        allowed = ALLOWED_PARENT_LEVELS[Level(level)]
        if (parent is None and allowed) or (parent is not None and parent.level not in allowed):
            raise DemoError(f"{Level(level).label} cannot sit under {parent and Level(parent.level).label}")
        parent_code = parent.code if parent else ""
        self.child_count[parent_code] += 1
        unit = OrgUnit(
            parent=parent,
            code=code,
            name=name,
            level=level,
            note=note,
            sort_order=self.child_count[parent_code] * 10,
            path="",
            depth=(parent.depth + 1) if parent else 0,
        )
        self.units[code] = unit
        self.by_depth[unit.depth].append(unit)
        return unit

    def _grid(self, parent: OrgUnit, suffix: str, name: str, info: _VillageInfo, *, generic: bool) -> OrgUnit:
        households = self.rng.randrange(150, 501, 10)
        grid = self._unit(parent, Level.GRID, suffix, name, note=f"约{households}户")
        info.grids.append(grid)
        if generic:
            self.generic_grids.append(grid)
        return grid

    def _village(
        self,
        parent: OrgUnit,
        office: OrgUnit,
        suffix: str,
        name: str,
        *,
        community: bool,
        workstations: list[int] | None = None,
        grids: int = 0,
        grid_names: list[str] | None = None,
        note: str = "",
        generic: bool = True,
    ) -> _VillageInfo:
        unit = self._unit(parent, Level.VILLAGE, suffix, name, note)
        info = _VillageInfo(unit=unit, office=office, community=community)
        self.villages[office.code].append(info)
        n = 0
        if workstations:
            for w, count in enumerate(workstations, 1):
                ws = self._unit(unit, Level.WORKSTATION, f"W{w}", f"第{cn_number(w)}工作站")
                info.workstations.append(ws)
                for _ in range(count):
                    n += 1
                    self._grid(ws, f"{n:02d}", f"第{cn_number(n)}网格", info, generic=generic)
        else:
            for i in range(grids):
                n += 1
                label = grid_names[i] if grid_names else f"第{cn_number(n)}网格"
                self._grid(unit, f"{n:02d}", label, info, generic=generic)
        return info

    def _place_name(self, community: bool) -> str:
        rng = self.rng
        for _ in range(200):
            if community:
                if rng.random() < 0.75:
                    name = f"{rng.choice(_COMMUNITY_WORDS)}社区"
                else:
                    name = f"{rng.choice(_COMMUNITY_STREETS)}路社区"
            else:
                surname = rng.choice(_VILLAGE_SURNAMES)
                pattern = rng.random()
                if pattern < 0.25:
                    name = f"{rng.choice(_VILLAGE_PREFIXES)}{surname}村"
                elif pattern < 0.7:
                    name = f"{surname}{rng.choice(_VILLAGE_SUFFIXES)}村"
                else:
                    name = f"{rng.choice(_VILLAGE_PREFIXES)}{surname}{rng.choice(_VILLAGE_SUFFIXES)}村"
            if name not in self.place_names:
                self.place_names.add(name)
                return name
        base = name[:-2] if community else name[:-1]
        tail = "社区" if community else "村"
        n = 2
        while f"{base}{cn_number(n)}{tail}" in self.place_names:
            n += 1
        name = f"{base}{cn_number(n)}{tail}"
        self.place_names.add(name)
        return name

    def _generic_villages(self, office: OrgUnit, count: int, areas: list[OrgUnit] | None = None) -> None:
        rng = self.rng
        for i in range(count):
            parent = areas[i % len(areas)] if areas else office
            community = rng.random() < 0.35
            name = self._place_name(community)
            n = rng.randint(3, 8)
            if n >= 4 and rng.random() < 0.4:
                k = rng.randint(2, min(3, n // 2))
                sizes = [n // k + (1 if j < n % k else 0) for j in range(k)]
                self._village(parent, office, f"V{i + 1:02d}", name, community=community, workstations=sizes)
            else:
                self._village(parent, office, f"V{i + 1:02d}", name, community=community, grids=n)

    def _office(self, district: OrgUnit, suffix: str, name: str, note: str = "") -> OrgUnit:
        office = self._unit(district, Level.OFFICE, suffix, name, note)
        self.offices.append(office)
        return office

    def _areas(self, office: OrgUnit, count: int) -> list[OrgUnit]:
        areas = [
            self._unit(office, Level.MANAGEMENT_AREA, f"A{i}", f"第{cn_number(i)}管区")
            for i in range(1, count + 1)
        ]
        self.areas[office.code] = areas
        return areas

    def plan_tree(self) -> None:
        s = self.scale
        district = self._unit(None, Level.DISTRICT, "GK", "郑州航空港区", note="郑州航空港经济综合实验区")

        zg = self._office(district, "ZG", "郑港办事处", note="一办十一组")
        self._village(zg, zg, "ZL", "冢刘村", community=False, workstations=[3, 3], generic=False)
        self._village(zg, zg, "SSW", "山石王村", community=False, grids=5, generic=False)
        chl = self._village(
            zg, zg, "CHL", "慈航路社区", community=True, grids=5, generic=False,
            grid_names=["锦绣翠园小区", "港汇家园", "航苑新居", "慈航路沿街商铺", "怡和苑"],
            note="三人小组 + 5个三级网格，网格化分包责任制",
        )  # fmt: skip
        self.team_grids.update(g.code for g in chl.grids)
        self._generic_villages(zg, 3 * s)

        zz = self._office(district, "ZZ", "张庄办事处")
        zzc = self._village(
            zz, zz, "ZZ", "张庄村", community=False, workstations=[4, 4, 3, 3], generic=False,
            note="出租房和沿街门店2300余处，流动人口众多",
        )  # fmt: skip
        for grid in zzc.grids:  # 张庄村: 300余名党员和联户代表
            self.party_members_per_grid[grid.code] = (20, 24)
        self._generic_villages(zz, 4 * s)

        xg = self._office(district, "XG", "新港办事处", note="办事处领导+部门督导+村级监管+网格覆盖")
        self._generic_villages(xg, 6 * s, self._areas(xg, 3 * s))

        qh = self._office(district, "QH", "清河办事处")
        self._generic_villages(qh, 5 * s)

        it = self._office(district, "IT", "IT产业园社区服务中心", note="10个工作站（二级网格），33个三级网格")
        letters = "ABCDEFGHJKLMNP"
        layout = [
            ("FSK", "富士康厂区", [4, 4, 3, 3], lambda n: f"{letters[n - 1]}区厂房网格"),
            ("SHQ", "富士康生活区", [3, 3, 3], lambda n: f"{n}号宿舍楼网格"),
            ("XR", "鑫荣公寓", [4, 3, 3], lambda n: f"鑫荣公寓{n}号楼网格"),
        ]
        ws_no = 0
        for suffix, name, sizes, grid_name in layout:
            village = self._unit(it, Level.VILLAGE, suffix, name)
            info = _VillageInfo(unit=village, office=it, community=True)
            self.villages[it.code].append(info)
            n = 0
            for size in sizes:
                ws_no += 1
                ws = self._unit(village, Level.WORKSTATION, f"W{ws_no:02d}", f"第{cn_number(ws_no)}工作站")
                info.workstations.append(ws)
                for _ in range(size):
                    n += 1
                    grid = self._grid(ws, f"{n:02d}", grid_name(n), info, generic=False)
                    self.cadre_led.add(grid.code)

        bq = self._office(district, "BQ", "八千办事处", note="党员联户")
        self._generic_villages(bq, 6 * s, self._areas(bq, 2 * s))

        # A few grids are left without a current leader, so the gaps report has content.
        n = max(1, round(LEADERLESS_SHARE * sum(1 for u in self.units.values() if u.level == Level.GRID)))
        self.leaderless = {
            g.code for g in self.rng.sample(self.generic_grids, min(n, len(self.generic_grids)))
        }

    def save_tree(self) -> None:
        """Level by level: insert, then set path and depth as create_unit does."""
        for depth in sorted(self.by_depth):
            units = self.by_depth[depth]
            OrgUnit.objects.bulk_create(units, batch_size=500)
            for unit in units:
                if unit.pk is None:  # pragma: no cover - every supported backend returns keys
                    raise DemoError("the database did not return the new units' keys")
                unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
                unit.depth = (unit.parent.depth + 1) if unit.parent else 0
            OrgUnit.objects.bulk_update(units, ["path", "depth"], batch_size=500)

    # ---------------------------------------------------------------- people
    def _day(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    def _name(self, gender: str) -> str:
        while True:
            first = self.fake.first_name_male() if gender == "M" else self.fake.first_name_female()
            name = self.fake.last_name() + first
            if name not in PAGE_PEOPLE:
                return name

    def _phone(self) -> str:
        while True:
            phone = self.fake.phone_number()
            if phone not in self.phones and PHONE_RE.match(phone) and len(phone) == 11:
                self.phones.add(phone)
                return phone

    def _person(
        self,
        home: OrgUnit,
        kind: str,
        title: str = "",
        *,
        party: bool | None = None,
        male: float = 0.55,
        department: Department | None = None,
    ) -> StaffMember:
        gender = "M" if self.rng.random() < male else "F"
        staff = StaffMember(
            name=self._name(gender),
            gender=gender,
            phone=self._phone(),
            kind=kind,
            title=title,
            is_party_member=self.rng.random() < 0.5 if party is None else party,
            unit=home,
            department=department,
            path=home.path,
        )
        self.staff.append(staff)
        return staff

    def _assign(
        self,
        staff: StaffMember,
        unit: OrgUnit,
        role: str,
        start: date,
        end: date | None = None,
        note: str = "",
    ) -> Assignment:
        assignment = Assignment(
            staff=staff, unit=unit, role=role, start_date=start, end_date=end, note=note, path=unit.path
        )
        self.assignments.append(assignment)
        return assignment

    def _leader_with_history(
        self, unit: OrgUnit, role: str, staff: StaffMember, start: date, home: OrgUnit, title: str, p: float
    ) -> None:
        """The current holder, and sometimes the one before them (换届, 调离)."""
        if self.rng.random() < p:
            before = self._person(home, staff.kind, title, party=staff.is_party_member)
            before.is_active = self.rng.random() < 0.6
            begun = self._day(start - timedelta(days=900), start - timedelta(days=200))
            self._assign(
                before,
                unit,
                role,
                begun,
                start - timedelta(days=1),
                note="换届" if before.is_active else "调离",
            )
        self._assign(staff, unit, role, start)

    def plan_people(self) -> None:
        district = self.units["GK"]
        head = self._person(district, StaffKind.OTHER, "区疫情防控指挥部办公室主任", party=True)
        self.login_staff["admin"] = head
        for _ in range(2):
            self._person(district, StaffKind.OTHER, "指挥部办公室值班员")

        for office in self.offices:
            self._plan_office(office)

    def _plan_office(self, office: OrgUnit) -> None:
        rng = self.rng
        centre = office.code == "GK-IT"
        titles = CENTRE_TITLES if centre else OFFICE_TITLES
        for i, title in enumerate(titles):
            leader = self._person(office, StaffKind.OFFICE_LEADER, title, party=True, male=0.7)
            start = self._day(date(2020, 6, 1), date(2021, 12, 31))
            self._leader_with_history(office, AssignmentRole.OFFICE_LEADER, leader, start, office, title, 0.2)
            if i == 1 and office.code == "GK-ZG":
                self.login_staff["zhenggang"] = leader
            elif i == 1 and centre:
                self.login_staff["itpark"] = leader
            elif i == 1 and office.code == "GK-XG":
                self.login_staff["xingang"] = leader

        for kind, name, dept_titles in DEPARTMENTS:
            dept = Department(unit=office, kind=kind, name=name, path=office.path)
            self.departments[(office.code, name)] = dept
            for j in range(rng.randint(2, 4)):
                title = dept_titles[0] if j == 0 else rng.choice(dept_titles[1:])
                male = 0.8 if kind == DepartmentKind.POLICE_STATION else 0.55
                person = self._person(office, StaffKind.DEPARTMENT, title, male=male, department=dept)
                if office.code == "GK-QH" and kind == DepartmentKind.SUPERVISION and j == 1:
                    self.login_staff["ducha"] = person

        groups = (
            WORKING_GROUPS
            if office.code == "GK-ZG"
            else sorted(rng.sample(WORKING_GROUPS, rng.randint(5, 8)), key=WORKING_GROUPS.index)
        )
        for name, line in groups:
            group = WorkingGroup(office=office, name=name, line_of_work=line, path=office.path)
            self.groups.append(group)
            lead = self._person(office, StaffKind.WORKING_GROUP, f"{name}组长", party=True)
            self.members.append(WorkingGroupMember(group=group, staff=lead, is_lead=True))
            if office.code == "GK-ZG" and name == "核酸检测组":
                self.login_staff["zhuanban"] = lead
            for _ in range(rng.randint(2, 4)):
                member = self._person(office, StaffKind.WORKING_GROUP, "组员")
                self.members.append(WorkingGroupMember(group=group, staff=member))

        for area in self.areas.get(office.code, []):
            leader = self._person(office, StaffKind.OFFICE_LEADER, "管区书记", party=True, male=0.7)
            self._assign(
                leader, area, AssignmentRole.AREA_LEADER, self._day(date(2021, 1, 4), date(2021, 12, 31))
            )

        for info in self.villages[office.code]:
            self._plan_village(info)

        self._sent_down_cadres(office)

    def _plan_village(self, info: _VillageInfo) -> None:
        rng = self.rng
        village = info.unit
        office = info.office
        secretary_title = "社区党委书记" if info.community else "村党支部书记"
        secretary = self._person(village, StaffKind.VILLAGE_CADRE, secretary_title, party=True, male=0.7)
        start = self._day(date(2021, 1, 4), date(2021, 6, 30))  # 2021 换届
        self._leader_with_history(
            village, AssignmentRole.VILLAGE_SECRETARY, secretary, start, village, secretary_title, 0.3
        )
        if village.code == "GK-ZG-ZL":
            self.login_staff["cunganbu"] = secretary
        cadre_titles = (
            ["社区居委会主任", "社区副书记", "社区专干"]
            if info.community
            else ["村委会主任", "村委委员", "村文书"]
        )
        for title in cadre_titles[: rng.randint(1, 3)]:
            self._person(village, StaffKind.VILLAGE_CADRE, title)
        workers = []
        if info.community:
            workers = [
                self._person(village, StaffKind.COMMUNITY_WORKER, "社区工作者", male=0.4)
                for _ in range(rng.randint(2, 4) + len(info.grids) // 4)
            ]

        centre = office.code == "GK-IT"
        for ws in info.workstations:
            title = "党支部书记（二级网格长）" if centre else "工作站站长"
            leader = self._person(village, StaffKind.GRID_STAFF, title, party=True if centre else None)
            self._assign(
                leader, ws, AssignmentRole.WORKSTATION_LEADER, self._day(date(2021, 6, 1), date(2022, 3, 20))
            )

        for grid in info.grids:
            self._plan_grid(grid, info, workers)

        volunteers = rng.randint(2, 5) + len(info.grids) // 2
        for v in range(volunteers):
            volunteer = self._person(
                village, StaffKind.VOLUNTEER, "青年志愿者" if rng.random() < 0.5 else "志愿者", male=0.5
            )
            grid = info.grids[0] if v == 0 else rng.choice(info.grids)
            start = self._day(date(2022, 1, 4), date(2022, 3, 26))
            end = None if rng.random() < 0.85 or v == 0 else self._day(start, date(2022, 3, 27))
            self._assign(
                volunteer, grid, AssignmentRole.VOLUNTEER, start, end, note="卡点值守" if v % 3 == 0 else ""
            )
            if village.code == "GK-ZZ-ZZ" and v == 0:
                self.login_staff["zhiyuanzhe"] = volunteer

    def _plan_grid(self, grid: OrgUnit, info: _VillageInfo, community_workers: list[StaffMember]) -> None:
        rng = self.rng
        village = info.unit
        if grid.code in self.leaderless:
            if rng.random() < 0.6:  # someone held it and left; nobody took over
                gone = self._person(village, StaffKind.GRID_STAFF, "网格长")
                gone.is_active = rng.random() < 0.5
                end = self._day(date(2022, 2, 1), date(2022, 3, 25))
                self._assign(gone, grid, AssignmentRole.GRID_LEADER, self._day(date(2021, 1, 4), date(2021, 12, 31)), end,
                             note="调离，待补")  # fmt: skip
        else:
            cadre = grid.code in self.cadre_led
            title = "网格长（党员干部）" if cadre else "网格长"
            leader = self._person(
                village, StaffKind.GRID_STAFF, title, party=True if cadre else rng.random() < 0.7
            )
            start = self._day(date(2021, 3, 1), date(2022, 3, 1))
            self._leader_with_history(grid, AssignmentRole.GRID_LEADER, leader, start, village, title, 0.12)
            if grid.code == "GK-ZG-CHL-01":
                self.login_staff["wanggezhang"] = leader

        chosen: set[int] = set()
        for i in range(rng.randint(1, 2)):
            spare = [w for w in community_workers if id(w) not in chosen]
            if spare and rng.random() < 0.5:
                worker = rng.choice(spare)
                chosen.add(id(worker))
            else:
                worker = self._person(village, StaffKind.GRID_STAFF, "网格员", male=0.45)
            self._assign(
                worker, grid, AssignmentRole.GRID_WORKER, self._day(date(2021, 3, 1), date(2022, 3, 20))
            )
            if grid.code == "GK-ZG-ZL-W1-01" and i == 0:
                self.login_staff["wanggeyuan"] = worker

        if grid.code in self.team_grids:  # 三人小组: 社区工作者 + 民警 + 医务人员
            police_station = self.departments[(info.office.code, "派出所")]
            team_start = self._day(date(2022, 2, 20), date(2022, 3, 5))
            members = [
                (self._person(village, StaffKind.COMMUNITY_WORKER, "社区工作者", male=0.4), AssignmentRole.TEAM_COMMUNITY_WORKER),
                (self._person(info.office, StaffKind.POLICE, "社区民警", male=0.8, department=police_station),
                 AssignmentRole.TEAM_POLICE),
                (self._person(village, StaffKind.MEDIC, "社区卫生服务站医生", male=0.35), AssignmentRole.TEAM_MEDIC),
            ]  # fmt: skip
            for person, role in members:
                self._assign(person, grid, role, team_start, note="三人小组")

        lo, hi = self.party_members_per_grid.get(grid.code, (2, 5))
        for _ in range(rng.randint(lo, hi)):
            member = self._person(village, StaffKind.PARTY_MEMBER, "党员", party=True)
            self._assign(member, grid, AssignmentRole.PARTY_MEMBER, self._day(date(2021, 7, 1), date(2022, 3, 1)),
                         note=f"联户{rng.randint(8, 12)}户")  # fmt: skip

    def _sent_down_cadres(self, office: OrgUnit) -> None:
        """下沉干部: the office's own cadres, sent to its grids in waves."""
        rng = self.rng
        grids = [g for info in self.villages[office.code] for g in info.grids]
        if not grids:
            return
        count = 132 * self.scale if office.code == "GK-ZZ" else max(4, len(grids) // 2)
        order = grids[:]
        rng.shuffle(order)
        wave_start = self._day(date(2022, 3, 14), date(2022, 3, 18))
        for i in range(count):
            cadre = self._person(office, StaffKind.SENT_DOWN_CADRE, "机关干部", party=rng.random() < 0.8)
            grid = order[i % len(order)]
            if rng.random() < 0.3:  # the January wave, over by the Spring Festival's end
                self._assign(cadre, rng.choice(grids), AssignmentRole.SENT_DOWN_CADRE, date(2022, 1, 4), date(2022, 2, 20),
                             note="第一批下沉")  # fmt: skip
            self._assign(cadre, grid, AssignmentRole.SENT_DOWN_CADRE, wave_start, note="扫楼")

    # ---------------------------------------------------------------- checks
    def check(self) -> None:
        """The rules the roster services enforce, checked before anything is written."""
        periods: dict[tuple[int, str, str], list[tuple[date, date | None]]] = defaultdict(list)
        for a in self.assignments:
            if a.end_date is not None and a.end_date < a.start_date:
                raise DemoError(f"period out of order for {a.unit.code}")
            if a.role == AssignmentRole.GRID_LEADER and a.unit.level not in (Level.GRID, Level.WORKSTATION):
                raise DemoError(f"grid leader on {a.unit.code}")
            periods[(id(a.staff), a.unit.code, a.role)].append((a.start_date, a.end_date))
        for key, spans in periods.items():
            spans.sort()
            for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
                if e1 is None or e1 >= s2:
                    raise DemoError(f"overlapping periods for {key[1]} {key[2]}")
        for s in self.staff:
            if not PHONE_RE.match(s.phone) or s.name in PAGE_PEOPLE:
                raise DemoError(f"bad staff entry {s.name}")
        missing = (
            {login.username for login in DEMO_LOGINS if login.unit_code}
            - set(self.login_staff)
            - set(ACCOUNT_NAMES)
        )
        if missing:
            raise DemoError(f"no roster entry for demo logins {sorted(missing)}")
        for login in DEMO_LOGINS:
            if login.unit_code and login.unit_code not in self.units:
                raise DemoError(f"demo login {login.username}: no unit {login.unit_code}")

    # ------------------------------------------------------------------ save
    def save_people(self) -> None:
        Department.objects.bulk_create(self.departments.values())
        for s in self.staff:  # home paths are known only now that the tree is saved
            s.path = s.unit.path
        StaffMember.objects.bulk_create(self.staff, batch_size=1000)
        for a in self.assignments:
            a.path = a.unit.path
        Assignment.objects.bulk_create(self.assignments, batch_size=1000)
        for g in self.groups:
            g.path = g.office.path
        WorkingGroup.objects.bulk_create(self.groups)
        WorkingGroupMember.objects.bulk_create(self.members, batch_size=1000)

    def save_accounts(self) -> None:
        roles = {
            code: ensure_role(code=code, name=name, permissions=perms)
            for code, name, perms in standard_roles()
        }
        taken = set(
            User.objects.filter(username__in=[x.username for x in DEMO_LOGINS]).values_list(
                "username", flat=True
            )
        )
        if taken:
            raise DemoError(f"these demo usernames are already taken: {', '.join(sorted(taken))}")
        probe = User(username="demo-password-check")
        validate_password(self.password, probe)
        hashed = make_password(self.password)  # once: the demo accounts share one known password
        for login in DEMO_LOGINS:
            staff = self.login_staff.get(login.username)
            user = User(
                username=login.username,
                display_name=staff.name if staff else ACCOUNT_NAMES.get(login.username, "无辖区账号"),
                jurisdiction=self.units[login.unit_code] if login.unit_code else None,
                staff=staff,
                password=hashed,
                is_active=True,
            )
            user.save()
            # A venue account's role is not a standard one: the venues part's migration made it.
            role = roles.get(login.role) or Role.objects.filter(code=login.role).first()
            user.roles.set([role] if role else [])

    def save_registry(self) -> None:
        """Buildings, households, people, rentals, visits, party links (registry_builder.py)."""
        registry = RegistryBuilder(self, self.people)
        registry.build()
        self.registry_seconds = registry.seconds
        self.registry_timings = registry.timings

    def save_testing(self) -> None:
        """Two testing rounds (testing_builder.py), unless the registry is benchmark-sized."""
        from wangge.demo.testing_builder import MAX_PEOPLE_FOR_ROUNDS, build_testing_demo

        if not self.testing or planned_people(self.scale, self.people) > MAX_PEOPLE_FOR_ROUNDS:
            return
        self.testing_summary = build_testing_demo(seed=self.seed).summary
        self.save_screening()

    def save_screening(self) -> None:
        """Risk areas, screening records and control measures (screening_builder.py)."""
        from wangge.demo.screening_builder import build_screening_demo

        self.testing_summary.update(build_screening_demo(seed=self.seed).summary)
        self.save_venues()

    def save_venues(self) -> None:
        """清河办事处's key venues and what they keep (venues_builder.py)."""
        from wangge.demo.venues_builder import build_venues_demo

        self.testing_summary.update(build_venues_demo(seed=self.seed).summary)
        self.save_inspections()

    def save_inspections(self) -> None:
        """The page's own inspection campaign in 清河办事处 (inspections_builder.py)."""
        from wangge.demo.inspections_builder import build_inspections_demo

        self.testing_summary.update(build_inspections_demo(seed=self.seed).summary)
        self.save_gatherings()

    def save_gatherings(self) -> None:
        """新港's gatherings: reported, refused by rule, filed, approved (gatherings_builder.py)."""
        from wangge.demo.gatherings_builder import build_gatherings_demo

        self.testing_summary.update(build_gatherings_demo(seed=self.seed).summary)
        self.save_duty()

    def save_duty(self) -> None:
        """Checkpoints, the duty roster, a day of entries and volunteers (duty_builder.py)."""
        from wangge.demo.duty_builder import build_duty_demo

        self.testing_summary.update(
            {f"duty_{k}": v for k, v in build_duty_demo(seed=self.seed).summary.items()}
        )

    def build(self) -> DemoResult:
        started = time.perf_counter()
        with transaction.atomic():
            if OrgUnit.objects.exists():
                raise DemoError("The database already has org units.")
            self.plan_tree()
            self.save_tree()
            self.plan_people()
            self.check()
            self.save_people()
            self.save_accounts()
            self.save_registry()
            self.save_testing()
            counts = {**demo_counts(), **self.testing_summary}
            district = self.units["GK"]
            audit.record(
                actor=SYSTEM,
                action=Action.CREATE,
                obj=district,
                after={
                    "demo_seed": self.seed,
                    "scale": self.scale,
                    "people_planned": planned_people(self.scale, self.people),
                    "builder_version": BUILDER_VERSION,
                    **counts,
                },
            )
        logins = [
            (
                x.username,
                x.role or "—",
                self.units[x.unit_code].name if x.unit_code else "—",
                x.unit_code or "—",
            )
            for x in DEMO_LOGINS
        ]
        return DemoResult(self.seed, self.scale, time.perf_counter() - started, counts, logins)


def build_demo(
    *,
    seed: int = DEFAULT_SEED,
    scale: int = 1,
    password: str = DEMO_PASSWORD,
    people: int | None = None,
    testing: bool = True,
) -> DemoResult:
    """The demo district; `people` overrides the registry's size (default: planned_people(scale));
    `testing=False` leaves out the testing rounds."""
    return DemoBuilder(seed=seed, scale=scale, password=password, people=people, testing=testing).build()


def demo_counts() -> dict[str, int]:
    today = timezone.localdate()
    by_level = Counter(OrgUnit.objects.values_list("level", flat=True))
    district = OrgUnit.objects.filter(level=Level.DISTRICT).order_by("path").first()
    leaderless = grids_without_leader(Scope(actor=None, root=district)).count() if district else 0
    current = Assignment.objects.current(today).count()
    return {
        "districts": by_level[Level.DISTRICT],
        "offices": by_level[Level.OFFICE],
        "management_areas": by_level[Level.MANAGEMENT_AREA],
        "villages": by_level[Level.VILLAGE],
        "workstations": by_level[Level.WORKSTATION],
        "grids": by_level[Level.GRID],
        "leaderless_grids": leaderless,
        "staff": StaffMember.objects.count(),
        "staff_active": StaffMember.objects.filter(is_active=True).count(),
        "assignments_current": current,
        "assignments_past": Assignment.objects.count() - current,
        "departments": Department.objects.count(),
        "working_groups": WorkingGroup.objects.count(),
        "working_group_members": WorkingGroupMember.objects.count(),
        "accounts": User.objects.count(),
        **registry_counts(),
    }


def demo_digest() -> str:
    """A digest of the demo's content that ignores database ids and timestamps."""
    code_of = dict(OrgUnit.objects.values_list("id", "code"))
    h = hashlib.sha256()
    units = sorted(
        (code, name, level, code_of.get(parent_id, ""), note, sort_order)
        for code, name, level, parent_id, note, sort_order in OrgUnit.objects.values_list(
            "code", "name", "level", "parent_id", "note", "sort_order"
        )
    )
    dept_name = dict(Department.objects.values_list("id", "name"))
    staff_rows = list(
        StaffMember.objects.values_list(
            "id",
            "name",
            "gender",
            "phone",
            "kind",
            "title",
            "is_party_member",
            "unit_id",
            "department_id",
            "is_active",
        )
    )
    staff_key = {r[0]: (r[1], r[3]) for r in staff_rows}
    staff = sorted((*r[1:7], code_of[r[7]], dept_name.get(r[8], ""), r[9]) for r in staff_rows)
    assignments = sorted(
        (staff_key[sid], code_of[uid], role, str(start), str(end), note)
        for sid, uid, role, start, end, note in Assignment.objects.values_list(
            "staff_id", "unit_id", "role", "start_date", "end_date", "note"
        )
    )
    groups = sorted(
        (code_of[o], name, staff_key[s], lead)
        for o, name, s, lead in WorkingGroupMember.objects.values_list(
            "group__office_id", "group__name", "staff_id", "is_lead"
        )
    )
    users = sorted(
        (u, code_of.get(j, ""), staff_key.get(s, ("", "")), tuple(sorted(r for r in roles if r)))
        for u, j, s, roles in (
            (u.username, u.jurisdiction_id, u.staff_id, [r.code for r in u.roles.all()])
            for u in User.objects.prefetch_related("roles")
        )
    )
    for part in (units, staff, assignments, groups, users):
        h.update(repr(part).encode())
    return h.hexdigest()
