"""API of the duty roster (mounted at /api/v1/duty): gaps per day, putting people on shifts,
signing in and out."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line, bounded
from wangge.duty.models import Checkpoint, Duty, Volunteer
from wangge.duty.permissions import DUTY_LOG, DUTY_MANAGE, DUTY_VIEW
from wangge.duty.shifts import selectors, services
from wangge.roster.models import StaffMember

router = Router(tags=["duty: roster"])


class DutyGapShiftOut(Schema):
    id: int
    checkpoint_id: int
    checkpoint_name: str
    starts_at: datetime
    ends_at: datetime
    needed: int
    filled: int


class DutyGapDayOut(Schema):
    day: date
    shifts: int
    unfilled: int
    missing: int
    unfilled_shifts: list[DutyGapShiftOut]


class DutyAssignIn(Schema):
    staff_id: Id | None = None
    volunteer_id: Id | None = None


class DutyRosterOut(Schema):
    id: int
    shift_id: int
    who: str
    signed_in_at: datetime | None
    signed_out_at: datetime | None


def _duty(d) -> dict:
    return {
        "id": d.pk,
        "shift_id": d.shift_id,
        "who": d.who,
        "signed_in_at": d.signed_in_at,
        "signed_out_at": d.signed_out_at,
    }


@router.get("/gaps", response=list[DutyGapDayOut])
@api_operation(DUTY_VIEW)
def gaps(request, start: date | None = None, days: bounded(1, 62) = 7):  # type: ignore[valid-type]
    """Unfilled shifts per day; the unfilled shifts themselves for the first day."""
    rows = selectors.gaps(request.scope, start=start or timezone.localdate(), days=days, rows_for=1)
    return [
        {
            "day": g.day,
            "shifts": g.shifts,
            "unfilled": g.unfilled,
            "missing": g.missing,
            "unfilled_shifts": [
                {
                    "id": s.pk,
                    "checkpoint_id": s.checkpoint_id,
                    "checkpoint_name": s.checkpoint.name,
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                    "needed": s.needed,
                    "filled": s.filled,
                }
                for s in g.rows
            ],
        }
        for g in rows
    ]


@router.post("/shifts/{int:shift_id}/duties", response={201: DutyRosterOut})
@api_operation(DUTY_MANAGE)
def assign(request, shift_id: Id, payload: DutyAssignIn):
    scope = request.scope
    shift = selectors.get_shift(scope, shift_id)
    if (payload.staff_id is None) == (payload.volunteer_id is None):
        raise ValidationError(_("Choose one person: a roster member or a volunteer."))
    if payload.staff_id is not None:
        staff = scope.get(StaffMember.objects.all(), pk=payload.staff_id)
        duty = services.assign(actor=request.actor, shift=shift, staff=staff)
    else:
        volunteer = scope.get(Volunteer.objects.all(), pk=payload.volunteer_id)
        duty = services.assign(actor=request.actor, shift=shift, volunteer=volunteer)
    return Status(201, _duty(duty))


@router.post("/duties/{int:duty_id}/sign-in", response=DutyRosterOut)
@api_operation(DUTY_LOG)
def sign_in(request, duty_id: Id):
    duty = selectors.get_duty(request.scope, duty_id)
    return _duty(services.sign_in(actor=request.actor, duty=duty))


@router.post("/duties/{int:duty_id}/sign-out", response=DutyRosterOut)
@api_operation(DUTY_LOG)
def sign_out(request, duty_id: Id):
    duty = selectors.get_duty(request.scope, duty_id)
    return _duty(services.sign_out(actor=request.actor, duty=duty))


class DutySignIn(Schema):
    client_id: Line = Field(
        ..., max_length=40, description="A UUID made on the phone: a retry changes nothing."
    )
    duty_id: Id
    action: Line = Field("in", max_length=3, description="in (sign in) or out (sign out)")
    at: datetime | None = Field(None, description="When it was done on the phone (queued offline).")


class DutySignUploadIn(Schema):
    signs: list[DutySignIn] = Field(default_factory=list, max_length=services.MAX_SIGN_BATCH)


class DutySignResultOut(Schema):
    client_id: str
    status: str = Field(..., description="accepted, duplicate (already done) or refused (with a message)")
    message: str
    duty_id: int | None
    signed_in_at: datetime | None
    signed_out_at: datetime | None


class DutySignUploadOut(Schema):
    results: list[DutySignResultOut]


@router.post("/checkpoints/{int:checkpoint_id}/signs", response=DutySignUploadOut)
@api_operation(DUTY_LOG)
def sign_upload(request, checkpoint_id: Id, payload: DutySignUploadIn):
    """Sign-ins and sign-outs queued on the phone at this checkpoint, in order, each exactly once
    (by client_id)."""
    cp = request.scope.get(Checkpoint.objects.all(), pk=checkpoint_id)
    ids = {s.duty_id for s in payload.signs}
    duties = {
        d.pk: d
        for d in request.scope.filter(
            Duty.objects.filter(pk__in=ids, shift__checkpoint=cp).select_related("shift")
        )
    }
    items = [
        services.SignIn(client_id=s.client_id, duty_id=s.duty_id, action=s.action, at=s.at)
        for s in payload.signs
    ]
    results = services.sign_batch(actor=request.actor, duties=duties, items=items)
    return {"results": [r.__dict__ for r in results]}
