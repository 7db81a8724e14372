"""Org units. Units go through the real service so paths are always right."""

import itertools
from dataclasses import dataclass

from wangge.core.access import SYSTEM
from wangge.org import services as org_services
from wangge.org.models import Level, OrgUnit

_codes = itertools.count(1)


def make_unit(
    parent: OrgUnit | None, level: int, name: str | None = None, code: str | None = None
) -> OrgUnit:
    n = next(_codes)
    return org_services.create_unit(
        actor=SYSTEM,
        parent=parent,
        level=level,
        code=code or f"T{n:05d}",
        name=name or f"{Level(level).label} {n}",
    )


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


def make_world() -> World:
    """The tree behind the `world` fixture (tests/conftest.py)."""
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
