"""Gatherings: the accounts of the chain (a grid leader of grid A who reports and supervises, a
village cadre of 冢刘村 who files and forwards, an office leader of 郑港 who approves, the
district administrator) and gatherings reported on the public form."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from tests.factories.accounts import make_user
from tests.factories.registry import rid
from wangge.core.access import PUBLIC_ACTOR
from wangge.gatherings.models import GatheringKind
from wangge.gatherings.reports import services
from wangge.gatherings.reports.services import MealIn


@dataclass
class GatheringsSetup:
    leader: object
    cadre: object
    office: object
    district: object
    outsider: object


def make_gatherings(world) -> GatheringsSetup:
    return GatheringsSetup(
        leader=make_user("g_leader_a", world.grid_a, "grid_leader"),
        cadre=make_user("g_cadre", world.village, "village_cadre"),
        office=make_user("g_office", world.office, "office_leader"),
        district=make_user("g_district", world.district, "district_admin"),
        outsider=make_user("g_outsider", world.other_office, "office_leader"),
    )


def kind(code: str) -> GatheringKind:
    return GatheringKind.objects.get(code=code)


def family_report(
    world, kind_code="wedding", diners=80, days_ahead=10, token=None, plan="桌距1米，入场扫码测温", **kw
):
    """A gathering reported by the family on the public form, for 冢刘村."""
    starts = timezone.localdate() + timedelta(days=days_ahead)
    values = {
        "actor": PUBLIC_ACTOR, "client_token": token or uuid.uuid4(), "kind": kind(kind_code),
        "host_name": "办喜事", "host_id_number": rid(901), "host_phone": "13912345678", "unit": world.village,
        "address": "冢刘村三组8号", "starts_on": starts, "ends_on": starts,
        "meals": [MealIn(on=starts, diners=diners, tables=max(1, diners // 10), label="午宴")], "plan": plan,
    }  # fmt: skip
    values.update(kw)
    return services.submit(**values)
