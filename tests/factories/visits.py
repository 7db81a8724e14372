"""Households to visit and visits to record, for the tests of the visit flow and the phone lists."""

from datetime import timedelta
from itertools import count

from django.utils import timezone
from stdnum.cn import ric

from wangge.core.access import SYSTEM
from wangge.registry import services as registry
from wangge.registry.models import Building, Visit
from wangge.registry.visits import services as visits

_seq = count(500)


def new_id() -> str:
    body = f"11010519850606{next(_seq) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_household(grid, building_name, number, head_name=None, phone=""):
    building = Building.objects.filter(grid=grid, name=building_name).first() or registry.create_building(
        actor=SYSTEM, grid=grid, name=building_name
    )
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number=number)
    household = registry.create_household(actor=SYSTEM, room=room)
    if head_name:
        registry.register_person(
            actor=SYSTEM,
            household=household,
            name=head_name,
            id_type="resident_id",
            id_number=new_id(),
            relation="head",
            phone=phone,
        )
        household.refresh_from_db()
    return household


def visit(household=None, rental=None, days_ago=0, **kw):
    v = visits.record_visit(
        actor=SYSTEM,
        household=household,
        rental=rental,
        outcome=kw.pop("outcome", "met"),
        visitor_name="走访员",
        **kw,
    )
    Visit.objects.filter(pk=v.pk).update(visited_at=timezone.now() - timedelta(days=days_ago))
    return v
