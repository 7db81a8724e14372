"""API of checkpoints and their shifts (mounted at /api/v1/duty)."""

from datetime import date, datetime, time

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line
from wangge.duty.checkpoints import selectors, services
from wangge.duty.permissions import DUTY_MANAGE, DUTY_VIEW

router = Router(tags=["duty: checkpoints"])


class DutyCheckpointOut(Schema):
    id: int
    name: str
    grid_id: int
    grid_name: str
    address: str
    venue_id: int | None
    kind: str
    round_the_clock: bool
    opens_at: time | None
    closes_at: time | None
    pattern: str
    shift_times: list
    people_per_shift: int
    is_active: bool
    closed_at: datetime | None
    close_reason: str


class DutyCheckpointIn(Schema):
    name: Line = Field(..., max_length=100)
    grid_id: Id
    kind: Line = Field(..., max_length=20)
    address: Line = Field("", max_length=250)
    round_the_clock: bool = True
    opens_at: time | None = None
    closes_at: time | None = None
    pattern: Line = Field("3x8", max_length=8)
    shift_times: Line = Field("", max_length=200, description='For "set": 08:00-12:00, 12:00-20:00')
    people_per_shift: int = Field(2, ge=1, le=20)
    make_days: int = Field(7, ge=0, le=62, description="Make this many days of shifts from today.")


class DutyCheckpointPatch(Schema):
    """Only the fields given change; the grid stays (close the checkpoint and set up another)."""

    name: Line | None = Field(None, max_length=100)
    kind: Line | None = Field(None, max_length=20)
    address: Line | None = Field(None, max_length=250)
    round_the_clock: bool | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    pattern: Line | None = Field(None, max_length=8)
    shift_times: Line | None = Field(None, max_length=200, description='For "set": 08:00-12:00, 12:00-20:00')
    people_per_shift: int | None = Field(None, ge=1, le=20)


class DutyCheckpointCloseIn(Schema):
    reason: Line = Field(..., min_length=1, max_length=200)


class DutyReplannedOut(Schema):
    checkpoint: DutyCheckpointOut
    shifts_dropped: int
    shifts_made: int
    shifts_kept: list[int] = Field(..., description="Shifts to come with people on them, kept.")


class DutyMakeShiftsIn(Schema):
    start: date | None = None
    days: int = Field(7, ge=1, le=62)


class DutyMadeOut(Schema):
    made: int


class DutyShiftPersonOut(Schema):
    id: int
    who: str
    volunteer_id: int | None
    staff_id: int | None
    signed_in_at: datetime | None
    signed_out_at: datetime | None


class DutyShiftOut(Schema):
    id: int
    checkpoint_id: int
    day: date
    starts_at: datetime
    ends_at: datetime
    needed: int
    filled: int
    duties: list[DutyShiftPersonOut]


def _out(cp) -> dict:
    return {
        "id": cp.pk,
        "name": cp.name,
        "grid_id": cp.grid_id,
        "grid_name": cp.grid.name,
        "address": cp.address,
        "venue_id": cp.venue_id,
        "kind": cp.kind,
        "round_the_clock": cp.round_the_clock,
        "opens_at": cp.opens_at,
        "closes_at": cp.closes_at,
        "pattern": cp.pattern,
        "shift_times": cp.shift_times,
        "people_per_shift": cp.people_per_shift,
        "is_active": cp.is_active,
        "closed_at": cp.closed_at,
        "close_reason": cp.close_reason,
    }


def _replanned(cp, result: services.Replanned) -> dict:
    return {
        "checkpoint": _out(cp),
        "shifts_dropped": result.dropped,
        "shifts_made": result.made,
        "shifts_kept": [s.pk for s in result.kept],
    }


def shift_out(s) -> dict:
    return {
        "id": s.pk,
        "checkpoint_id": s.checkpoint_id,
        "day": s.day,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "needed": s.needed,
        "filled": s.filled,
        "duties": [
            {
                "id": d.pk,
                "who": d.who,
                "volunteer_id": d.volunteer_id,
                "staff_id": d.staff_id,
                "signed_in_at": d.signed_in_at,
                "signed_out_at": d.signed_out_at,
            }
            for d in s.duties.all()
        ],
    }


