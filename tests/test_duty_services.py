"""Checkpoints, shifts, the roster, entries and volunteers: the services."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.utils import timezone

from tests.factories.duty import make_checkpoint, make_duty, sign_up, vetted
from tests.factories.registry import rid, wrong_check_digit
from tests.factories.screening import in_force
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.duty.entries import services as entries
from wangge.duty.models import Duty, Entry, Shift, Volunteer
from wangge.duty.plates import check_plate
from wangge.duty.shifts import selectors as shift_selectors
from wangge.duty.shifts import services as roster
from wangge.duty.volunteers import services as volunteers
from wangge.screening.models import Escalation, EscalationKind, ScreeningRecord, ScreeningSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(world):
    return make_duty(world)


def _entry(**kw):
    return entries.EntryIn(client_id=str(uuid.uuid4()), **kw)


# --- plates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("plate", ["豫A12345", "豫 a·1234学", "京AD12345", "粤BFA1234", "沪A12345D"])
def test_valid_plates(plate):
    assert check_plate(plate) == plate.replace(" ", "").replace("·", "").upper()


@pytest.mark.parametrize(
    "plate",
    [
        "",
        "A12345",
        "豫A1234",
        "豫AI2345",
        "豫A123456",
        "豫AX123456",
        "X豫12345",
        "豫A12345678",
        "粤BF1A234",
        "川AD5432A",
    ],
)
def test_invalid_plates(plate):
    with pytest.raises(ValidationError):
        check_plate(plate)


# --- checkpoints and shifts --------------------------------------------------------------------


def test_three_shifts_a_day_round_the_clock(duty):
    today = timezone.localdate()
    shifts = list(Shift.objects.filter(checkpoint=duty.checkpoint, day=today).order_by("starts_at"))
    assert len(shifts) == 3
    assert [timezone.localtime(s.starts_at).hour for s in shifts] == [0, 8, 16]
    assert all((s.ends_at - s.starts_at) == timedelta(hours=8) for s in shifts)
    assert all(s.path == duty.checkpoint.path for s in shifts)


def test_set_times_and_set_hours(world):
    cp = make_checkpoint(world.grid_a, name="厂门", days=2, pattern="set", shift_times=[["07:00", "19:00"]])
    assert Shift.objects.filter(checkpoint=cp).count() == 2


def test_making_shifts_twice_keeps_the_first(duty):
    from wangge.duty.checkpoints import services

    n = Shift.objects.count()
    assert (
        services.make_shifts(actor=SYSTEM, checkpoint=duty.checkpoint, start=timezone.localdate(), days=7)
        == 0
    )
    assert Shift.objects.count() == n


def test_the_roster_counts_and_gaps(world, duty):
    vol = vetted(world.village, duty.cadre)
    shift = (
        Shift.objects.filter(checkpoint=duty.checkpoint, ends_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    roster.assign(actor=duty.cadre, shift=shift, volunteer=vol)
    with pytest.raises(ValidationError):
        roster.assign(actor=duty.cadre, shift=shift, volunteer=vol)  # twice on one shift
    pending = sign_up(world.village, 2)
    with pytest.raises(ValidationError):
        roster.assign(actor=duty.cadre, shift=shift, volunteer=pending)  # not vetted
    shift.refresh_from_db()
    assert shift.filled == 1
    # the counter equals a recount everywhere
    for s in Shift.objects.annotate(n=Count("duties")):
        assert s.filled == s.n
    scope = scope_of(duty.cadre)
    days = shift_selectors.gaps(scope, start=timezone.localdate(), days=7)
    assert sum(d.shifts for d in days) == 21
    assert sum(d.unfilled for d in days) == 21  # 1 of 2 is still a gap
    # foreign checkpoints are not in the village's gaps
    assert all(s.checkpoint_id == duty.checkpoint.pk for d in days for s in d.rows)


def test_sign_in_and_out_count_hours(world, duty):
    vol = vetted(world.village, duty.cadre)
    now = timezone.now()
    shift = Shift.objects.filter(checkpoint=duty.checkpoint, starts_at__lte=now, ends_at__gt=now).get()
    d = roster.assign(actor=duty.cadre, shift=shift, volunteer=vol)
    roster.sign_in(actor=duty.logger, duty=d)
    roster.sign_out(actor=duty.logger, duty=d)
    Duty.objects.filter(pk=d.pk).update(signed_in_at=F("signed_out_at") - timedelta(hours=8))
    assert volunteers.hours_of(vol)["total_hours"] == 8.0
    d.refresh_from_db()
    with pytest.raises(ValidationError):
        roster.unassign(actor=duty.cadre, duty=d)  # signed in: stays on the record


def test_foreign_shift_is_refused(world, duty):
    from django.http import Http404

    shift = Shift.objects.filter(checkpoint=duty.foreign_checkpoint).first()
    staff = vetted(world.village, duty.cadre)
    with pytest.raises(Http404):
        roster.assign(actor=duty.cadre, shift=shift, volunteer=staff)


# --- volunteers -----------------------------------------------------------------------------


def test_the_same_sign_up_twice_is_one_record(world):
    a = sign_up(world.village, 3)
    b = sign_up(world.village, 3)
    assert a.pk == b.pk and Volunteer.objects.count() == 1


def test_sign_up_with_a_bad_id_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        sign_up(world.village, 4, id_number=wrong_check_digit(rid(4, "19950101")))
    assert "id_number" in exc.value.message_dict
    assert Volunteer.objects.count() == 0


def test_rejecting_needs_a_reason(world, duty):
    v = sign_up(world.village, 5)
    with pytest.raises(ValidationError):
        volunteers.vet(actor=duty.cadre, volunteer=v, accept=False)
    volunteers.vet(actor=duty.cadre, volunteer=v, accept=False, reason="未满18岁")
    v.refresh_from_db()
    assert v.status == "rejected"


def test_tasks_on_site_roles_squads_and_services(world, duty):
    v = vetted(world.village, duty.cadre)
    now = timezone.now()
    t = volunteers.schedule_task(
        actor=duty.cadre, volunteer=v, kind="screening_squad", starts_at=now, ends_at=now + timedelta(hours=4)
    )
    with pytest.raises(ValidationError):
        volunteers.schedule_task(
            actor=duty.cadre,
            volunteer=v,
            kind="sampling_site",
            starts_at=now,
            ends_at=now + timedelta(hours=4),
        )
    volunteers.task_sign(actor=duty.cadre, task=t, out=False)
    volunteers.task_sign(actor=duty.cadre, task=t, out=True)
    days = shift_selectors.calendar(scope_of(duty.cadre), unit=world.village, start=timezone.localdate())
    assert any(t.pk == x.pk for d in days for x in d.tasks)


# --- entries --------------------------------------------------------------------------------


def test_an_arrival_from_a_high_risk_area_becomes_a_screening_record(world, duty, screening):
    person = screening.people_a[1]
    results = entries.log_entries(
        actor=duty.logger,
        checkpoint=duty.checkpoint,
        items=[
            _entry(id_number=person.id_number, origin="北京市朝阳区", temperature="36.6", code_colour="green")
        ],
    )
    r = results[0]
    assert r.status == "accepted" and r.risk_level == "high" and r.screening_id
    record = ScreeningRecord.objects.get(pk=r.screening_id)
    assert record.person_id == person.pk and record.source == ScreeningSource.CHECKPOINT
    assert record.status == "proposed"  # the screening flow proposed the measure
    assert AuditEvent.objects.filter(model="duty.entry", object_id=str(r.entry_id)).exists()


def test_a_stranger_from_a_risk_area_is_provisioned_in_the_checkpoints_grid(world, duty, screening):
    number = rid(77, "19880808")
    r = entries.log_entries(
        actor=duty.logger,
        checkpoint=duty.checkpoint,
        items=[_entry(id_number=number, name="路人甲", origin="上海市浦东新区")],
    )[0]
    assert r.status == "accepted" and r.risk_level == "medium"
    record = ScreeningRecord.objects.get(pk=r.screening_id)
    assert record.grid_id == world.grid_a.pk


def test_someone_under_a_confining_measure_raises_an_escalation(world, duty, screening):
    measure = in_force(screening, n=2)
    assert measure.confining
    r = entries.log_entries(
        actor=duty.logger,
        checkpoint=duty.checkpoint,
        items=[_entry(id_number=screening.people_a[2].id_number, direction="out")],
    )[0]
    assert r.status == "accepted" and r.escalation_id
    esc = Escalation.objects.get(pk=r.escalation_id)
    assert esc.kind == EscalationKind.ABSENT and esc.measure_id == measure.pk and esc.path == measure.path


def test_the_same_entry_sent_twice_is_one_entry(world, duty, screening):
    item = _entry(id_number=screening.people_a[1].id_number, origin="北京市朝阳区")
    first = entries.log_entries(actor=duty.logger, checkpoint=duty.checkpoint, items=[item])
    again = entries.log_entries(actor=duty.logger, checkpoint=duty.checkpoint, items=[item, item])
    assert first[0].status == "accepted"
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert Entry.objects.count() == 1 and ScreeningRecord.objects.count() == 1


def test_bad_plate_and_bad_id_are_refused_and_the_rest_stored(world, duty):
    results = entries.log_entries(
        actor=duty.logger,
        checkpoint=duty.checkpoint,
        items=[
            _entry(kind="vehicle", plate="豫AI2345"),
            _entry(id_number=wrong_check_digit(rid(9))),
            _entry(kind="vehicle", plate="豫AD12345", passengers=2, origin="郑州市"),
            _entry(id_number=rid(9), temperature="99"),
        ],
    )
    assert [r.status for r in results] == ["refused", "refused", "accepted", "refused"]
    assert "check digit" in results[1].message
    assert Entry.objects.count() == 1


def test_logging_at_a_foreign_checkpoint_is_refused(world, duty):
    from django.http import Http404

    with pytest.raises(Http404):
        entries.log_entries(
            actor=duty.logger, checkpoint=duty.foreign_checkpoint, items=[_entry(id_number=rid(9))]
        )


def test_a_vehicle_from_a_risk_area_asks_for_each_person_in_it(world, duty, screening):
    """A plate screens nobody: the answer tells the guard to log each passenger by their ID; a
    vehicle from elsewhere gets no such word."""
    risky, plain = entries.log_entries(
        actor=duty.logger,
        checkpoint=duty.checkpoint,
        items=[
            _entry(kind="vehicle", plate="京A12345", passengers=3, origin="北京市朝阳区"),
            _entry(kind="vehicle", plate="豫A12345", passengers=1, origin="郑州市"),
        ],
    )
    assert risky.status == "accepted" and risky.risk_level == "high" and not risky.screening_id
    assert "log each person" in risky.message
    assert plain.status == "accepted" and plain.message == ""


def test_a_queue_sent_after_the_checkpoint_closed_keeps_what_was_logged_while_it_was_open(world, duty):
    """The phone logged two passages offline, one before the checkpoint closed and one after: the
    first is stored (nothing the guard logged while on duty is lost), the second refused with its
    reason, each on its own; a retry of the first is still answered as stored."""
    from datetime import timedelta

    from wangge.duty.checkpoints import services as checkpoint_services

    before = _entry(id_number=rid(31), at=timezone.now() - timedelta(minutes=5), direction="in")
    checkpoint_services.close_checkpoint(actor=duty.cadre, checkpoint=duty.checkpoint, reason="道路恢复通行")
    duty.checkpoint.refresh_from_db()
    after = _entry(id_number=rid(32), at=timezone.now() + timedelta(seconds=1), direction="in")
    unstamped = _entry(id_number=rid(33), direction="in")
    results = entries.log_entries(
        actor=duty.logger, checkpoint=duty.checkpoint, items=[before, after, unstamped]
    )
    assert [r.status for r in results] == ["accepted", "refused", "refused"]
    assert "closed" in results[1].message
    assert Entry.objects.filter(checkpoint=duty.checkpoint).count() == 1
    again = entries.log_entries(actor=duty.logger, checkpoint=duty.checkpoint, items=[before])
    assert again[0].status == "duplicate"
