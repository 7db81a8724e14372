import os
from dataclasses import dataclass

import pytest

from tests.factories import StaffFactory, make_unit, make_user
from wangge.core.access import SYSTEM
from wangge.org.models import Level, OrgUnit

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The settings keep database connections for WANGGE_CONN_MAX_AGE seconds. In a long run a
# connection gets older than that, and a response closed late (a streamed export) fires
# close_old_connections, which closes it in the middle of a test: the test's transaction is gone
# and what follows runs in autocommit and leaks into later tests. Tests keep their connection.
from django.conf import settings as _django_settings  # noqa: E402

for _db in _django_settings.DATABASES.values():
    _db["CONN_MAX_AGE"] = None


@pytest.fixture(autouse=True, scope="session")
def _connections_never_age(django_db_setup, django_db_blocker):
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close_at = None


@dataclass
class World:
    """A district with two offices; office 1 has a village with two grids (A and B)."""

    district: OrgUnit
    office: OrgUnit
    other_office: OrgUnit
    village: OrgUnit
    workstation: OrgUnit
    grid_a: OrgUnit
    grid_b: OrgUnit
    other_village: OrgUnit
    other_grid: OrgUnit


@pytest.fixture
def world(db) -> World:
    district = make_unit(None, Level.DISTRICT, "航空港区", "D")
    office = make_unit(district, Level.OFFICE, "郑港办事处", "D-ZG")
    other_office = make_unit(district, Level.OFFICE, "张庄办事处", "D-ZZ")
    village = make_unit(office, Level.VILLAGE, "冢刘村", "D-ZG-ZL")
    workstation = make_unit(village, Level.WORKSTATION, "第一工作站", "D-ZG-ZL-W1")
    grid_a = make_unit(workstation, Level.GRID, "甲网格", "D-ZG-ZL-W1-A")
    grid_b = make_unit(workstation, Level.GRID, "乙网格", "D-ZG-ZL-W1-B")
    other_village = make_unit(other_office, Level.VILLAGE, "张庄村", "D-ZZ-ZZ")
    other_grid = make_unit(other_village, Level.GRID, "丙网格", "D-ZZ-ZZ-C")
    return World(
        district, office, other_office, village, workstation, grid_a, grid_b, other_village, other_grid
    )


@pytest.fixture
def admin_user(world):
    return make_user("district_admin", world.district, "district_admin")


@pytest.fixture
def office_leader(world):
    return make_user("office_leader", world.office, "office_leader")


@pytest.fixture
def grid_leader_a(world):
    return make_user("leader_a", world.grid_a, "grid_leader")


@pytest.fixture
def staff_factory():
    return StaffFactory


@pytest.fixture(autouse=True)
def _english_messages(request, settings):
    """Tests read messages in English unless they are about the default language (marker
    `chinese_default`): the catalogue may reword Chinese freely without breaking them."""
    from django.utils import translation

    if request.node.get_closest_marker("chinese_default"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# --- testing rounds ---------------------------------------------------------------------------


@dataclass
class TestingSetup:
    """A round over the whole district, built and open, with one site in 冢刘村 serving grids A and
    B (two tables), and people: 12 in grid A (building 甲楼, units 1-2, floors 1-3), 6 in grid B,
    3 in the other office's grid."""

    round: object
    site: object
    people_a: list
    people_b: list
    people_other: list
    registrar: object  # sampling_registrar of 冢刘村
    manager: object  # district admin
    lab: object  # lab account of the district


def testing_rid(n: int) -> str:
    from stdnum.cn import ric

    body = f"41018419900101{n:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def testing(world, admin_user) -> TestingSetup:
    from datetime import timedelta

    from django.utils import timezone

    from wangge.registry import services as registry
    from wangge.testing import services as testing_services
    from wangge.testing.models import RoundStatus, Site

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


# --- screening and measures -------------------------------------------------------------------


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


@pytest.fixture
def screening(world) -> ScreeningSetup:
    from datetime import timedelta

    from django.utils import timezone

    from wangge.registry import services as registry
    from wangge.screening.models import RiskArea

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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached tokens live in the cache: each test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
