"""Someone under a measure moves house: the open measure and everything on it go to the new grid's
team, the tests still to be sampled become due in the new office's key-people round (coverage
counters kept right), and what was already closed stays with the old grid."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from tests.factories import make_user
from tests.factories.screening import check, in_force
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.registry import services as registry
from wangge.registry.people.dedupe import merge_people
from wangge.screening.followup import selectors as followup_selectors
from wangge.screening.followup import services as followup
from wangge.screening.intake import services as intake
from wangge.screening.models import (
    DailyCheck,
    Measure,
    MeasureStatus,
    MeasureTest,
    ScreeningRecord,
    ScreeningStatus,
    ServiceRequest,
)
from wangge.testing import counters
from wangge.testing.models import Due, DueStatus, Round, RoundKind

pytestmark = pytest.mark.django_db


def household_in(grid, name):
    building = registry.create_building(actor=SYSTEM, grid=grid, name=name)
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101", unit_label="1")
    return registry.create_household(actor=SYSTEM, room=room)


def counters_match(round_ids):
    for round_id in round_ids:
        assert counters.counted(round_id) == counters.full_recount(round_id)


def test_a_move_within_the_office_takes_the_open_measure_to_the_new_grid(screening, world):
    measure = in_force(screening)
    person = measure.person
    check(screening, measure, timezone.localdate(), 1)
    request = followup.raise_request(actor=screening.grid_leader, measure=measure, kind="groceries")
    before = {t.pk: t.due_id for t in measure.tests.all()}
    assert all(before.values())
    rounds = set(Due.objects.filter(pk__in=before.values()).values_list("round_id", flat=True))

    registry.transfer_person(
        actor=make_user("mover", world.office, "office_leader"),
        person=person,
        household=household_in(world.grid_b, "新家楼"),
    )

    measure.refresh_from_db()
    assert (measure.grid_id, measure.path) == (world.grid_b.pk, world.grid_b.path)
    assert measure.status == MeasureStatus.ACTIVE
    assert set(MeasureTest.objects.filter(measure=measure).values_list("path", flat=True)) == {
        world.grid_b.path
    }
    assert DailyCheck.objects.get(measure=measure).path == world.grid_b.path
    assert ServiceRequest.objects.get(pk=request.pk).path == world.grid_b.path
    dues = Due.objects.filter(pk__in=MeasureTest.objects.filter(measure=measure).values("due_id"))
    assert dues.count() == len(before)
    assert set(dues.values_list("grid_id", flat=True)) == {world.grid_b.pk}
    assert not Due.objects.filter(person=person, grid=world.grid_a).exists()
    counters_match(rounds)
    assert AuditEvent.objects.filter(
        action=Action.MOVE, model="screening.measure", object_id=str(measure.pk)
    ).exists()

    # the old grid's leader no longer answers for them; the new grid's does
    with pytest.raises(Http404):
        followup_selectors.get_measure(scope_of(screening.grid_leader), measure.pk)
    leader_b = make_user("screen_leader_b", world.grid_b, "grid_leader")
    assert followup_selectors.get_measure(scope_of(leader_b), measure.pk) == measure
    check_b = followup.record_check(
        actor=leader_b,
        measure=measure,
        on_date=timezone.localdate(),
        slot=2,
        temperature="36.6",
        symptoms=[],
        present=True,
        note="",
        client_id=uuid.uuid4(),
    )
    assert check_b.path == world.grid_b.path


def test_a_move_to_another_office_makes_the_tests_due_in_that_offices_round(screening, world):
    measure = in_force(screening)
    old_rounds = set(Round.objects.filter(kind=RoundKind.KEY_PEOPLE).values_list("pk", flat=True))
    registry.transfer_person(
        actor=make_user("district_mover", world.district, "district_admin"),
        person=measure.person,
        household=household_in(world.other_grid, "外办楼"),
    )
    dues = list(Due.objects.filter(pk__in=MeasureTest.objects.filter(measure=measure).values("due_id")))
    assert dues and {d.round.owner_id for d in dues} == {world.other_office.pk}
    assert all(d.home_sampling and d.status == DueStatus.DUE for d in dues)
    assert not Due.objects.filter(round_id__in=old_rounds, person=measure.person).exists()
    counters_match(set(Round.objects.filter(kind=RoundKind.KEY_PEOPLE).values_list("pk", flat=True)))


def test_a_sampled_test_keeps_its_due_and_a_closed_measure_stays(screening, world):
    measure = in_force(screening)
    first = measure.tests.order_by("on_date").first()
    Due.objects.filter(pk=first.due_id).update(status=DueStatus.TESTED, tested_at=timezone.now())
    released = in_force(screening, n=1)
    Measure.objects.filter(pk=released.pk).update(status=MeasureStatus.CANCELLED, closed_reason="x")

    actor = make_user("mover2", world.office, "office_leader")
    registry.transfer_person(
        actor=actor, person=measure.person, household=household_in(world.grid_b, "乙一楼")
    )
    registry.transfer_person(
        actor=actor, person=released.person, household=household_in(world.grid_b, "乙二楼")
    )

    first.refresh_from_db()
    assert Due.objects.get(pk=first.due_id).grid_id == world.grid_a.pk  # its result comes back there
    assert Measure.objects.get(pk=released.pk).path == world.grid_a.path


def test_a_building_rehung_under_another_grid_takes_its_peoples_measures(screening, world):
    measure = in_force(screening)
    building = measure.person.household.room.building
    registry.move_building(
        actor=make_user("mover3", world.office, "office_leader"), building=building, grid=world.grid_b
    )
    measure.refresh_from_db()
    assert (measure.grid_id, measure.path) == (world.grid_b.pk, world.grid_b.path)


def test_an_undecided_screening_follows_and_a_decided_one_stays(screening, world):
    person = screening.people_a[2]
    report = intake.Report(
        name=person.name, id_number=person.id_number, phone=person.phone, came_from="四川省成都市"
    )
    record = intake.screen_one(actor=screening.grid_leader, source="door_to_door", report=report).record
    assert record.status in (ScreeningStatus.NEW, ScreeningStatus.PROPOSED)
    registry.transfer_person(
        actor=make_user("mover4", world.office, "office_leader"),
        person=person,
        household=household_in(world.grid_b, "乙三楼"),
    )
    record = ScreeningRecord.objects.get(pk=record.pk)
    assert (record.grid_id, record.path) == (world.grid_b.pk, world.grid_b.path)


def test_a_merge_brings_the_dropped_records_measure_to_the_kept_address(screening, world):
    measure = in_force(screening)
    drop = measure.person
    keep = registry.register_person(
        actor=SYSTEM,
        household=household_in(world.grid_b, "乙四楼"),
        name=drop.name,
        id_type="passport",
        id_number="E12345678",
        phone=drop.phone,
    )
    merge_people(actor=make_user("merger", world.office, "office_leader"), keep=keep, drop=drop)
    measure.refresh_from_db()
    assert measure.person_id == keep.pk
    assert (measure.grid_id, measure.path) == (world.grid_b.pk, world.grid_b.path)


def test_a_merge_of_two_records_both_under_open_measures_is_refused_and_changes_nothing(screening, world):
    first = in_force(screening)
    second = in_force(screening, n=1)
    with pytest.raises(ValidationError) as refused:
        merge_people(
            actor=make_user("merger2", world.office, "office_leader"),
            keep=first.person,
            drop=second.person,
            confirm_different_ids=True,
        )
    assert "once per person" in str(refused.value)
    second.person.refresh_from_db()
    assert second.person.is_active and second.person.merged_into_id is None
    assert Measure.objects.get(pk=second.pk).person_id == second.person.pk


def test_an_unhandled_finding_is_told_to_the_new_grids_medic_after_a_move(
    screening, world, django_capture_on_commit_callbacks
):
    from tests.factories import StaffFactory
    from wangge.roster import services as roster
    from wangge.roster.models import AssignmentRole
    from wangge.screening.models import Escalation
    from wangge.testing.models import OutboxMessage

    medic_a = StaffFactory(name="甲医生", phone="13800000011", unit=world.grid_a, kind="medic")
    medic_b = StaffFactory(name="乙医生", phone="13800000012", unit=world.grid_b, kind="medic")
    leader = StaffFactory(name="李主任", phone="13800000013", unit=world.office, kind="office_leader")
    roster.assign(actor=SYSTEM, staff=medic_a, unit=world.grid_a, role=AssignmentRole.TEAM_MEDIC)
    roster.assign(actor=SYSTEM, staff=medic_b, unit=world.grid_b, role=AssignmentRole.TEAM_MEDIC)
    roster.assign(actor=SYSTEM, staff=leader, unit=world.office, role=AssignmentRole.OFFICE_LEADER)
    measure = in_force(screening)
    with django_capture_on_commit_callbacks(execute=True):
        check(screening, measure, timezone.localdate(), 1, temperature="38.6")
    escalation = Escalation.objects.get(measure=measure)
    assert sorted(OutboxMessage.objects.values_list("phone", flat=True)) == ["13800000011", "13800000013"]

    with django_capture_on_commit_callbacks(execute=True):
        registry.transfer_person(
            actor=make_user("mover", world.office, "office_leader"),
            person=measure.person,
            household=household_in(world.grid_b, "新家楼"),
        )
    # The new grid's medic is told; the old one and the office leader, already told, are not again.
    assert sorted(OutboxMessage.objects.values_list("phone", flat=True)) == [
        "13800000011",
        "13800000012",
        "13800000013",
    ]
    escalation.refresh_from_db()
    assert sorted(r["name"] for r in escalation.recipients) == ["乙医生", "李主任", "甲医生"]
    assert {r["status"] for r in escalation.recipients} == {"sent"}

    # A handled finding is not told again on a later move.
    followup.handle_escalation(actor=screening.approver, escalation=escalation, note="已就诊，体温正常")
    with django_capture_on_commit_callbacks(execute=True):
        registry.transfer_person(
            actor=make_user("mover2", world.office, "office_leader"),
            person=measure.person,
            household=household_in(world.grid_a, "回原楼"),
        )
    assert OutboxMessage.objects.count() == 3
