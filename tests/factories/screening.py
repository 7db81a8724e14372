"""Screening and measures: registry people with risk areas and the accounts that screen, decide and
approve; a measure proposed or in force; a daily check."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from tests.factories.accounts import make_user
from tests.factories.registry import testing_rid
from wangge.core.access import SYSTEM
from wangge.registry import services as registry
from wangge.screening.followup import services as followup
from wangge.screening.intake import services as intake
from wangge.screening.measures import services
from wangge.screening.models import Measure, MeasurePhase, MeasureTest, RiskArea


@dataclass
class ScreeningSetup:
    """Registry people in grid A (4), grid B (2) and the other office (1); a high-risk area
    (北京市朝阳区) and a medium-risk one (上海市浦东新区) listed since 10 days ago; accounts: a grid
    leader of A (screens, follows up), a village cadre of 冢刘村 (decides), an office leader of 郑港
    (approves) and a second office leader (approves what the first decided)."""

    people_a: list
    people_b: list
    people_other: list
    high_area: object
    medium_area: object
    grid_leader: object
    cadre: object
    approver: object
    approver2: object


def make_screening(world) -> ScreeningSetup:
    """What the `screening` fixture (tests/conftest.py) holds."""
    n = 500

    def people_in(grid, count, building_name):
        nonlocal n
        building = registry.create_building(actor=SYSTEM, grid=grid, name=building_name)
        out = []
        for i in range(count):
            room = registry.get_or_create_room(
                actor=SYSTEM, building=building, number=f"10{i}", unit_label="1"
            )
            household = registry.create_household(actor=SYSTEM, room=room)
            n += 1
            out.append(
                registry.register_person(
                    actor=SYSTEM,
                    household=household,
                    name=f"摸排{n:03d}",
                    id_type="resident_id",
                    id_number=testing_rid(n),
                    phone=f"137{n:08d}",
                )
            )
        return out

    today = timezone.localdate()
    high = RiskArea.objects.create(
        province="北京市", city="北京市", county="朝阳区", level="high", valid_from=today - timedelta(days=10)
    )
    medium = RiskArea.objects.create(
        province="上海市",
        city="上海市",
        county="浦东新区",
        level="medium",
        valid_from=today - timedelta(days=10),
    )
    return ScreeningSetup(
        people_a=people_in(world.grid_a, 4, "摸排甲楼"),
        people_b=people_in(world.grid_b, 2, "摸排乙楼"),
        people_other=people_in(world.other_grid, 1, "摸排丙楼"),
        high_area=high,
        medium_area=medium,
        grid_leader=make_user("screen_leader_a", world.grid_a, "grid_leader"),
        cadre=make_user("screen_cadre", world.village, "village_cadre"),
        approver=make_user("screen_approver", world.office, "office_leader"),
        approver2=make_user("screen_approver2", world.office, "office_leader"),
    )


# --- measures ---------------------------------------------------------------------------------


def proposed(screening, person=None):
    person = person or screening.people_a[0]
    report = intake.Report(
        name=person.name,
        id_number=person.id_number,
        came_from="北京市朝阳区",
        arrival_date=timezone.localdate(),
    )
    return intake.screen_one(actor=screening.grid_leader, source="door_to_door", report=report).measure


def in_force(screening, n=0, days_ago=0):
    """A 7+3 measure in force on person n of grid A, started `days_ago` days ago (no check yet)."""
    person = screening.people_a[n]
    report = intake.Report(
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        came_from="北京市朝阳区望京街道",
        arrival_date=timezone.localdate(),
    )
    measure = intake.screen_one(actor=screening.grid_leader, source="door_to_door", report=report).measure
    services.decide_measure(actor=screening.cadre, measure=measure)
    measure = services.approve_measure(actor=screening.approver, measure=measure)
    if days_ago:
        shift = timedelta(days=days_ago)
        Measure.objects.filter(pk=measure.pk).update(
            starts_on=F("starts_on") - shift,
            ends_on=F("ends_on") - shift,
            checked_through=F("starts_on") - shift - timedelta(days=1),
        )
        MeasurePhase.objects.filter(measure=measure).update(
            starts_on=F("starts_on") - shift, ends_on=F("ends_on") - shift
        )
        MeasureTest.objects.filter(measure=measure).update(on_date=F("on_date") - shift)
        measure.refresh_from_db()
    return measure


def check(screening, measure, on, slot, **kw):
    kw.setdefault("temperature", "36.5")
    return followup.record_check(
        actor=screening.grid_leader,
        measure=measure,
        on_date=on,
        slot=slot,
        symptoms=kw.pop("symptoms", []),
        present=kw.pop("present", True),
        note=kw.pop("note", ""),
        client_id=kw.pop("client_id", uuid.uuid4()),
        **kw,
    )
