"""The page's own inspection campaign (督查活动) of 29 March 2022 in 清河办事处: 2 hotels,
3 restaurants, 2 supermarkets, 1 middle and 1 primary school; two venues' disinfection logs
incomplete (消杀记录不详), ordered to put it right at once; one re-inspected and closed.

Venues are found by kind in 清河's grids (the venues part's builder makes them); any missing
is made here, keyed by name, so that both builders combine in either order. Deterministic.
"""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import date

from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.campaigns.services import create_campaign
from wangge.inspections.campaigns.summary import summarise
from wangge.inspections.checklists.services import load_defaults
from wangge.inspections.inspecting import photos
from wangge.inspections.inspecting import services as inspecting
from wangge.inspections.models import Campaign, Order
from wangge.org.models import Level, OrgUnit
from wangge.roster.models import Department, DepartmentKind, StaffMember
from wangge.venues.models import Venue, VenueKind

ON = date(2022, 3, 29)
NAME = "清河办事处3月29日疫情防控督查"
FAIL = "消杀记录是否完整"
KINDS = {
    "hotel": ("酒店", "hotel", 10),
    "restaurant": ("饭店", "restaurant", 20),
    "supermarket": ("超市", "supermarket", 30),
    "middle_school": ("中学", "middle school", 40),
    "primary_school": ("小学", "primary school", 50),
}
# Used only when 清河 has no venue of the kind yet (the venues part's builder names its own).
NAMES = {
    "hotel": ["清河宾馆", "港区快捷酒店"],
    "restaurant": ["老家饭店", "清河大酒楼", "张记面馆"],
    "supermarket": ["万家福超市", "清河便民超市"],
    "middle_school": ["清河中学"],
    "primary_school": ["清河小学"],
}
MIX = ["hotel", "hotel", "restaurant", "restaurant", "restaurant", "supermarket", "supermarket",
       "middle_school", "primary_school"]  # fmt: skip
FAILING = (3, 5)  # the second restaurant and the first supermarket


@dataclass
class InspectionsDemo:
    seed: int
    summary: dict[str, int] = field(default_factory=dict)
    sentence: str = ""

    def build(self) -> None:
        rng = random.Random(self.seed + 15)
        office = (
            OrgUnit.objects.filter(code="GK-QH").first() or OrgUnit.objects.filter(name="清河办事处").first()
        )
        if office is None:
            return
        campaign = Campaign.objects.filter(unit=office, name=NAME).first()
        if campaign is None:
            campaign = self.campaign(office, rng)
        self.sentence = summarise(campaign).zh
        self.summary = {
            "inspection_campaigns": Campaign.objects.count(),
            "rectification_orders": Order.objects.filter(venue__path__startswith=office.path).count(),
        }

    def venues(self, office: OrgUnit, rng: random.Random) -> list[Venue]:
        grids = list(OrgUnit.objects.filter(path__startswith=office.path, level=Level.GRID).order_by("path"))
        chosen: list[Venue] = []
        for i, code in enumerate(MIX):
            zh, en, order = KINDS[code]
            kind, _made = VenueKind.objects.get_or_create(
                code=code, defaults={"name": zh, "name_en": en, "order": order}
            )
            found = (
                Venue.objects.filter(kind=kind, path__startswith=office.path)
                .exclude(pk__in=[v.pk for v in chosen])
                .order_by("path", "id")
                .first()
            )
            if found is None:
                name = NAMES[code][sum(1 for c in MIX[:i] if c == code)]
                grid = grids[rng.randrange(len(grids))]
                found, _made = Venue.objects.get_or_create(
                    name=name, kind=kind,
                    defaults={"grid": grid, "path": grid.path, "address": f"{grid.name}{name}",
                              "responsible_name": "负责人", "staff_count": rng.randint(5, 60)},
                )  # fmt: skip
            chosen.append(found)
        return chosen

    def campaign(self, office: OrgUnit, rng: random.Random) -> Campaign:
        load_defaults()
        venues = self.venues(office, rng)
        departments = [
            Department.objects.get_or_create(
                unit=office, name=name, defaults={"kind": kind, "path": office.path}
            )[0]
            for kind, name in (
                (DepartmentKind.SUPERVISION, "督查办"),
                (DepartmentKind.POLICE_STATION, "派出所"),
                (DepartmentKind.MARKET_REGULATION, "市场监管所"),
                (DepartmentKind.EDUCATION_HEALTH, "教文卫体办"),
                (DepartmentKind.DISCIPLINE, "纪工委"),
            )
        ]
        leader = StaffMember.objects.filter(
            unit=office, name="督查组组长"
        ).first() or StaffMember.objects.create(
            unit=office, path=office.path, name="督查组组长", department=departments[0]
        )
        # The team: the leader of 督查办 and one member of each of the other four departments.
        team = [leader] + [
            StaffMember.objects.filter(unit=office, name=f"{d.name}督查员").first()
            or StaffMember.objects.create(unit=office, path=office.path, name=f"{d.name}督查员", department=d)
            for d in departments[1:]
        ]
        campaign = create_campaign(
            actor=SYSTEM, scope=scope_of(SYSTEM), unit=office, name=NAME, on_date=ON, venues=venues,
            team=team, leader=leader,
        )  # fmt: skip
        scope = scope_of(SYSTEM)
        first_order = None
        for n, i in enumerate(campaign.inspections.order_by("id")):
            failing = n in FAILING
            for a in i.answers.all():
                bad = failing and a.text == FAIL
                if bad and a.photo_on_fail:
                    photos.add_photo(
                        actor=SYSTEM, answer=a, client_id=uuid.UUID(int=rng.getrandbits(128)), data=_photo()
                    )
                inspecting.answer_now(actor=SYSTEM, scope=scope, inspection=i, item_id=a.item_id,
                                      result="fail" if bad else "pass", note="消杀记录不详" if bad else "")  # fmt: skip
            inspecting.submit_now(actor=SYSTEM, scope=scope, inspection=i)
            inspecting.sign(actor=SYSTEM, inspection=i)
            if failing and first_order is None:
                first_order = Order.objects.get(inspection=i)
        if first_order is not None:
            re = inspecting.start_inspection(
                actor=SYSTEM, venue=first_order.venue, order=first_order, on=date(2022, 3, 30)
            )
            for a in re.answers.all():
                inspecting.answer_now(
                    actor=SYSTEM, scope=scope, inspection=re, item_id=a.item_id, result="pass"
                )
            inspecting.submit_now(actor=SYSTEM, scope=scope, inspection=re)
        return campaign


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 180, 170)).save(out, "JPEG")
    return out.getvalue()


def build_inspections_demo(*, seed: int) -> InspectionsDemo:
    demo = InspectionsDemo(seed=seed)
    demo.build()
    return demo
