"""Venue kinds and venues made directly (the venues part's own services are built elsewhere),
inspectors, and a campaign ready to answer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from tests.factories.accounts import make_user
from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.campaigns.services import create_campaign
from wangge.inspections.models import Campaign
from wangge.org.models import OrgUnit
from wangge.roster.models import Department, DepartmentKind, StaffMember
from wangge.venues.models import Venue, VenueKind

KINDS = [
    ("hotel", "酒店", "hotel", 10),
    ("restaurant", "饭店", "restaurant", 20),
    ("supermarket", "超市", "supermarket", 30),
    ("market", "农贸市场", "market", 35),
    ("middle_school", "中学", "middle school", 40),
    ("primary_school", "小学", "primary school", 50),
    ("kindergarten", "幼儿园", "kindergarten", 60),
    ("enterprise", "企业", "enterprise", 70),
    ("street_shop", "临街门店", "street shop", 80),
    ("construction_site", "建筑工地", "construction site", 90),
    ("clinic", "诊所药店", "clinic", 100),
    ("internet_cafe", "网吧", "internet café", 110),
]
_n = itertools.count(1)


def kind(code: str) -> VenueKind:
    for c, name, name_en, order in KINDS:
        if c == code:
            k, _ = VenueKind.objects.get_or_create(
                code=c,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "order": order,
                    "keeps_visitor_register": c.endswith("school") or c == "kindergarten",
                },
            )
            return k
    raise KeyError(code)


def all_kinds() -> list[VenueKind]:
    return [kind(c) for c, *_rest in KINDS]


def make_venue(grid: OrgUnit, code: str = "hotel", name: str | None = None, **extra) -> Venue:
    k = kind(code)
    return Venue.objects.create(
        kind=k,
        grid=grid,
        path=grid.path,
        name=name or f"{k.name}{next(_n)}",
        responsible_name=extra.pop("responsible_name", "王经理"),
        responsible_phone=extra.pop("responsible_phone", "13800138000"),
        **extra,
    )


def make_department(unit: OrgUnit, dkind: str, name: str) -> Department:
    d, _ = Department.objects.get_or_create(unit=unit, name=name, defaults={"kind": dkind, "path": unit.path})
    return d


def make_staff(unit: OrgUnit, name: str, department: Department | None = None) -> StaffMember:
    return StaffMember.objects.create(unit=unit, path=unit.path, name=name, department=department)


@dataclass
class InspectionSetup:
    inspector: object
    leader: object
    venues: list[Venue]
    campaign: Campaign
    foreign_venue: Venue


# The page's own campaign: 2 hotels, 3 restaurants, 2 supermarkets, 1 middle and 1 primary school.
PAGE_MIX = ["hotel", "hotel", "restaurant", "restaurant", "restaurant", "supermarket", "supermarket",
            "middle_school", "primary_school"]  # fmt: skip


def make_inspections(world, mix: list[str] | None = None, on: date | None = None) -> InspectionSetup:
    all_kinds()
    inspector = make_user("inspector", world.office, "department_staff")
    leader = make_user("team_leader", world.office, "office_leader")
    venues = [
        make_venue(world.grid_a if i % 2 == 0 else world.grid_b, code)
        for i, code in enumerate(mix or PAGE_MIX)
    ]
    foreign = make_venue(world.other_grid, "hotel", "外办酒店")
    supervision = make_department(world.office, DepartmentKind.SUPERVISION, "督查办")
    market = make_department(world.office, DepartmentKind.MARKET_REGULATION, "市场监管所")
    staff = make_staff(world.office, "张组长", supervision)
    campaign = create_campaign(
        actor=SYSTEM,
        scope=scope_of(SYSTEM),
        unit=world.office,
        name="3月29日督查",
        on_date=on or date(2022, 3, 29),
        venues=venues,
        departments=[supervision, market],
        leader=staff,
        leader_account=leader,
    )
    return InspectionSetup(inspector, leader, venues, campaign, foreign)


def jpeg_bytes(width: int = 64, height: int = 48, exif: bool = False) -> bytes:
    import io

    from PIL import Image

    img = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS
        img.save(out, "JPEG", exif=data)
    else:
        img.save(out, "JPEG")
    return out.getvalue()


def photograph_failures(inspection, actor, fail: tuple) -> None:
    """A photo for each failed item that needs one (before the submission)."""
    import uuid

    from wangge.inspections.inspecting.photos import add_photo

    for a in inspection.answers.filter(text__in=fail, photo_on_fail=True):
        add_photo(actor=actor, answer=a, client_id=uuid.uuid4(), data=jpeg_bytes())


def foreign_inspections_records(world):
    """Inspection records in grid B (foreign to an account of grid A): a venue, a campaign over
    it, its inspection with a photo, a rectification order and a disinfection plan. Returns
    (values by URL parameter name, markers that must never show)."""
    import uuid

    from wangge.inspections.disinfection.services import create_plan
    from wangge.inspections.models import Order, Photo
    from wangge.inspections.orders.services import issue_order

    all_kinds()
    venue = make_venue(world.grid_b, "hotel", "外格乙酒店")
    campaign = create_campaign(
        actor=SYSTEM, scope=scope_of(SYSTEM), unit=world.grid_b, name="外格乙督查活动",
        on_date=date(2022, 3, 29), venues=[venue],
    )  # fmt: skip
    inspection = campaign.inspections.get()
    answer = inspection.answers.first()
    answer.result, answer.note = "fail", "外格乙问题"
    answer.save()
    photo = Photo.objects.create(client_id=uuid.uuid4(), answer=answer, file="inspections/missing.jpg")
    order: Order = issue_order(actor=SYSTEM, inspection=inspection, what="外格乙整改")
    plan = create_plan(
        actor=SYSTEM, scope=scope_of(SYSTEM), unit=world.grid_b, place="外格乙消杀点", every_days=1,
        starts_on=date(2022, 3, 1),
    )  # fmt: skip
    values = {
        "venue_id": venue.pk,
        "campaign_id": campaign.pk,
        "inspection_id": inspection.pk,
        "rectification_id": order.pk,
        "photo_id": photo.pk,
        "plan_id": plan.pk,
    }
    return values, ["外格乙酒店", "外格乙督查活动", "外格乙问题", "外格乙整改", "外格乙消杀点"]


def make_order(grid: OrgUnit, venue: Venue | None = None, what: str = "消杀记录不详", name: str = "督查活动"):
    """A failed inspection of a venue in `grid` (one item failed) and its rectification order."""
    from wangge.inspections.orders.services import issue_order

    all_kinds()
    venue = venue or make_venue(grid, "hotel")
    campaign = create_campaign(
        actor=SYSTEM, scope=scope_of(SYSTEM), unit=grid, name=name, on_date=date(2022, 3, 29), venues=[venue]
    )
    inspection = campaign.inspections.get(venue=venue)
    answer = inspection.answers.first()
    answer.result, answer.note = "fail", what
    answer.save()
    return issue_order(actor=SYSTEM, inspection=inspection, what=what)
