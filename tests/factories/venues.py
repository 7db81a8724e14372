"""Venues: a venue in a grid (through the service), a registry shop, a venue account, valid and
wrong unified social credit codes."""

from __future__ import annotations

from stdnum.cn import uscc

from wangge.core.access import SYSTEM
from wangge.registry import services as registry
from wangge.registry.models import Rental
from wangge.venues.models import VenueKind
from wangge.venues.own import services as own_services
from wangge.venues.places import services as places


def uscc_code(seed: int) -> str:
    """A valid 统一社会信用代码 (91 + Zhengzhou's area code + an organisation code)."""
    body = f"91410100MA{seed:06d}"
    for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        candidate = body + ch
        code = candidate + uscc.calc_check_digit(candidate)
        if uscc.is_valid(code):
            return code
    raise AssertionError(body)


def wrong_check(code: str) -> str:
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


def kind(code: str) -> VenueKind:
    return VenueKind.objects.get(code=code)


def make_venue(grid, name: str = "测试酒店", kind_code: str = "hotel", **kw):
    return places.create_venue(actor=SYSTEM, kind=kind(kind_code), grid=grid, name=name, **kw)


def make_shop(grid, name: str = "沿街小超市", seed: int = 900) -> Rental:
    from tests.factories.registry import rid

    building = registry.create_building(actor=SYSTEM, grid=grid, name=f"{name}楼", address=f"{name}路1号")
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101")
    household = registry.create_household(actor=SYSTEM, room=room)
    landlord = registry.register_person(
        actor=SYSTEM,
        household=household,
        name="房东甲",
        id_type="resident_id",
        id_number=rid(seed),
        relation="head",
    )
    return Rental.objects.create(
        kind="shop", building=building, room=room, name=name, address=f"{name}路1号", landlord=landlord,
        manager_name="店长乙", manager_phone="13800001111", path=building.path,
    )  # fmt: skip


def make_venue_account(venue, phone: str = "13912345678"):
    """(user, password) of the venue's own account."""
    link, password = own_services.create_venue_account(actor=SYSTEM, venue=venue, phone=phone)
    return link.user, password