@router.get("/checkpoints", response=list[DutyCheckpointOut])
@api_operation(DUTY_VIEW)
def list_checkpoints(request, include_closed: bool = False):
    rows = selectors.checkpoints(request.scope, active_only=not include_closed)
    return [_out(cp) for cp in rows[:1000]]


@router.post("/checkpoints", response={201: DutyCheckpointOut})
@api_operation(DUTY_MANAGE)
def create_checkpoint(request, payload: DutyCheckpointIn):
    grid = request.scope.get(selectors.grids(request.scope), pk=payload.grid_id)
    times = services.parse_shift_times(payload.shift_times) if payload.pattern == "set" else []
    cp = services.create_checkpoint(
        actor=request.actor,
        grid=grid,
        name=payload.name,
        kind=payload.kind,
        address=payload.address,
        round_the_clock=payload.round_the_clock,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        pattern=payload.pattern,
        shift_times=times,
        people_per_shift=payload.people_per_shift,
    )
    if payload.make_days:
        services.make_shifts(
            actor=request.actor, checkpoint=cp, start=timezone.localdate(), days=payload.make_days
        )
    return Status(201, _out(cp))


@router.get("/checkpoints/{int:checkpoint_id}", response=DutyCheckpointOut)
@api_operation(DUTY_VIEW)
def get_checkpoint(request, checkpoint_id: Id):
    return _out(selectors.get_checkpoint(request.scope, checkpoint_id))


@router.post("/checkpoints/{int:checkpoint_id}/shifts", response=DutyMadeOut)
@api_operation(DUTY_MANAGE)
def make_shifts(request, checkpoint_id: Id, payload: DutyMakeShiftsIn):
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    return {
        "made": services.make_shifts(
            actor=request.actor, checkpoint=cp, start=payload.start or timezone.localdate(), days=payload.days
        )
    }


@router.get("/checkpoints/{int:checkpoint_id}/shifts", response=list[DutyShiftOut])
@api_operation(DUTY_VIEW)
def list_shifts(request, checkpoint_id: Id, day: date | None = None):
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    rows = (
        request.scope.filter(cp.shifts.all())
        .filter(day=day or timezone.localdate())
        .prefetch_related("duties__staff", "duties__volunteer")
    )
    return [shift_out(s) for s in rows]


@router.patch("/checkpoints/{int:checkpoint_id}", response=DutyReplannedOut)
@api_operation(DUTY_MANAGE)
def update_checkpoint(request, checkpoint_id: Id, payload: DutyCheckpointPatch):
    """Change name, kind, address or hours; a change of hours replans the shifts to come."""
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    given = payload.dict(exclude_unset=True)
    data = {
        "name": cp.name,
        "kind": cp.kind,
        "address": cp.address,
        "round_the_clock": cp.round_the_clock,
        "opens_at": cp.opens_at,
        "closes_at": cp.closes_at,
        "pattern": cp.pattern,
        "shift_times": cp.shift_times,
        "people_per_shift": cp.people_per_shift,
    }
    data.update({k: v for k, v in given.items() if v is not None or k in ("opens_at", "closes_at")})
    if isinstance(data["shift_times"], str):
        data["shift_times"] = services.parse_shift_times(data["shift_times"])
    result = services.update_checkpoint(actor=request.actor, checkpoint=cp, **data)
    return _replanned(selectors.get_checkpoint(request.scope, checkpoint_id), result)


@router.post("/checkpoints/{int:checkpoint_id}/close", response=DutyReplannedOut)
@api_operation(DUTY_MANAGE)
def close_checkpoint(request, checkpoint_id: Id, payload: DutyCheckpointCloseIn):
    """No more entries and no gaps; shifts to come that nobody is on are dropped, staffed ones kept."""
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    result = services.close_checkpoint(actor=request.actor, checkpoint=cp, reason=payload.reason)
    return _replanned(selectors.get_checkpoint(request.scope, checkpoint_id), result)


@router.post("/checkpoints/{int:checkpoint_id}/reopen", response=DutyReplannedOut)
@api_operation(DUTY_MANAGE)
def reopen_checkpoint(request, checkpoint_id: Id):
    """Open again, with a week of shifts from today."""
    cp = selectors.get_checkpoint(request.scope, checkpoint_id)
    made = services.reopen_checkpoint(actor=request.actor, checkpoint=cp)
    return _replanned(selectors.get_checkpoint(request.scope, checkpoint_id), services.Replanned(made=made))
