"""Screening and control measures in the demo district, run through the real services.

- A dated list of ~20 medium- and high-risk areas in other provinces, some already ended.
- 八千办事处: "last night" a door-to-door screening of key people by occupation (about 935 people
  in many of the 27 categories; set-based, with the keys and sightings screen_one gives), and a
  few close contacts proposed for centralised quarantine.
- 新港办事处 and 郑港办事处: returnees from risk areas, found door to door, at checkpoints, on a
  协查 list sent down from above (a ScreeningBatch), and by the public self-report form (newcomers
  not in the registry wait in the village's queue); a few reports of the same trip merged.
- Measures in every state: proposed, awaiting approval, in force (centralised 7+3 on various days,
  home quarantine, home monitoring), ending today with every test negative (eligible for
  release), released with notices, one rejected, a bulk order awaiting approval (a building in
  张庄村) and an approved one. Measures that started days ago are made through the services today
  and their dates shifted back afterwards, phases, tests and follow-up state with them.
- Daily checks for past days (a few gaps: overdue), one fever escalated, test results for past
  test days (negative, one positive), service requests open, assigned and done.

Deciders and approvers are demo logins: `cunganbu` (冢刘村) and `admin` decide; `zhenggang`,
`xingang` and `admin` approve, never the person who decided.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from wangge.accounts.models import User
from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import Building, Person
from wangge.roster.models import StaffMember
from wangge.screening.intake import services as intake
from wangge.screening.measures import escalations, services
from wangge.screening.models import (
    BasisKind,
    Category,
    DailyCheck,
    EscalationKind,
    Measure,
    MeasurePhase,
    MeasurePolicy,
    MeasureStatus,
    MeasureTest,
    PolicyPhase,
    RiskArea,
    ScreeningBatch,
    ScreeningRecord,
    ScreeningSighting,
    ScreeningSource,
    SelfReport,
    ServiceKind,
    ServiceRequest,
    ServiceStatus,
    TestOutcome,
)
from wangge.screening.rules import defaults

BAQIAN_SCREENED = 935  # the page: 八千 screened 935 people in 27 categories overnight
LAB = "航空港区核酸检测基地"
HOTEL = "航空港区集中隔离点（临空酒店）"

# (province, city, county, township, level, listed days ago, ended days ago or None)
RISK_AREAS = [
    ("北京市", "北京市", "朝阳区", "", "high", 20, None),
    ("北京市", "北京市", "海淀区", "学院路街道", "medium", 18, None),
    ("北京市", "北京市", "丰台区", "", "medium", 30, 12),
    ("上海市", "上海市", "浦东新区", "", "high", 25, None),
    ("上海市", "上海市", "闵行区", "", "medium", 22, None),
    ("上海市", "上海市", "徐汇区", "", "medium", 28, 9),
    ("广东省", "广州市", "海珠区", "", "high", 16, None),
    ("广东省", "广州市", "白云区", "", "medium", 14, None),
    ("广东省", "深圳市", "福田区", "", "medium", 26, 15),
    ("陕西省", "西安市", "雁塔区", "", "high", 19, None),
    ("陕西省", "西安市", "碑林区", "", "medium", 21, 6),
    ("吉林省", "长春市", "朝阳区", "", "high", 35, 11),
    ("吉林省", "吉林市", "船营区", "", "medium", 33, 14),
    ("四川省", "成都市", "锦江区", "", "medium", 15, None),
    ("重庆市", "重庆市", "渝中区", "", "medium", 17, None),
    ("湖北省", "武汉市", "洪山区", "", "medium", 13, None),
    ("山东省", "青岛市", "黄岛区", "", "high", 24, 8),
    ("河北省", "石家庄市", "长安区", "", "medium", 12, None),
    ("内蒙古自治区", "呼和浩特市", "新城区", "", "high", 23, None),
    ("天津市", "天津市", "津南区", "", "medium", 27, 10),
    ("浙江省", "杭州市", "西湖区", "", "medium", 11, None),
]
# Where returnees came from (the open areas above), with a street to make it look typed in.
HIGH_FROM = [
    "北京市朝阳区望京街道",
    "上海市浦东新区花木街道",
    "广州市海珠区南洲街道",
    "西安市雁塔区小寨路街道",
]
MEDIUM_FROM = [
    "上海市闵行区莘庄镇",
    "广州市白云区景泰街道",
    "成都市锦江区春熙路街道",
    "重庆市渝中区解放碑街道",
]

# Employer keywords → category, as the categories' own keywords read the registry.
EMPLOYER_CATEGORY = [
    ("顺丰", "courier"),
    ("美团", "courier"),
    ("菜鸟", "courier"),
    ("机场", "port_staff"),
    ("建筑", "construction"),
    ("中建", "construction"),
    ("物流", "truck_driver"),
    ("富士康", "factory_worker"),
    ("比亚迪", "factory_worker"),
    ("蓝宝石", "factory_worker"),
]
# Categories given by hand to the rest (people without a matching employer), with weights.
BY_HAND = [
    ("market_staff", 6), ("restaurant_staff", 6), ("supermarket_staff", 5), ("hotel_staff", 3),
    ("taxi_driver", 3), ("public_transport", 2), ("sanitation", 3), ("school_staff", 3),
    ("students", 8), ("medical_staff", 3), ("elderly_care", 2), ("cold_chain", 2),
    ("casual_labour", 5), ("urban_fringe", 6), ("quarantine_site_staff", 1), ("prison_staff", 1),
    ("inpatient_carer", 2), ("fever_clinic", 1), ("secondary_contact", 1), ("inbound", 1),
    ("risk_area_arrival", 2),
]  # fmt: skip
ROUTINE_ONLY = {"fever_clinic", "secondary_contact", "inbound"}  # these have rules: not in the bulk


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


class ScreeningDemo:
    def __init__(self, *, seed: int):
        self.rng = random.Random(seed + 5)
        self.today = timezone.localdate()
        self.admin = User.objects.get(username="admin")
        self.zhenggang = User.objects.get(username="zhenggang")
        self.xingang = User.objects.filter(username="xingang").first() or self.admin
        self.cunganbu = User.objects.get(username="cunganbu")
        # `seed-demo --flush` empties the tables the migration filled: put the starting lists back.
        defaults.load(Category, MeasurePolicy, PolicyPhase)
        self.categories = {c.code: c for c in Category.objects.all()}
        self.used: set[int] = set()  # people already screened here
        self.summary: dict[str, int] = {}
        self.seconds = 0.0
        self.to_release: list[Measure] = []

    # ------------------------------------------------------------------------------ helpers

    def unit(self, code: str) -> OrgUnit:
        return OrgUnit.objects.get(code=code)

    def people_in(self, unit: OrgUnit, n: int) -> list[Person]:
        ids = list(
            Person.objects.filter(path__startswith=unit.path, is_active=True)
            .exclude(pk__in=self.used)
            .order_by("id")
            .values_list("id", flat=True)
        )
        chosen = self.rng.sample(ids, min(n, len(ids)))
        self.used.update(chosen)
        by_id = Person.objects.in_bulk(chosen)
        return [by_id[i] for i in chosen]

    def report(self, person: Person, **kw) -> intake.Report:
        return intake.Report(
            name=person.name,
            id_type=person.id_type,
            id_number=person.id_number,
            phone=person.phone,
            address=kw.pop("address", ""),
            **kw,
        )

    def screen(self, actor, person: Person, source: str, *, came_from="", days_ago=0, **kw):
        arrival = self.today - timedelta(days=days_ago) if came_from else None
        return intake.screen_one(
            actor=actor,
            source=source,
            report=self.report(person, came_from=came_from, arrival_date=arrival, left_area_on=arrival, **kw),
            batch=kw.get("batch"),
        )

    def decider_for(self, measure: Measure):
        return self.cunganbu if measure.path.startswith(self.unit_zl.path) else self.admin

    def approver_for(self, measure: Measure):
        if measure.path.startswith(self.zg.path):
            return self.zhenggang
        if measure.path.startswith(self.xg.path) and self.xingang != self.admin:
            return self.xingang
        return None

    def in_force(self, measure: Measure) -> Measure:
        decider = self.decider_for(measure)
        measure = services.decide_measure(actor=decider, measure=measure, place=measure.place or HOTEL)
        if measure.status == MeasureStatus.AWAITING_APPROVAL:
            approver = self.approver_for(measure) or (self.admin if decider != self.admin else None)
            if approver is not None:
                measure = services.approve_measure(actor=approver, measure=measure, note="同意")
        return measure

    # ------------------------------------------------------------------------------ build

    def build(self) -> dict[str, int]:
        started = time.perf_counter()
        self.zg, self.xg, self.bq = self.unit("GK-ZG"), self.unit("GK-XG"), self.unit("GK-BQ")
        self.unit_zl = self.unit("GK-ZG-ZL")
        self.risk_areas()
        self.baqian_overnight()
        self.returnees()
        self.assist_list()
        self.self_reports()
        self.bulk_orders()
        self.follow_up()
        self.release()
        self.reschedule_tests()
        self.summary.update(
            risk_areas=RiskArea.objects.count(),
            screening_records=ScreeningRecord.objects.count(),
            measures=Measure.objects.count(),
            measures_active=Measure.objects.filter(status=MeasureStatus.ACTIVE).count(),
        )
        self.seconds = time.perf_counter() - started
        return self.summary

    # ------------------------------------------------------------------------------ risk areas

    def risk_areas(self) -> None:
        rows = [
            RiskArea(
                province=p,
                city=c,
                county=k,
                township=t,
                level=level,
                valid_from=self.today - timedelta(days=listed),
                valid_to=self.today - timedelta(days=ended) if ended is not None else None,
                note="省级发布" if level == "high" else "",
                created_by=self.admin,
            )
            for p, c, k, t, level, listed, ended in RISK_AREAS
        ]
        RiskArea.objects.bulk_create(rows)
        audit.record(actor=self.admin, action=Action.CREATE, obj=rows[0], after={"risk_areas": len(rows)})

    # ------------------------------------------------------------------------------ 八千

    def baqian_overnight(self) -> None:
        """About 935 key people by occupation, screened door to door last night (set-based: the
        same dedupe keys and one sighting each, as screen_one gives)."""
        active = Person.objects.filter(path__startswith=self.bq.path, is_active=True).count()
        n = min(BAQIAN_SCREENED, int(active * 0.35))
        people = self.people_in(self.bq, n)
        yesterday = self.today - timedelta(days=1)
        hand_codes = [c for c, _w in BY_HAND if c not in ROUTINE_ONLY]
        hand_weights = [w for c, w in BY_HAND if c not in ROUTINE_ONLY]
        records = []
        for i, person in enumerate(people):
            code = next((c for kw, c in EMPLOYER_CATEGORY if kw in (person.employer or "")), None)
            if code is None or self.rng.random() < 0.15:
                code = self.rng.choices(hand_codes, hand_weights)[0]
            category = self.categories[code]
            records.append(
                ScreeningRecord(
                    person=person,
                    grid_id=person.grid_id,
                    path=person.path,
                    source=ScreeningSource.DOOR_TO_DOOR,
                    category=category,
                    dedupe_key=intake.dedupe_key(
                        person_id=person.pk,
                        arrival_date=None,
                        from_province="",
                        came_from="",
                        category_id=category.pk,
                        contact_of="",
                    ),
                    note="夜间入户排查",
                    screened_by=self.admin,
                    screened_at=_at(yesterday, 19) + timedelta(seconds=i * 17),
                )
            )
        ScreeningRecord.objects.bulk_create(records, batch_size=1000)
        saved = ScreeningRecord.objects.filter(path__startswith=self.bq.path).order_by("id")
        ScreeningSighting.objects.bulk_create(
            [
                ScreeningSighting(
                    record_id=r.pk,
                    source=r.source,
                    reported={"name": name, "category": cat},
                    by=self.admin,
                    at=r.screened_at,
                )
                for r, name, cat in (
                    (r, r.person.name, r.category.name) for r in saved.select_related("person", "category")
                )
            ],
            batch_size=1000,
        )
        audit.record(
            actor=self.admin,
            action=Action.CREATE,
            obj=self.bq,
            after={"screening_records": len(records), "source": ScreeningSource.DOOR_TO_DOOR},
        )
        self.summary["baqian_screened"] = len(records)
        self.summary["baqian_categories"] = len({r.category_id for r in records})
        # Close contacts of a case found overnight: proposed for centralised quarantine.
        for j, person in enumerate(self.people_in(self.bq, 6)):
            out = intake.screen_one(
                actor=self.admin,
                source=ScreeningSource.DOOR_TO_DOOR,
                report=self.report(
                    person,
                    category=self.categories["close_contact"],
                    contact_of="郑州市报告病例（流调编号 ZZ-0412）",
                ),
            )
            if out.measure is not None and j < 3:  # three decided, awaiting approval; three proposed
                services.decide_measure(actor=self.admin, measure=out.measure, place=HOTEL)

    # ------------------------------------------------------------------------------ returnees

    def returnees(self) -> None:
        """新港 and 郑港: returnees found door to door and at checkpoints, arrived on various days."""
        plan = []  # (office, source, came_from, days ago, final state)
        for office, n in ((self.xg, 26), (self.zg, 22)):
            for i in range(n):
                high = i % 3 != 2
                came = self.rng.choice(HIGH_FROM if high else MEDIUM_FROM)
                source = ScreeningSource.CHECKPOINT if i % 4 == 0 else ScreeningSource.DOOR_TO_DOOR
                plan.append((office, source, came, i % 8, high))
        # 冢刘村 is where the village cadre decides.
        zl_people = self.people_in(self.unit_zl, 8)
        states = []
        for office, source, came, days, _high in plan:
            person = self.people_in(office, 1)[0]
            states.append((person, source, came, days))
        for k, person in enumerate(zl_people):
            states.append((person, ScreeningSource.DOOR_TO_DOOR, HIGH_FROM[k % 4], k % 7))
        measures = []
        for person, source, came, days in states:
            out = self.screen(self.admin, person, source, came_from=came, days_ago=days)
            if out.measure is not None:
                measures.append(out.measure)
        # States: a few left proposed, a few awaiting approval, one rejected, the rest in force.
        self.rng.shuffle(measures)
        _proposed, awaiting, rejected, rest = measures[:5], measures[5:9], measures[9], measures[10:]
        for m in awaiting:
            services.decide_measure(actor=self.decider_for(m), measure=m, place=HOTEL)
        services.reject_measure(
            actor=self.decider_for(rejected), measure=rejected, reason="经核实，本人行程卡显示未到过该地区"
        )
        self.active = [self.in_force(m) for m in rest]
        # Some started earlier than the screening window: the home-monitoring phase, or ended.
        for m in self.active[:4]:
            self.shift(m, 2)  # day 9–10: in the home-monitoring phase of 7+3
        for m in self.active[4:7]:
            self.shift(m, 12)  # ended two days ago: to be released with a notice
            self.to_release.append(m)
        # Home quarantine (medium risk) that ends today: all tests negative, eligible for release.
        for person in self.people_in(self.xg, 3):
            out = self.screen(
                self.admin, person, ScreeningSource.DOOR_TO_DOOR, came_from=MEDIUM_FROM[0], days_ago=6
            )
            if out.measure is not None:
                self.active.append(self.in_force(out.measure))
        # Home health monitoring: patients of the fever clinic (not confining: in force at decision).
        for person in self.people_in(self.zg, 3):
            out = intake.screen_one(
                actor=self.admin,
                source=ScreeningSource.MANUAL,
                report=self.report(person, category=self.categories["fever_clinic"], note="发热门诊推送"),
            )
            if out.measure is not None:
                self.active.append(self.in_force(out.measure))
        self.summary["returnee_measures"] = len(measures)

    def shift(self, measure: Measure, days: int) -> None:
        """Move a measure made today `days` back in time, with everything dated under it."""
        d = timedelta(days=days)
        m = Measure.objects.get(pk=measure.pk)
        old_dates = {x.isoformat() for x in (m.starts_on, m.ends_on)}
        facts = m.basis_facts
        for p in facts.get("phases", []):
            old_dates.update((p["starts_on"], p["ends_on"]))
            p["starts_on"] = (date.fromisoformat(p["starts_on"]) - d).isoformat()
            p["ends_on"] = (date.fromisoformat(p["ends_on"]) - d).isoformat()
        for key in ("arrival_date", "left_area_on"):
            if facts.get(key):
                old_dates.add(facts[key])
                facts[key] = (date.fromisoformat(facts[key]) - d).isoformat()
        m.basis_text = re.sub(
            r"\d{4}-\d{2}-\d{2}",
            lambda mo: (
                (date.fromisoformat(mo.group()) - d).isoformat() if mo.group() in old_dates else mo.group()
            ),
            m.basis_text,
        )
        m.starts_on -= d
        m.ends_on -= d
        for f in ("proposed_at", "decided_at", "approved_at"):
            if getattr(m, f):
                setattr(m, f, getattr(m, f) - d)
        m.checked_through = m.starts_on - timedelta(days=1)
        m.save()
        for phase in MeasurePhase.objects.filter(measure=m):
            phase.starts_on -= d
            phase.ends_on -= d
            phase.save(update_fields=["starts_on", "ends_on"])
        tests = list(MeasureTest.objects.filter(measure=m))
        for t in tests:
            t.on_date = m.starts_on + timedelta(days=t.day_no - 1)
        MeasureTest.objects.bulk_update(tests, ["on_date"])
        if m.screening_id:
            r = ScreeningRecord.objects.get(pk=m.screening_id)
            r.arrival_date = r.arrival_date - d if r.arrival_date else None
            r.left_area_on = r.left_area_on - d if r.left_area_on else None
            r.screened_at -= d
            r.save(update_fields=["arrival_date", "left_area_on", "screened_at"])
            for s in ScreeningSighting.objects.filter(record=r):
                s.at -= d
                for key in ("arrival_date", "left_area_on"):
                    if s.reported.get(key):
                        s.reported[key] = (date.fromisoformat(s.reported[key]) - d).isoformat()
                s.save(update_fields=["at", "reported"])

    # ------------------------------------------------------------------------------ 协查 list

    def assist_list(self) -> None:
        """A 协查 list sent down for 新港: rows matched to the registry, one a trip already
        found door to door (merged), one listed twice (merged)."""
        batch = ScreeningBatch.objects.create(
            name="省指挥部协查函：西安市雁塔区来郑人员",
            source=ScreeningSource.ASSIST_LIST,
            reference=f"豫防指协〔{self.today.year}〕{self.rng.randint(100, 999)}号",
            unit=self.xg,
            path=self.xg.path,
            original_name="协查名单-西安雁塔.xlsx",
            created_by=self.admin,
        )
        already = ScreeningRecord.objects.filter(
            path__startswith=self.xg.path, arrival_date__isnull=False
        ).first()
        people = self.people_in(self.xg, 12)
        rows = [(p, 1 + i % 5) for i, p in enumerate(people)]
        rows.append((people[0], 1))  # listed twice
        merged = 0
        for row_no, (person, days) in enumerate(rows, start=1):
            out = intake.screen_one(
                actor=self.admin,
                source=ScreeningSource.ASSIST_LIST,
                report=self.report(
                    person,
                    came_from="陕西省西安市雁塔区小寨路街道",
                    arrival_date=self.today - timedelta(days=days),
                    left_area_on=self.today - timedelta(days=days),
                ),
                batch=batch,
                row_no=row_no,
                propose=True,
            )
            merged += not out.created
            if out.measure is not None and row_no % 2:  # half the list worked through already
                self.active.append(self.in_force(out.measure))
        if already is not None:  # the same trip, already found door to door
            p = already.person
            out = intake.screen_one(
                actor=self.admin,
                source=ScreeningSource.ASSIST_LIST,
                report=self.report(p, came_from=already.came_from, arrival_date=already.arrival_date),
                batch=batch,
                row_no=len(rows) + 1,
            )
            merged += not out.created
        total = len(rows) + (already is not None)
        ScreeningBatch.objects.filter(pk=batch.pk).update(
            total_rows=total, matched_rows=total, merged_rows=merged
        )
        self.summary["assist_list_rows"] = total
        self.summary["merged_reports"] = merged

    # ------------------------------------------------------------------------------ self-reports

    def _newcomer_id(self) -> str:
        from wangge.demo.registry_builder import check_digit
        from wangge.registry.services import find_by_document

        while True:
            birth = date(1975, 1, 1) + timedelta(days=self.rng.randint(0, 11000))
            body = f"610113{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
            number = body + check_digit(body)
            if find_by_document("resident_id", number) is None:
                return number

    def self_reports(self) -> None:
        villages = list(
            OrgUnit.objects.filter(path__startswith=self.xg.path, level=Level.VILLAGE).order_by("path")[:2]
        ) + [self.unit_zl]
        reports = []
        # Residents who report themselves: they become screening records at once.
        for k, person in enumerate(self.people_in(villages[0], 3) + self.people_in(self.unit_zl, 2)):
            village = villages[0] if k < 3 else self.unit_zl
            reports.append(
                intake.submit_self_report(
                    request_key=uuid.UUID(int=self.rng.getrandbits(128)),
                    name=person.name,
                    id_number=person.id_number,
                    phone=person.phone or "13800000000",
                    came_from=HIGH_FROM[k % 4],
                    arrival_date=self.today - timedelta(days=k % 3),
                    village=village,
                    address="本村",
                )
            )
        # Newcomers not in the registry: they wait in the village's queue to be placed in a grid.
        names = list(
            Person.objects.filter(is_active=False).order_by("id").values_list("name", flat=True)[:50]
        ) or ["王磊", "李娜", "张伟"]
        for k, village in enumerate(villages):
            reports.append(
                intake.submit_self_report(
                    request_key=uuid.UUID(int=self.rng.getrandbits(128)),
                    name=self.rng.choice(names),
                    id_number=self._newcomer_id(),
                    phone=f"139{self.rng.randint(10_000_000, 99_999_999)}",
                    came_from=MEDIUM_FROM[k % 4],
                    arrival_date=self.today - timedelta(days=k),
                    village=village,
                    address=f"{village.name}{self.rng.randint(1, 30)}号院",
                )
            )
        # Receipts drawn from the seed, so the demo is the same each time.
        for sr in reports:
            receipt = "".join(self.rng.choice(intake.RECEIPT_ALPHABET) for _ in range(8))
            SelfReport.objects.filter(pk=sr.pk).update(receipt=receipt)
        self.summary["self_reports"] = len(reports)
        self.summary["self_reports_waiting"] = sum(1 for r in reports if r.record_id is None)

    # ------------------------------------------------------------------------------ bulk orders

    def _building_people(self, village: OrgUnit, size: int) -> tuple[Building, list[Person]]:
        for b in Building.objects.filter(path__startswith=village.path).order_by("id"):
            people = list(
                Person.objects.filter(household__room__building=b, is_active=True)
                .exclude(pk__in=self.used)
                .order_by("id")
            )
            if len(people) >= size:
                self.used.update(p.pk for p in people)
                return b, people
        people = self.people_in(village, size)
        return None, people

    def bulk_orders(self) -> None:
        zz = self.unit("GK-ZZ-ZZ")
        building, people = self._building_people(zz, 12)
        where = building.name if building else zz.name
        services.propose_bulk(
            actor=self.admin,
            unit=zz,
            name=f"{zz.name}{where}封控：居家隔离7天",
            people=people,
            kind="home_quarantine",
            starts_on=self.today,
            days=7,
            test_days=[1, 4, 7],
            basis_kind=BasisKind.ORDER,
            basis_text=f"区指挥部通知：{where}发现阳性感染者，楼栋封控，全体居民居家隔离7天。",
            facts={"order_ref": f"港防指〔{self.today.year}〕{self.rng.randint(10, 99)}号"},
        )
        ssw = self.unit("GK-ZG-SSW")
        building, people = self._building_people(ssw, 8)
        where = building.name if building else ssw.name
        result = services.propose_bulk(
            actor=self.admin,
            unit=ssw,
            name=f"{ssw.name}{where}密接楼栋：居家隔离7天",
            people=people,
            kind="home_quarantine",
            starts_on=self.today,
            days=7,
            test_days=[1, 4, 7],
            basis_kind=BasisKind.ORDER,
            basis_text=f"区指挥部通知：{where}为密接所在楼栋，居家隔离7天。",
            facts={"order_ref": f"港防指〔{self.today.year}〕{self.rng.randint(10, 99)}号"},
        )
        services.approve_bulk(
            actor=self.zhenggang, order=result.order, confirm_count=result.added, note="同意，服务保障组跟进"
        )
        self.active.extend(Measure.objects.filter(bulk=result.order))

    # ------------------------------------------------------------------------------ follow-up

    def follow_up(self) -> None:
        """Past test results, daily checks with a few gaps, one fever, service requests."""
        actives = list(Measure.objects.filter(status=MeasureStatus.ACTIVE).order_by("id"))
        # Tests of past days (and today's for those ending today) come back negative; one positive.
        positive_done = False
        for test in (
            MeasureTest.objects.filter(measure__status=MeasureStatus.ACTIVE, on_date__lte=self.today)
            .select_related("measure")
            .order_by("measure_id", "day_no")
        ):
            m = test.measure
            if test.on_date == self.today and m.ends_on != self.today and m not in self.to_release:
                continue  # today's sample not back yet
            result = TestOutcome.NEGATIVE
            if (
                not positive_done
                and m.bulk_id is None
                and test.on_date < self.today
                and m.ends_on > self.today
            ):
                result, positive_done = TestOutcome.POSITIVE, True
            services.record_test_result(
                actor=self.admin,
                test=test,
                result=result,
                lab=LAB if m.kind != "centralised" else "隔离点医护",
                at=_at(test.on_date, 20),
            )
        # Daily checks, two a day; a few people's last day or two missing (overdue).
        checks = []
        through = {}
        gaps = {m.pk for m in actives[::9]}
        fever_measure = next(
            (m for m in actives if m.starts_on < self.today - timedelta(days=2) and m.pk not in gaps), None
        )
        fever_day = self.today - timedelta(days=1)
        for m in actives:
            day = m.starts_on
            last_done = m.starts_on - timedelta(days=1)
            stop = self.today - timedelta(days=2) if m.pk in gaps else self.today
            while day < stop:
                for slot in (1, 2):
                    temp = Decimal(f"36.{self.rng.randint(2, 9)}")
                    symptoms = []
                    if m == fever_measure and day == fever_day and slot == 2:
                        temp, symptoms = Decimal("38.2"), ["fever", "cough"]
                    checks.append(
                        DailyCheck(
                            client_id=uuid.UUID(int=self.rng.getrandbits(128)),
                            measure=m,
                            on_date=day,
                            slot=slot,
                            temperature=temp,
                            symptoms=symptoms,
                            present=True,
                            abnormal=bool(symptoms),
                            checked_by=self.admin,
                            checked_at=_at(day, 8 if slot == 1 else 17, self.rng.randint(0, 59)),
                            path=m.path,
                        )
                    )
                last_done = day
                day += timedelta(days=1)
            through[m.pk] = last_done
        DailyCheck.objects.bulk_create(checks, batch_size=2000)
        for m in actives:
            m.checked_through = through[m.pk]
        Measure.objects.bulk_update(actives, ["checked_through"], batch_size=500)
        if fever_measure is not None:
            check = DailyCheck.objects.get(measure=fever_measure, on_date=fever_day, slot=2)
            escalations.escalate(
                measure=fever_measure,
                kind=EscalationKind.FEVER,
                detail=f"{check.temperature} °C · " + _symptom_words(["fever", "cough"]),
                check=check,
            )
        # Services for people under quarantine.
        confined = [m for m in actives if m.confining][:12]
        staff = {}
        requests = []
        kinds = [ServiceKind.GROCERIES, ServiceKind.MEDICINE, ServiceKind.RUBBISH, ServiceKind.MEDICAL_VISIT]
        details = {
            ServiceKind.GROCERIES: "米、面、蔬菜",
            ServiceKind.MEDICINE: "降压药（硝苯地平）",
            ServiceKind.RUBBISH: "生活垃圾清运",
            ServiceKind.MEDICAL_VISIT: "孕检预约，需闭环转运",
        }
        now = timezone.now()
        for i, m in enumerate(confined):
            village_path = "/".join(m.path.strip("/").split("/")[:3])
            if village_path not in staff:
                staff[village_path] = (
                    StaffMember.objects.filter(path__startswith=f"/{village_path}/", is_active=True)
                    .order_by("id")
                    .first()
                )
            kind = kinds[i % len(kinds)]
            state = (ServiceStatus.OPEN, ServiceStatus.ASSIGNED, ServiceStatus.DONE)[i % 3]
            raised = now - timedelta(hours=2 + i * 3)
            requests.append(
                ServiceRequest(
                    client_id=uuid.UUID(int=self.rng.getrandbits(128)),
                    measure=m,
                    kind=kind,
                    detail=details[kind],
                    raised_by_person=i % 2 == 0,
                    raised_by=self.admin,
                    raised_at=raised,
                    status=state,
                    assigned_to=staff[village_path] if state != ServiceStatus.OPEN else None,
                    assigned_at=raised + timedelta(minutes=20) if state != ServiceStatus.OPEN else None,
                    done_at=raised + timedelta(hours=1, minutes=30) if state == ServiceStatus.DONE else None,
                    done_by=self.admin if state == ServiceStatus.DONE else None,
                    outcome="已送达" if state == ServiceStatus.DONE else "",
                    path=m.path,
                )
            )
        ServiceRequest.objects.bulk_create(requests)
        self.summary.update(daily_checks=len(checks), service_requests=len(requests))

    def release(self) -> None:
        released = 0
        for m in self.to_release:
            m.refresh_from_db()
            if services.release_check(m, today=self.today).ok:
                services.release_measure(actor=self.decider_for(m), measure=m, note="期满，核酸均为阴性")
                released += 1
        self.summary["released"] = released

    # ------------------------------------------------------------------------------ tests due

    def reschedule_tests(self) -> None:
        """Measures moved back in time: their tests now in the past leave testing, the others go
        to the key-people round of their own day; rounds left empty are removed."""
        from wangge.testing import counters
        from wangge.testing.models import Due, DueSource, Round, RoundKind

        rounds = {r.pk: r for r in Round.objects.filter(kind=RoundKind.KEY_PEOPLE)}
        stale = []
        for t in MeasureTest.objects.filter(due__isnull=False).select_related("due", "measure"):
            rnd = rounds.get(t.due.round_id)
            if (
                t.measure.status != MeasureStatus.ACTIVE
                or t.result
                or rnd is None
                or timezone.localtime(rnd.starts_at).date() != t.on_date
            ):
                t.due = None
                stale.append(t)
        MeasureTest.objects.bulk_update(stale, ["due"], batch_size=1000)
        kept = set(MeasureTest.objects.filter(due__isnull=False).values_list("due_id", flat=True))
        Due.objects.filter(source=DueSource.MEASURE, round_id__in=rounds).exclude(pk__in=kept).delete()
        services.schedule_tests(list(Measure.objects.filter(status=MeasureStatus.ACTIVE)), today=self.today)
        for rnd in Round.objects.filter(kind=RoundKind.KEY_PEOPLE):
            if not Due.objects.filter(round=rnd).exists():
                rnd.delete()
            else:
                counters.rebuild(rnd.pk)
        self.summary["key_people_rounds"] = Round.objects.filter(kind=RoundKind.KEY_PEOPLE).count()


def build_screening_demo(*, seed: int) -> ScreeningDemo:
    demo = ScreeningDemo(seed=seed)
    demo.build()
    return demo


def _symptom_words(codes: list[str]) -> str:
    """Symptoms as the daily check stores them in a finding: in the platform's language."""
    from django.conf import settings
    from django.utils import translation

    from wangge.screening.models import Symptom

    with translation.override(settings.LANGUAGE_CODE):
        return "、".join(str(Symptom(c).label) for c in codes)
