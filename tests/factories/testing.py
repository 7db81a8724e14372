"""Testing rounds: a district round, built and open, with a site and registered people."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from tests.factories.accounts import make_user
from tests.factories.registry import testing_rid
from wangge.core.access import SYSTEM
from wangge.registry import services as registry
from wangge.testing.models import RoundStatus, Site
from wangge.testing.rounds import services as testing_services


@dataclass
class TestingSetup:
    """A round over the whole district, built and open, with one site in 冢刘村 serving grids A and
    B (two tables), and people: 12 in grid A (building 甲楼, units 1-2, floors 1-3), 6 in grid B,
    3 in the other office's grid."""

    __test__ = False  # a data class, not a test class

    round: object
    site: object
    people_a: list
    people_b: list
    people_other: list
    registrar: object  # sampling_registrar of 冢刘村
    manager: object  # district admin
    lab: object  # lab account of the district


def make_testing(world, admin_user) -> TestingSetup:
    """What the `testing` fixture (tests/conftest.py) holds."""
    n = 0

    def people_in(grid, count, building_name, units=("1",)):
        nonlocal n
        building = registry.create_building(actor=SYSTEM, grid=grid, name=building_name)
        out = []
        for i in range(count):
            unit = units[i % len(units)]
            floor = 1 + (i // len(units)) % 3
            room = registry.get_or_create_room(
                actor=SYSTEM, building=building, number=f"{floor}0{i}", unit_label=unit, floor=floor
            )
            household = registry.create_household(actor=SYSTEM, room=room)
            n += 1
            out.append(
                registry.register_person(
                    actor=SYSTEM,
                    household=household,
                    name=f"测试{n:02d}",
                    id_type="resident_id",
                    id_number=testing_rid(n),
                    phone=f"138{n:08d}",
                )
            )
        return out

    people_a = people_in(world.grid_a, 12, "甲楼", units=("1", "2"))
    people_b = people_in(world.grid_b, 6, "乙楼")
    people_other = people_in(world.other_grid, 3, "丙楼")
    now = timezone.now()
    rnd = testing_services.create_round(
        actor=admin_user,
        name="第一轮全员核酸",
        owner=world.district,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=12),
        areas=[(world.office, 10), (world.other_office, 20)],
    )
    testing_services.build_population(actor=admin_user, round=rnd)
    site = Site.objects.create(
        round=rnd,
        name="冢刘村文化广场",
        unit=world.village,
        path=world.village.path,
        tables=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=10),
    )
    site.grids.set([world.grid_a, world.grid_b])
    testing_services.set_status(actor=admin_user, round=rnd, status=RoundStatus.OPEN)
    rnd.refresh_from_db()
    registrar = make_user("registrar", world.village, "sampling_registrar")
    lab = make_user("lab", world.district, "lab")
    return TestingSetup(rnd, site, people_a, people_b, people_other, registrar, admin_user, lab)


def receive_at_lab(actor, *tubes, code: str = "") -> object:
    """Pack these sealed tubes (of one site) into a box and hand it over to the transporter, then to
    the lab: the tubes are received and may have results."""
    from wangge.testing.transport import services as transport

    site = tubes[0].site
    box = transport.create_box(actor=actor, site=site, code=code or f"BOX-{tubes[0].barcode}")
    transport.add_tubes(actor=actor, box=box, barcodes=[tube.barcode for tube in tubes])
    at = timezone.now()
    transport.handover(
        actor=actor, box=box, stage="site_to_transport", at=at, from_name="登记员", to_name="转运员"
    )
    transport.handover(
        actor=actor, box=box, stage="transport_to_lab", at=at, from_name="转运员", to_name="收样员"
    )
    box.refresh_from_db()
    return box
