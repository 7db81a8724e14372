"""Someone moves house while a round is on: not yet sampled, they are due where they live now; out
of the round's areas, exempted with the move as the reason; into them, due; sampled rows stay.
Coverage counters equal a full recount after each move."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wangge.core.access import SYSTEM
from wangge.registry import services as registry
from wangge.testing import counters
from wangge.testing.models import Due, DueStatus, ExemptReason, RoundStatus
from wangge.testing.rounds import services as testing_services

pytestmark = pytest.mark.django_db


def household_in(grid, name, floor=3):
    building = registry.create_building(actor=SYSTEM, grid=grid, name=name)
    room = registry.get_or_create_room(
        actor=SYSTEM, building=building, number="301", unit_label="2", floor=floor
    )
    return registry.create_household(actor=SYSTEM, room=room)


def office_round(world, admin_user):
    """A second round over 郑港 only."""
    now = timezone.now()
    rnd = testing_services.create_round(
        actor=admin_user,
        name="郑港区域核酸",
        owner=world.office,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=12),
        areas=[(world.office, 5)],
    )
    testing_services.build_population(actor=admin_user, round=rnd)
    return rnd


def counters_match(*rounds):
    for rnd in rounds:
        assert counters.counted(rnd.pk) == counters.full_recount(rnd.pk)


def test_a_move_inside_the_round_makes_them_due_where_they_live_now(testing, world, admin_user):
    person = testing.people_a[0]
    new_home = household_in(world.grid_b, "新楼")
    registry.transfer_person(actor=admin_user, person=person, household=new_home)
    due = Due.objects.get(round=testing.round, person=person)
    assert (due.grid_id, due.path, due.status) == (world.grid_b.pk, world.grid_b.path, DueStatus.DUE)
    assert (due.building_id, due.unit_label, due.floor) == (new_home.room.building_id, "2", 3)
    counters_match(testing.round)
    by_grid = counters.counted(testing.round.pk)
    assert by_grid[world.grid_a.pk]["due"] == 11 and by_grid[world.grid_b.pk]["due"] == 7


def test_moving_out_of_a_rounds_areas_exempts_them_there_and_moving_in_makes_them_due(
    testing, world, admin_user
):
    local = office_round(world, admin_user)
    leaving, arriving = testing.people_a[1], testing.people_other[0]
    assert not Due.objects.filter(round=local, person=arriving).exists()

    registry.transfer_person(
        actor=admin_user, person=leaving, household=household_in(world.other_grid, "张庄楼")
    )
    registry.transfer_person(
        actor=admin_user, person=arriving, household=household_in(world.grid_a, "冢刘新楼")
    )

    gone = Due.objects.get(round=local, person=leaving)
    assert (gone.status, gone.exempt_reason, gone.grid_id) == (
        DueStatus.EXEMPT,
        ExemptReason.OTHER,
        world.grid_a.pk,
    )
    assert world.other_grid.name in gone.exempt_note
    came = Due.objects.get(round=local, person=arriving)
    assert (came.status, came.grid_id, came.pool_size, came.source) == (
        DueStatus.DUE,
        world.grid_a.pk,
        5,
        "area",
    )
    # The district round covers both offices: both are simply due where they live now.
    assert Due.objects.get(round=testing.round, person=leaving).grid_id == world.other_grid.pk
    assert Due.objects.get(round=testing.round, person=arriving).grid_id == world.grid_a.pk
    counters_match(testing.round, local)


def test_sampled_rows_and_closed_rounds_stay_where_they_were(testing, world, admin_user):
    person, other = testing.people_a[2], testing.people_a[3]
    sampled = Due.objects.get(round=testing.round, person=person)
    Due.objects.filter(pk=sampled.pk).update(status=DueStatus.TESTED, tested_at=timezone.now())
    counters.rebuild(testing.round.pk)
    registry.transfer_person(actor=admin_user, person=person, household=household_in(world.grid_b, "新楼"))
    sampled.refresh_from_db()
    assert (sampled.grid_id, sampled.status) == (world.grid_a.pk, DueStatus.TESTED)

    testing_services.set_status(actor=admin_user, round=testing.round, status=RoundStatus.CLOSED)
    registry.transfer_person(actor=admin_user, person=other, household=household_in(world.grid_b, "另一楼"))
    assert Due.objects.get(round=testing.round, person=other).grid_id == world.grid_a.pk
    counters_match(testing.round)


def test_a_building_rehung_under_another_grid_takes_its_people_due(testing, world, admin_user):
    building = testing.people_b[0].household.room.building
    registry.move_building(actor=admin_user, building=building, grid=world.grid_a)
    grids = set(Due.objects.filter(round=testing.round, building=building).values_list("grid_id", flat=True))
    assert grids == {world.grid_a.pk}
    counters_match(testing.round)


def test_someone_who_leaves_the_district_is_exempted_as_away_not_counted_missing(testing, admin_user):
    from wangge.audit.models import AuditEvent

    person, sampled = testing.people_a[4], testing.people_a[5]
    tested = Due.objects.get(round=testing.round, person=sampled)
    Due.objects.filter(pk=tested.pk).update(status=DueStatus.TESTED, tested_at=timezone.now())
    counters.rebuild(testing.round.pk)
    registry.record_departure(actor=admin_user, person=person, reason="回老家")
    registry.record_departure(actor=admin_user, person=sampled, reason="回老家")
    due = Due.objects.get(round=testing.round, person=person)
    assert (due.status, due.exempt_reason) == (DueStatus.EXEMPT, ExemptReason.AWAY)
    assert timezone.localdate().isoformat() in due.exempt_note
    assert Due.objects.get(pk=tested.pk).status == DueStatus.TESTED
    assert AuditEvent.objects.filter(model="testing.due", object_id=str(due.pk), action="update").exists()
    counters_match(testing.round)
