"""Checkpoints, the duty roster, a day of entries and volunteers in the demo district (八千办事处),
run through the real services.

- Four round-the-clock checkpoints (village entrance, road, community gate, enterprise gate) in
  八千's first villages, three shifts of 8 hours, two people a shift, from yesterday for a week.
- Party members of the roster (党员主动报名卡点值守) and vetted volunteers fill the shifts from
  yesterday to tomorrow night, except a gap in tonight's roster (one shift empty, one short).
  Yesterday's people signed in and out (their hours count).
- Volunteers signed up on the public form: most vetted, some waiting for the village, one not
  accepted; some scheduled to a sampling-site role, a screening squad and services.
- A day of entries at each checkpoint (yesterday, and today until now): people by ID and vehicles
  by plate; a few arrivals from a high-risk area on today's list, which become screening
  records; someone under a confining measure seen at a checkpoint, which raises an escalation.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone
from stdnum.cn import ric

from wangge.core.access import SYSTEM
from wangge.duty.checkpoints import services as checkpoints
from wangge.duty.entries import services as entries
from wangge.duty.models import Duty, Shift, Volunteer
from wangge.duty.shifts import services as roster
from wangge.duty.volunteers import services as volunteers
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import Person
from wangge.roster.models import StaffMember
from wangge.screening.models import Measure, MeasureStatus, RiskArea, RiskLevel
from wangge.testing.models import Site
from wangge.testing.rounds.checklists import staff_roles

KINDS = ["village_entrance", "road", "community_gate", "enterprise_gate"]
NAMES = ["村口卡点", "省道路口卡点", "社区东门卡点", "企业大门卡点"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
ORIGINS = ["郑州市金水区", "郑州市中原区", "新郑市", "开封市", "许昌市", "洛阳市"]
PURPOSES = ["回家", "上班", "送货", "探亲", "就医", "买菜"]
PROVINCE_PLATES = "豫豫豫豫豫京冀鲁"


@dataclass
class DutyDemo:
    seed: int
    summary: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed * 7 + 16)
        self.today = timezone.localdate()
        self.now = timezone.now()

    # ------------------------------------------------------------------------------ helpers

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )

    def rid(self, n: int) -> str:
        body = f"410182{1970 + n % 30}0{1 + n % 9}1{n % 9}{n % 1000:03d}"
        return body + ric.calc_check_digit(body + "0")

    def client_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def plate(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        if self.rng.random() < 0.2:
            return (
                self.rng.choice("豫京")
                + "A"
                + self.rng.choice("DF")
                + "".join(self.rng.choice("0123456789") for _ in range(5))
            )
        return (
            self.rng.choice(PROVINCE_PLATES)
            + self.rng.choice(letters)
            + "".join(self.rng.choice("0123456789") for _ in range(5))
        )

    # ------------------------------------------------------------------------------ build

    def build(self) -> None:
        bq = OrgUnit.objects.filter(level=Level.OFFICE, name="八千办事处").first()
        if bq is None:
            return
        villages = list(
            OrgUnit.objects.filter(path__startswith=bq.path, level=Level.VILLAGE).order_by("code")[:4]
        )
        if not villages:
            return
        self.bq = bq
        self.village = villages[0]
        self.checkpoints(villages)
        self.volunteers(villages[0])
        self.fill_roster(bq)
        self.tasks(bq)
        self.entries()

    def checkpoints(self, villages) -> None:
        self.cps = []
        for i, (kind, name) in enumerate(zip(KINDS, NAMES, strict=True)):
            village = villages[i % len(villages)]
            grid = (
                OrgUnit.objects.filter(path__startswith=village.path, level=Level.GRID)
                .order_by("code")
                .first()
            )
            if grid is None:
                continue
            cp = checkpoints.create_checkpoint(
                actor=SYSTEM,
                grid=grid,
                name=f"{village.name}{name}",
                kind=kind,
                address=f"{village.name}{name[:-2]}",
                round_the_clock=True,
                pattern="3x8",
                people_per_shift=2,
            )
            checkpoints.make_shifts(actor=SYSTEM, checkpoint=cp, start=self.today - timedelta(days=1), days=8)
            self.cps.append(cp)
        self.summary["checkpoints"] = len(self.cps)

    def volunteers(self, village: OrgUnit) -> None:
        self.vetted = []
        skills = ["driving", "medical", "registration", "order", "delivery", "disinfection"]
        for n in range(1, 17):
            v, _created = volunteers.sign_up(
                village=village,
                name=self.name(),
                phone=f"13{self.rng.choice('6789')}{self.rng.randint(10000000, 99999999)}",
                id_number=self.rid(600 + n),
                is_party_member=self.rng.random() < 0.4,
                skills=self.rng.sample(skills, 2),
                availability=self.rng.sample(["weekday_days", "weekday_nights", "weekends", "any_time"], 2),
            )
            if n <= 11:
                self.vetted.append(volunteers.vet(actor=SYSTEM, volunteer=v, accept=True))
            elif n == 12:
                volunteers.vet(actor=SYSTEM, volunteer=v, accept=False, reason="年龄未满18周岁")
        self.summary["volunteers"] = Volunteer.objects.count()

    def fill_roster(self, bq: OrgUnit) -> None:
        """Yesterday to tomorrow morning filled, but for tonight's gap; yesterday signed in and out."""
        staff = list(
            StaffMember.objects.filter(
                path__startswith=bq.path, is_party_member=True, is_active=True
            ).order_by("id")[:60]
        )
        people = []  # party members and volunteers in turn
        for i in range(max(len(staff), len(self.vetted))):
            people += [("s", staff[i])] if i < len(staff) else []
            people += [("v", self.vetted[i])] if i < len(self.vetted) else []
        if not people:
            return
        tz = timezone.get_current_timezone()
        until = datetime.combine(self.today + timedelta(days=1), time(8, 0), tzinfo=tz)
        tonight = datetime.combine(self.today, time(16, 0), tzinfo=tz)
        midnight = datetime.combine(self.today + timedelta(days=1), time(0, 0), tzinfo=tz)
        shifts = Shift.objects.filter(checkpoint__in=self.cps, starts_at__lt=until).order_by(
            "starts_at", "checkpoint_id"
        )
        turn = 0
        gaps = 0
        for s in shifts:
            want = s.needed
            if len(self.cps) > 1 and s.checkpoint_id == self.cps[1].pk and s.starts_at == tonight:
                want, gaps = 1, gaps + 1  # one short tonight
            if len(self.cps) > 2 and s.checkpoint_id == self.cps[2].pk and s.starts_at == midnight:
                want, gaps = 0, gaps + 1  # nobody yet for tonight's night shift
            for _ in range(want):
                kind, who = people[turn % len(people)]
                turn += 1
                if s.ends_at <= self.now:
                    duty = Duty.objects.create(
                        shift=s,
                        path=s.path,
                        staff=who if kind == "s" else None,
                        volunteer=who if kind == "v" else None,
                    )
                    Shift.objects.filter(pk=s.pk).update(filled=s.filled + 1)
                    s.filled += 1
                    Duty.objects.filter(pk=duty.pk).update(
                        signed_in_at=s.starts_at + timedelta(minutes=self.rng.randint(-10, 5)),
                        signed_out_at=s.ends_at + timedelta(minutes=self.rng.randint(0, 15)),
                    )
                    continue
                d = roster.assign(
                    actor=SYSTEM, shift=s, **({"staff": who} if kind == "s" else {"volunteer": who})
                )
                if s.starts_at <= self.now:
                    Duty.objects.filter(pk=d.pk).update(
                        signed_in_at=s.starts_at + timedelta(minutes=self.rng.randint(-10, 5))
                    )
        self.summary["duties"] = Duty.objects.count()
        self.summary["tonight_gaps"] = gaps

    def tasks(self, bq: OrgUnit) -> None:
        if len(self.vetted) < 4:
            return
        start = datetime.combine(self.today, time(7, 0), tzinfo=timezone.get_current_timezone())
        site = Site.objects.filter(path__startswith=bq.path).order_by("id").first()
        roles = list(staff_roles())
        if site is not None and roles:
            for i, v in enumerate(self.vetted[:2]):
                volunteers.schedule_task(
                    actor=SYSTEM,
                    volunteer=v,
                    kind="sampling_site",
                    starts_at=start,
                    ends_at=start + timedelta(hours=5),
                    site=site,
                    site_role=roles[i % len(roles)],
                )
        for v in self.vetted[2:4]:
            volunteers.schedule_task(
                actor=SYSTEM,
                volunteer=v,
                kind="screening_squad",
                starts_at=start - timedelta(days=1),
                ends_at=start - timedelta(days=1) + timedelta(hours=12),
                note="24小时排查专班",
            )
        volunteers.schedule_task(
            actor=SYSTEM,
            volunteer=self.vetted[4],
            kind="service",
            starts_at=start + timedelta(hours=2),
            ends_at=start + timedelta(hours=6),
            note="为居家隔离群众代购生活物资",
        )

    def entries(self) -> None:
        if not self.cps:
            return
        area = (
            RiskArea.objects.filter(level=RiskLevel.HIGH, valid_from__lte=self.today)
            .exclude(valid_to__lt=self.today)
            .order_by("id")
            .first()
        )
        risky_origin = str(area) if area else ""
        local = list(
            Person.objects.filter(path__startswith=self.village.path, is_active=True)
            .order_by("id")
            .values_list("id_number", "name")[:200]
        )
        confined = (
            Measure.objects.filter(status=MeasureStatus.ACTIVE, confining=True)
            .select_related("person")
            .order_by("id")
            .first()
        )
        start = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=1
        )
        span = (self.now - start).total_seconds()
        made = 0
        for cp in self.cps:
            items = []
            for _ in range(60):
                at = start + timedelta(seconds=self.rng.uniform(0, span - 60))
                if self.rng.random() < 0.25:
                    items.append(
                        entries.EntryIn(
                            client_id=self.client_id(),
                            kind="vehicle",
                            plate=self.plate(),
                            passengers=self.rng.randint(1, 4),
                            origin=self.rng.choice(ORIGINS),
                            code_colour="green",
                            purpose=self.rng.choice(PURPOSES),
                            direction=self.rng.choice(("in", "out")),
                            at=at,
                        )
                    )
                    continue
                number, name = self.rng.choice(local) if local else (self.rid(900 + made), self.name())
                items.append(
                    entries.EntryIn(
                        client_id=self.client_id(),
                        id_number=number,
                        name=name,
                        origin=self.rng.choice(ORIGINS),
                        code_colour="green",
                        temperature=f"{self.rng.uniform(36.0, 37.1):.1f}",
                        purpose=self.rng.choice(PURPOSES),
                        direction=self.rng.choice(("in", "out")),
                        at=at,
                    )
                )
            if risky_origin and cp is self.cps[0]:
                for k in range(3):
                    items.append(
                        entries.EntryIn(
                            client_id=self.client_id(),
                            id_number=self.rid(950 + k),
                            name=self.name(),
                            origin=risky_origin,
                            code_colour="yellow",
                            temperature="36.6",
                            purpose="返乡",
                            direction="in",
                            at=self.now - timedelta(hours=2 + k),
                        )
                    )
            if confined is not None and cp is self.cps[1 % len(self.cps)]:
                items.append(
                    entries.EntryIn(
                        client_id=self.client_id(),
                        id_number=confined.person.id_number,
                        name=confined.person.name,
                        code_colour="red",
                        temperature="36.8",
                        purpose="外出",
                        direction="out",
                        at=self.now - timedelta(minutes=40),
                    )
                )
            items.sort(key=lambda e: e.at)
            results = entries.log_entries(actor=SYSTEM, checkpoint=cp, items=items)
            made += sum(1 for r in results if r.status == "accepted")
        self.summary["entries"] = made


def build_duty_demo(*, seed: int) -> DutyDemo:
    demo = DutyDemo(seed=seed)
    demo.build()
    return demo
