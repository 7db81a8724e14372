import os
from dataclasses import dataclass

import pytest

from tests.factories import StaffFactory, make_unit, make_user
from wangge.org.models import Level, OrgUnit

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
