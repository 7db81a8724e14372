"""清河办事处's key venues for the demo (issue 15): the page's 29 March outing — 2 hotels, 3
restaurants, 2 supermarkets (one of them a street-facing shop of the registry), a middle and a
primary school — in 清河's grids, plus a few venues in other offices. Staff are registry people of
the venue's grid; the disinfection log covers the last 14 days, with days missing at two venues
(the page's "消杀记录不详"); the schools keep a visitor register; the hotel has its own account
(the demo login `qinghe-hotel`). Deterministic for a seed."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from stdnum.cn import uscc

from wangge.accounts.models import User
from wangge.core.access import SYSTEM
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import Person, Rental, RentalKind
from wangge.venues.models import DisinfectionEntry, Venue, VenueAccount, VenueKind, VenueStaff, VisitorEntry
from wangge.venues.places import services as places

QINGHE = "GK-QH"
VENUE_LOGIN = "qinghe-hotel"
# (kind, name, risk, days missing from the 14-day disinfection log)
QINGHE_VENUES = [
    ("hotel", "清河宾馆", "medium", 0),
    ("hotel", "航港快捷酒店", "medium", 0),
    ("restaurant", "老家饭店", "low", 4),
    ("restaurant", "清河羊肉汤馆", "low", 0),
    ("restaurant", "兰州拉面馆", "low", 0),
    ("supermarket", "", "medium", 3),  # a street-facing shop of the registry, when 清河 has one
    ("supermarket", "清河惠民超市", "medium", 0),
    ("middle_school", "清河中学", "high", 0),
    ("primary_school", "清河小学", "high", 0),
]
OTHER_VENUES = [
    ("GK-ZZ", "market", "张庄农贸市场", "high"),
    ("GK-ZG", "kindergarten", "慈航路幼儿园", "high"),
    ("GK-XG", "enterprise", "新港电子厂", "medium"),
    ("GK-IT", "internet_cafe", "星空网吧", "low"),
]
AREAS = ["大堂", "客房走廊", "后厨", "卫生间", "收银台", "电梯", "教室", "食堂", "楼道"]
AGENTS = ["84消毒液", "75%酒精", "含氯消毒片", "过氧乙酸"]
PURPOSES = ["送教材", "家长接送", "维修", "食材配送", "上级检查"]


def enterprise_code(rng: random.Random) -> str:
    """A valid 统一社会信用代码 for a Zhengzhou business."""
    while True:
        body = "91410100" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        code = body + uscc.calc_check_digit(body)
        if uscc.is_valid(code):
            return code


# What staff do, by kind of venue (a hotel has no teachers).
JOBS = {
    "hotel": ["前台", "客房服务员", "保洁", "保安"],
    "restaurant": ["厨师", "服务员", "收银员", "帮厨"],
    "supermarket": ["收银员", "理货员", "保安", "保洁"],
    "market": ["摊主", "管理员", "保洁"],
    "middle_school": ["教师", "班主任", "保安", "食堂员工"],
    "primary_school": ["教师", "班主任", "保安", "食堂员工"],
    "kindergarten": ["教师", "保育员", "保安"],
}
DEFAULT_JOBS = ["职员", "保安", "保洁"]


@dataclass
class VenuesDemo:
    seed: int
    summary: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def build(self) -> None:
        started = time.perf_counter()
        rng = random.Random(self.seed * 15 + 29)
        kinds = {k.code: k for k in VenueKind.objects.select_related("staff_category")}
        qinghe = OrgUnit.objects.filter(code=QINGHE).first()
        if qinghe is None or not kinds:
            return
        grids = list(OrgUnit.objects.filter(level=Level.GRID, path__startswith=qinghe.path).order_by("path"))
        if not grids:
            return
        venues: list[tuple[Venue, int]] = []
        for i, (kind, name, risk, missing) in enumerate(QINGHE_VENUES):
            grid = grids[(i * 7) % len(grids)]
            shop = None
            if not name:
                shop = (
                    Rental.objects.filter(
                        kind=RentalKind.SHOP, path__startswith=qinghe.path, venue__isnull=True
                    )
                    .order_by("path", "id")
                    .first()
                )
                name = "" if shop is not None else "丹尼斯便民超市"
            venue = places.create_venue(
                actor=SYSTEM,
                kind=kinds[kind],
                grid=None if shop is not None else grid,
                shop=shop,
                name=name,
                address=f"清河路{10 + i * 6}号" if shop is None else "",
                responsible_name=self._name(rng),
                responsible_phone=f"139{rng.randrange(10**7, 10**8)}",
                enterprise_code=enterprise_code(rng),
                staff_count=rng.randrange(6, 40),
                risk_level=risk,
            )
            venues.append((venue, missing))
        for office_code, kind, name, risk in OTHER_VENUES:
            grid = (
                OrgUnit.objects.filter(level=Level.GRID, path__startswith=self._path(office_code))
                .order_by("path")
                .first()
            )
            if grid is not None:
                places.create_venue(
                    actor=SYSTEM, kind=kinds[kind], grid=grid, name=name, risk_level=risk,
                    responsible_name=self._name(rng), responsible_phone=f"137{rng.randrange(10**7, 10**8)}",
                )  # fmt: skip
        self._staff(rng, [v for v, _m in venues])
        self._disinfection(rng, venues)
        self._visitors(rng, [v for v, _m in venues if v.kind.keeps_visitor_register])
        self._account(venues[0][0])
        self.seconds = time.perf_counter() - started
        self.summary = {
            "venues": Venue.objects.count(),
            "venue_staff": VenueStaff.objects.count(),
            "disinfection_lines": DisinfectionEntry.objects.count(),
            "visitor_lines": VisitorEntry.objects.count(),
        }

    @staticmethod
    def _path(code: str) -> str:
        unit = OrgUnit.objects.filter(code=code).first()
        return unit.path if unit else "\x00"

    @staticmethod
    def _name(rng: random.Random) -> str:
        return rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(
            ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰"]
        )

    def _staff(self, rng: random.Random, venues: list[Venue]) -> None:
        lines = []
        today = timezone.localdate()
        for venue in venues:
            people = list(
                Person.objects.filter(path=venue.path, is_active=True, birth_date__isnull=False)
                .order_by("id")
                .values_list("id", flat=True)[:60]
            )
            for person_id in rng.sample(people, min(len(people), rng.randrange(3, 7))):
                lines.append(
                    VenueStaff(
                        venue=venue,
                        person_id=person_id,
                        job=rng.choice(JOBS.get(venue.kind.code, DEFAULT_JOBS)),
                        category=venue.kind.staff_category,
                        since=today - timedelta(days=rng.randrange(30, 900)),
                    )
                )
        VenueStaff.objects.bulk_create(lines)

    def _disinfection(self, rng: random.Random, venues: list[tuple[Venue, int]]) -> None:
        today = timezone.localdate()
        lines = []
        for venue, missing in venues:
            skipped = set(rng.sample(range(1, 14), missing)) if missing else set()
            for back in range(14):
                if back in skipped:
                    continue
                for _ in range(rng.randrange(1, 3)):
                    lines.append(
                        DisinfectionEntry(
                            venue=venue,
                            done_on=today - timedelta(days=back),
                            done_at=datetime.min.time().replace(
                                hour=rng.randrange(7, 20), minute=rng.choice([0, 15, 30, 45])
                            ),
                            area=rng.choice(AREAS),
                            agent=rng.choice(AGENTS),
                            done_by=self._name(rng),
                        )
                    )
        DisinfectionEntry.objects.bulk_create(lines)

    def _visitors(self, rng: random.Random, schools: list[Venue]) -> None:
        now = timezone.localtime()
        lines = []
        for venue in schools:
            for back in range(7):
                day = now - timedelta(days=back)
                for _ in range(rng.randrange(2, 5)):
                    at = day.replace(
                        hour=rng.randrange(8, 17), minute=rng.randrange(60), second=0, microsecond=0
                    )
                    if at > now:
                        continue
                    lines.append(
                        VisitorEntry(
                            venue=venue,
                            at=at,
                            name=self._name(rng),
                            phone=f"135{rng.randrange(10**7, 10**8)}",
                            code_colour="green",
                            temperature=Decimal(rng.choice(["36.2", "36.4", "36.5", "36.7", "36.8"])),
                            purpose=rng.choice(PURPOSES),
                        )
                    )
        VisitorEntry.objects.bulk_create(lines)

    def _account(self, venue: Venue) -> None:
        user = User.objects.filter(username=VENUE_LOGIN).first()
        if user is not None:
            user.display_name = f"{venue.name}负责人"
            user.save(update_fields=["display_name"])
            VenueAccount.objects.get_or_create(user=user, defaults={"venue": venue})


def build_venues_demo(*, seed: int) -> VenuesDemo:
    demo = VenuesDemo(seed=seed)
    demo.build()
    return demo


def wipe_venues() -> None:
    """Delete every venue and what it keeps (for tests that rebuild the demo)."""
    from django.db import connection

    for model in (VenueAccount, VisitorEntry, DisinfectionEntry, VenueStaff, Venue):
        model.objects.all()._raw_delete(connection.alias)
