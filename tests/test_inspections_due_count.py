"""The home's "venues due" count: the same venues as the due list, in one query, capped."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.inspections import all_kinds, make_order, make_venue
from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.campaigns.selectors import due_count, due_for_inspection
from wangge.inspections.models import Inspection, VenueWatch
from wangge.venues.models import VenueStatus

pytestmark = pytest.mark.django_db


def _inspected(venue, on: date) -> None:
    from wangge.inspections.inspecting.services import start_inspection

    i = start_inspection(actor=SYSTEM, venue=venue, check_data=False)
    Inspection.objects.filter(pk=i.pk).update(on_date=on)


def test_due_count_agrees_with_the_due_list(world):
    all_kinds()
    today = date(2022, 4, 20)
    never = make_venue(world.grid_a, "hotel", "从未督查")
    fresh_hotel = make_venue(world.grid_a, "hotel", "刚查过的酒店")
    _inspected(fresh_hotel, today - timedelta(days=3))
    old_hotel = make_venue(world.grid_a, "hotel", "久未督查的酒店")
    _inspected(old_hotel, today - timedelta(days=8))
    risky = make_venue(world.grid_a, "restaurant", "高风险饭店", risk_level="high")
    _inspected(risky, today - timedelta(days=8))  # every 7 days at high risk: due
    low = make_venue(world.grid_a, "restaurant", "低风险饭店", risk_level="low")
    _inspected(low, today - timedelta(days=8))  # every 14 days: not due
    watched = make_venue(world.grid_a, "enterprise", "重点关注企业")
    _inspected(watched, today - timedelta(days=16))  # every 30, halved when watched: due
    VenueWatch.objects.create(venue=watched, failures=2, flagged_at="2022-04-01T00:00:00Z")
    other = make_venue(world.grid_a, "enterprise", "普通企业")
    _inspected(other, today - timedelta(days=16))  # not due
    with_order = make_order(world.grid_a, make_venue(world.grid_a, "hotel", "有整改的酒店"))
    _inspected(with_order.venue, today)  # inspected today, but an open order: listed first
    closed = make_venue(world.grid_a, "hotel", "已关闭")
    closed.status = VenueStatus.CLOSED
    closed.save()
    foreign = make_venue(world.grid_b, "hotel", "乙格酒店")

    from tests.factories.accounts import make_user

    scope = scope_of(make_user("leader_a2", world.grid_a, "grid_leader"))
    listed = {d.venue.pk for d in due_for_inspection(scope, on=today)}
    assert listed == {never.pk, old_hotel.pk, risky.pk, watched.pk, with_order.venue_id}
    assert due_count(scope, on=today) == len(listed)
    assert foreign.pk not in listed
    district = scope_of(SYSTEM)
    assert due_count(district, on=today) == len(due_for_inspection(district, on=today)) == len(listed) + 1
    with CaptureQueriesContext(connection) as queries:
        due_count(district, on=today)
    assert len(queries.captured_queries) == 1
    assert due_count(district, on=today, cap=2) == 2
