"""API of the follow-up (mounted at /api/v1/screening).

Paths of this part: /measures/{measure_id}/checks (GET, POST: idempotent by client_id),
/follow-up/overdue, /escalations, /escalations/{escalation_id}/handle, /services (GET, POST),
/services/{service_id}/assign|done|cancel. Same scoping and services as the pages. Bodies of
routes that name a record have optional fields, so that an unknown record answers 404 before the
body is judged. No ID numbers here; phones are not given.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Limit, Offset, Text
from wangge.roster import selectors as roster_selectors
from wangge.screening.followup import selectors as followup_selectors
from wangge.screening.followup import services as followup
from wangge.screening.models import DailyCheck, Escalation, ServiceRequest
from wangge.screening.permissions import SCREENING_FOLLOWUP, SCREENING_VIEW

router = Router(tags=["screening: follow-up"])

MAX_LIMIT = 500


class CheckIn(Schema):
    client_id: uuid.UUID | None = None
    on_date: date | None = None
    slot: int | None = None
    temperature: Decimal | None = None
    symptoms: list[str] = Field(default_factory=list, max_length=10)
    present: bool = True
    note: Text = Field("", max_length=300)


class CheckOut(Schema):
    id: int
    client_id: uuid.UUID
    measure_id: int
    on_date: date
    slot: int
    temperature: Decimal | None
    symptoms: list[str]
    present: bool
    note: str
    abnormal: bool
    checked_at: datetime
    checked_through: date | None = None


class GridOverdueOut(Schema):
    grid_id: int
    grid_name: str
    people: int
    missing_days: int
    overdue_tests: int
    tests_today: int
    open_services: int


class OverduePersonOut(Schema):
    measure_id: int
    person_name: str
    grid_id: int
    checked_through: date | None
    missing_days: list[date]


class OverdueOut(Schema):
    grids: list[GridOverdueOut]
    people: list[OverduePersonOut]


class EscalationOut(Schema):
    id: int
    measure_id: int
    person_name: str
    grid_id: int
    kind: str
    detail: str
    created_at: datetime
    handled_at: datetime | None
    handled_note: str
    recipients: int


class HandleIn(Schema):
    note: Text = Field("", max_length=300)


class ServiceOut(Schema):
    id: int
    client_id: uuid.UUID
    measure_id: int
    person_name: str
    grid_id: int
    kind: str
    detail: str
    status: str
    raised_by_person: bool
    raised_at: datetime
    assigned_to_id: int | None
    assigned_to_name: str
    assigned_at: datetime | None
    done_at: datetime | None
    outcome: str


class ServiceIn(Schema):
    measure_id: Id
    kind: str
    detail: Text = Field("", max_length=300)
    client_id: uuid.UUID | None = None


class AssignIn(Schema):
    staff_id: Id | None = None


class DoneIn(Schema):
    outcome: str = Field("", max_length=300)


class CancelIn(Schema):
    reason: Text = Field("", max_length=300)


def _check_out(c: DailyCheck, checked_through=None) -> dict:
    return {
        "id": c.pk,
        "client_id": c.client_id,
        "measure_id": c.measure_id,
        "on_date": c.on_date,
        "slot": c.slot,
        "temperature": c.temperature,
        "symptoms": list(c.symptoms or []),
        "present": c.present,
        "note": c.note,
        "abnormal": c.abnormal,
        "checked_at": c.checked_at,
        "checked_through": checked_through,
    }


def _escalation_out(e: Escalation) -> dict:
    return {
        "id": e.pk,
        "measure_id": e.measure_id,
        "person_name": e.measure.person.name,
        "grid_id": e.measure.grid_id,
        "kind": e.kind,
        "detail": e.detail,
        "created_at": e.created_at,
        "handled_at": e.handled_at,
        "handled_note": e.handled_note,
        "recipients": len(e.recipients or []),
    }


def _service_out(s: ServiceRequest) -> dict:
    return {
        "id": s.pk,
        "client_id": s.client_id,
        "measure_id": s.measure_id,
        "person_name": s.measure.person.name,
        "grid_id": s.measure.grid_id,
        "kind": s.kind,
        "detail": s.detail,
        "status": s.status,
        "raised_by_person": s.raised_by_person,
        "raised_at": s.raised_at,
        "assigned_to_id": s.assigned_to_id,
        "assigned_to_name": s.assigned_to.name if s.assigned_to_id else "",
        "assigned_at": s.assigned_at,
        "done_at": s.done_at,
        "outcome": s.outcome,
    }


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


@router.get("/measures/{int:measure_id}/checks", response=list[CheckOut])
@api_operation(SCREENING_VIEW)
def list_checks(request, measure_id: Id):
    measure = followup_selectors.get_measure(request.scope, measure_id)
    return [_check_out(c) for c in followup_selectors.checks_of(request.scope, measure)[:MAX_LIMIT]]


@router.post("/measures/{int:measure_id}/checks", response={200: CheckOut, 201: CheckOut})
@api_operation(SCREENING_FOLLOWUP)
def record_check(request, measure_id: Id, payload: CheckIn):
    measure = followup_selectors.get_measure(request.scope, measure_id)
    if payload.client_id is None:
        raise ValidationError({"client_id": _("Give a client_id (a UUID made by the client).")})
    if payload.on_date is None or payload.slot is None:
        raise ValidationError(_("Give the date and the number of the check."))
    retried = DailyCheck.objects.filter(client_id=payload.client_id).exists()
    check = followup.record_check(
        actor=request.user,
        measure=measure,
        on_date=payload.on_date,
        slot=payload.slot,
        temperature=payload.temperature,
        symptoms=payload.symptoms,
        present=payload.present,
        note=payload.note,
        client_id=payload.client_id,
    )
    measure.refresh_from_db(fields=["checked_through"])
    return Status(200 if retried else 201, _check_out(check, measure.checked_through))


@router.get("/follow-up/overdue", response=OverdueOut)
@api_operation(SCREENING_VIEW)
def overdue(request, grid_id: Id | None = None, limit: Limit = 100):
    scope = request.scope
    grids = followup_selectors.overdue_per_grid(scope)
    if grid_id:
        grids = [g for g in grids if g.grid_id == grid_id]
    behind = followup_selectors.missing_days(
        list(followup_selectors.overdue_measures(scope, grid_id=grid_id)[: _limit(limit)])
    )
    return {
        "grids": [g.__dict__ for g in grids],
        "people": [
            {
                "measure_id": o.measure.pk,
                "person_name": o.measure.person.name,
                "grid_id": o.measure.grid_id,
                "checked_through": o.measure.checked_through,
                "missing_days": o.missing_days,
            }
            for o in behind
        ],
    }


@router.get("/escalations", response=list[EscalationOut])
@api_operation(SCREENING_VIEW)
def list_escalations(
    request, open: bool = False, grid_id: Id | None = None, limit: Limit = 100, offset: Offset = 0
):
    qs = followup_selectors.escalation_list(request.scope, open_only=open, grid_id=grid_id)
    offset = max(0, offset)
    return [_escalation_out(e) for e in qs[offset : offset + _limit(limit)]]


@router.post("/escalations/{int:escalation_id}/handle", response=EscalationOut)
@api_operation(SCREENING_FOLLOWUP)
def handle_escalation(request, escalation_id: Id, payload: HandleIn):
    escalation = followup_selectors.get_escalation(request.scope, escalation_id)
    followup.handle_escalation(actor=request.user, escalation=escalation, note=payload.note)
    return _escalation_out(followup_selectors.get_escalation(request.scope, escalation_id))


@router.get("/services", response=list[ServiceOut])
@api_operation(SCREENING_VIEW)
def list_services(
    request,
    status: str = "open",
    kind: str = "",
    grid_id: Id | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = followup_selectors.requests(
        request.scope, status=None if status == "all" else status, grid_id=grid_id, kind=kind
    )
    offset = max(0, offset)
    return [_service_out(s) for s in qs[offset : offset + _limit(limit)]]


@router.post("/services", response={200: ServiceOut, 201: ServiceOut})
@api_operation(SCREENING_FOLLOWUP)
def raise_service(request, payload: ServiceIn):
    measure = followup_selectors.get_measure(request.scope, payload.measure_id)
    retried = bool(payload.client_id) and ServiceRequest.objects.filter(client_id=payload.client_id).exists()
    req = followup.raise_request(
        actor=request.user,
        measure=measure,
        kind=payload.kind,
        detail=payload.detail,
        client_id=payload.client_id,
    )
    return Status(
        200 if retried else 201, _service_out(followup_selectors.get_request(request.scope, req.pk))
    )


@router.post("/services/{int:service_id}/assign", response=ServiceOut)
@api_operation(SCREENING_FOLLOWUP)
def assign_service(request, service_id: Id, payload: AssignIn):
    req = followup_selectors.get_request(request.scope, service_id)
    if payload.staff_id is None:
        raise ValidationError({"staff_id": _("Choose someone of the roster in your area.")})
    staff = roster_selectors.get_staff(request.scope, payload.staff_id)
    followup.assign_request(actor=request.user, request=req, staff=staff)
    return _service_out(followup_selectors.get_request(request.scope, service_id))


@router.post("/services/{int:service_id}/done", response=ServiceOut)
@api_operation(SCREENING_FOLLOWUP)
def service_done(request, service_id: Id, payload: DoneIn):
    req = followup_selectors.get_request(request.scope, service_id)
    followup.complete_request(actor=request.user, request=req, outcome=payload.outcome)
    return _service_out(followup_selectors.get_request(request.scope, service_id))


@router.post("/services/{int:service_id}/cancel", response=ServiceOut)
@api_operation(SCREENING_FOLLOWUP)
def service_cancel(request, service_id: Id, payload: CancelIn):
    req = followup_selectors.get_request(request.scope, service_id)
    followup.cancel_request(actor=request.user, request=req, reason=payload.reason)
    return _service_out(followup_selectors.get_request(request.scope, service_id))
