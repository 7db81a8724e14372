"""The demo's gatherings (新港办事处: 喜事缓办、丧事简办、宴会不办): a wedding of 80 forwarded by the
village and waiting for the office, a 升学宴 refused by rule at once, funerals filed with the
village (one checked today, one closed, one whose after-event record is overdue), and a small
wedding filed. Hosts are registry people of 新港's grids. Deterministic (seeded) and fast."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from wangge.core.access import PUBLIC_ACTOR, SYSTEM
from wangge.gatherings.approvals import services as approvals
from wangge.gatherings.day import services as day
from wangge.gatherings.models import Gathering, GatheringKind, GatheringRule, Meal
from wangge.gatherings.reports import services as reports
from wangge.gatherings.rules import defaults
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import Person

PLAN = "共8桌，桌距1米以上，每桌不超过10人；入口专人扫码、测温、登记；厨师持健康证上岗。"


@dataclass
class GatheringsDemo:
    seed: int
    summary: dict[str, int] = field(default_factory=dict)

    def build(self) -> None:
        defaults.load(GatheringKind, GatheringRule)  # `seed-demo --flush` empties what the migration filled
        rng = random.Random(self.seed + 16)
        office = OrgUnit.objects.filter(level=Level.OFFICE, name="新港办事处").first()
        if office is None:
            return
        grids = list(
            OrgUnit.objects.filter(level=Level.GRID, path__startswith=office.path).order_by("path")[:40]
        )
        if not grids:
            return
        hosts = list(
            Person.objects.filter(path__startswith=office.path, is_active=True)
            .exclude(phone="")
            .order_by("pk")[:200]
        )
        if len(hosts) < 6:
            return
        picked = rng.sample(hosts, 6)
        today = timezone.localdate()
        kinds = {k.code: k for k in GatheringKind.objects.all()}

        def village_of(grid: OrgUnit) -> OrgUnit:
            return next(u for u in grid.ancestors() if u.level == Level.VILLAGE)

        def report(
            person: Person, kind: str, diners: int, days: int, *, family: bool, plan: str = ""
        ) -> Gathering:
            grid = next((g for g in grids if g.pk == person.grid_id), None) or rng.choice(grids)
            on = today + timedelta(days=days)
            return reports.submit(
                actor=PUBLIC_ACTOR if family else SYSTEM,
                client_token=uuid.UUID(int=rng.getrandbits(128)),
                kind=kinds[kind], host_name=person.name, host_id_type=person.id_type,
                host_id_number=person.id_number, host_phone=person.phone,
                unit=village_of(grid) if family else grid, address=f"{grid.name}{rng.randint(1, 40)}号",
                starts_on=on, ends_on=on, meals=[reports.MealIn(on=on, diners=diners, tables=-(-diners // 10), label="午宴")],
                plan=plan, caterer="乡村厨师" if kind != "wedding" else "喜来登宴会服务",
            )  # fmt: skip

        def grid_of(person: Person) -> OrgUnit:
            return next((g for g in grids if g.pk == person.grid_id), grids[0])

        # A wedding of 80: reported by the family, forwarded by the village, waiting for the office.
        wedding = report(picked[0], "wedding", 80, 12, family=True, plan=PLAN)
        approvals.forward(
            actor=SYSTEM, gathering=wedding, grid=grid_of(picked[0]), note="方案齐全，报办事处审批"
        )
        # A 升学宴: refused at once in the rule's words.
        report(picked[1], "banquet", 60, 5, family=True)
        # Funerals filed with the village.
        checked = report(picked[2], "funeral", 30, 0, family=False)
        approvals.approve(actor=SYSTEM, gathering=checked, conditions=list(defaults.CONDITIONS[:2]))
        day.record_day_check(actor=SYSTEM, gathering=checked, actual_diners=28, conditions_kept=True)
        closed = report(picked[3], "funeral", 40, 0, family=False)
        approvals.approve(actor=SYSTEM, gathering=closed, conditions=list(defaults.CONDITIONS[:2]))
        day.record_after(actor=SYSTEM, gathering=closed, actual_diners=38)
        overdue = report(picked[4], "funeral", 25, 0, family=True)
        approvals.approve(actor=SYSTEM, gathering=overdue, grid=grid_of(picked[4]), conditions=[])
        past = today - timedelta(days=3)
        Gathering.objects.filter(pk__in=[overdue.pk, closed.pk]).update(starts_on=past, ends_on=past)
        Meal.objects.filter(gathering__in=[overdue.pk, closed.pk]).update(on=past)
        # A small wedding filed with the village.
        small = report(picked[5], "wedding", 30, 9, family=True, plan="")
        approvals.approve(actor=SYSTEM, gathering=small, grid=grid_of(picked[5]))
        self.summary = {"gatherings": Gathering.objects.count()}


def build_gatherings_demo(*, seed: int) -> GatheringsDemo:
    demo = GatheringsDemo(seed=seed)
    demo.build()
    return demo
