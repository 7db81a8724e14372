"""API of control measures and bulk orders (mounted at /api/v1/screening).

Paths of this part: /measures…, /tests/{test_id}/result, /people/{person_id}/measures and
/orders…. Same scoping and services as the pages; ID numbers and phones are masked unless the
caller's role may see them; reading one measure is audited. Bodies of routes that name a record
have optional fields, so that an unknown record answers 404 before the body is judged.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wangge.audit import services as audit
from wangge.core import masking
from wangge.core.access import api_operation, has_permission
from wangge.core.api_conventions import Id, Limit, Line, Offset, Text
from wangge.core.masking import mask_id
from wangge.core.schemas import MaskedSchema
from wangge.registry.models import Person
from wangge.registry.permissions import REGISTRY_VIEW_IDS
from wangge.screening.measures import selectors, services
from wangge.screening.models import Measure
from wangge.screening.permissions import (
    SCREENING_APPROVE,
    SCREENING_DECIDE,
    SCREENING_FOLLOWUP,
    SCREENING_VIEW,
)

router = Router(tags=["screening: measures"])

MAX_LIMIT = 500


class MeasurePhaseOut(Schema):
    kind: str
    starts_on: date
    ends_on: date
    checks_per_day: int


class TestOut(Schema):
    id: int
    day_no: int
    on_date: date
    result: str
    due_id: int | None
    round_id: int | None


class MeasureOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID}

    id: int
    person_id: int
    person_name: str
    id_number: str
    grid_id: int
    grid_name: str
    kind: str
    status: str
    confining: bool
    starts_on: date
    ends_on: date
    place: str
    basis_kind: str
    basis_text: str
    basis_facts: dict
    policy_id: int | None
    bulk_id: int | None
    proposed_by: str | None
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    closed_reason: str
    handed_over_to: str
    release_notice_no: str


class MeasureDetailOut(MeasureOut):
    phases: list[MeasurePhaseOut]
    tests: list[TestOut]


def _name(user) -> str | None:
    return str(user) if user is not None else None


def _measure_out(request, m: Measure, detail: bool = False) -> dict:
    show_ids = has_permission(request.actor, REGISTRY_VIEW_IDS)
    data = {
        "id": m.pk,
        "person_id": m.person_id,
        "person_name": m.person.name,
        "id_number": m.person.id_number if show_ids else mask_id(m.person.id_number),
        "grid_id": m.grid_id,
        "grid_name": m.grid.name,
        "kind": m.kind,
        "status": m.status,
        "confining": m.confining,
        "starts_on": m.starts_on,
        "ends_on": m.ends_on,
        "place": m.place,
        "basis_kind": m.basis_kind,
        "basis_text": m.basis_text,
        "basis_facts": m.basis_facts,
        "policy_id": m.policy_id,
        "bulk_id": m.bulk_id,
        "proposed_by": _name(m.proposed_by),
        "proposed_at": m.proposed_at,
        "decided_by": _name(m.decided_by),
        "decided_at": m.decided_at,
        "approved_by": _name(m.approved_by),
        "approved_at": m.approved_at,
        "closed_by": _name(m.closed_by),
        "closed_at": m.closed_at,
        "closed_reason": m.closed_reason,
        "handed_over_to": m.handed_over_to,
        "release_notice_no": m.release_notice_no,
    }
    if detail:
        data["phases"] = [
            {
                "kind": p.kind,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
                "checks_per_day": p.checks_per_day,
            }
            for p in m.phases.all()
        ]
        data["tests"] = [
            {
                "id": t.pk,
                "day_no": t.day_no,
                "on_date": t.on_date,
                "result": t.result,
                "due_id": t.due_id,
                "round_id": t.due.round_id if t.due_id else None,
            }
            for t in m.tests.select_related("due").order_by("day_no")
        ]
    return data


def _detail(request, measure_id: int) -> dict:
    m = selectors.get_measure(request.scope, measure_id)
    return _measure_out(request, m, detail=True)


class NoteIn(Schema):
    note: Text = Field("", max_length=300)
    place: Line | None = Field(None, max_length=200)


class ReasonIn(Schema):
    reason: Text = Field("", max_length=300)


class HandOverIn(Schema):
    destination: Line = Field("", max_length=200)
    reason: Text = Field("", max_length=300)


class ResultIn(Schema):
    result: str = ""
    lab: str = Field("", max_length=100)


class ManualIn(Schema):
    kind: str = ""
    starts_on: date | None = None
    days: int = 7
    test_days: list[int] = Field(default_factory=list, max_length=60)
    checks_per_day: int = 2
    basis_kind: str = ""
    basis_text: Text = Field("", max_length=2000)
    contact_of: Line = ""
    tube: str = ""
    order_ref: str = ""
    place: Line = ""


class OrderIn(ManualIn):
    name: Line = Field(..., max_length=200)
    person_ids: list[int] = Field(default_factory=list, max_length=20000)


class OrderOut(Schema):
    id: int
    name: str
    kind: str
    days: int
    status: str
    people_count: int
    unit_id: int
    basis_kind: str
    basis_text: str
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    skipped: int = 0


class ApproveOrderIn(Schema):
    confirm_count: int = -1
    note: Text = Field("", max_length=300)


def _order_out(order, skipped: int = 0) -> dict:
    return {
        "id": order.pk,
        "name": order.name,
        "kind": order.kind,
        "days": order.days,
        "status": order.status,
        "people_count": order.people_count,
        "unit_id": order.unit_id,
        "basis_kind": order.basis_kind,
        "basis_text": order.basis_text,
        "proposed_by": str(order.proposed_by),
        "proposed_at": order.proposed_at,
        "approved_by": _name(order.approved_by),
        "approved_at": order.approved_at,
        "skipped": skipped,
    }


@router.get("/measures", response=list[MeasureOut])
@api_operation(SCREENING_VIEW)
def list_measures(request, status: str = "open", kind: str = "", offset: Offset = 0, limit: Limit = 100):
    qs = selectors.filtered(request.scope, status=status, kind=kind)
    qs = qs.select_related("proposed_by", "decided_by", "approved_by", "closed_by")
    limit = max(1, min(limit, MAX_LIMIT))
    return [_measure_out(request, m) for m in qs[max(0, offset) : max(0, offset) + limit]]


@router.get("/measures/{int:measure_id}", response=MeasureDetailOut)
@api_operation(SCREENING_VIEW)
def get_measure(request, measure_id: Id):
    m = selectors.get_measure(request.scope, measure_id)
    audit.record_view(actor=request.actor, obj=m)
    return _measure_out(request, m, detail=True)


@router.post("/measures/{int:measure_id}/decide", response=MeasureDetailOut)
@api_operation(SCREENING_DECIDE)
def decide(request, measure_id: Id, payload: NoteIn):
    m = selectors.get_measure(request.scope, measure_id)
    services.decide_measure(actor=request.actor, measure=m, note=payload.note, place=payload.place)
    return _detail(request, measure_id)


@router.post("/measures/{int:measure_id}/approve", response=MeasureDetailOut)
@api_operation(SCREENING_APPROVE)
def approve(request, measure_id: Id, payload: NoteIn):
    m = selectors.get_measure(request.scope, measure_id)
    services.approve_measure(actor=request.actor, measure=m, note=payload.note)
    return _detail(request, measure_id)


@router.post("/measures/{int:measure_id}/reject", response=MeasureDetailOut)
@api_operation(SCREENING_VIEW)
def reject(request, measure_id: Id, payload: ReasonIn):
    m = selectors.get_measure(request.scope, measure_id)
    services.reject_measure(actor=request.actor, measure=m, reason=payload.reason)
    return _detail(request, measure_id)


@router.post("/measures/{int:measure_id}/cancel", response=MeasureDetailOut)
@api_operation(SCREENING_APPROVE)
def cancel(request, measure_id: Id, payload: ReasonIn):
    m = selectors.get_measure(request.scope, measure_id)
    services.cancel_measure(actor=request.actor, measure=m, reason=payload.reason)
    return _detail(request, measure_id)


@router.post("/measures/{int:measure_id}/hand-over", response=MeasureDetailOut)
@api_operation(SCREENING_APPROVE)
def hand_over(request, measure_id: Id, payload: HandOverIn):
    m = selectors.get_measure(request.scope, measure_id)
    services.hand_over_measure(
        actor=request.actor, measure=m, destination=payload.destination, reason=payload.reason
    )
    return _detail(request, measure_id)


@router.post("/measures/{int:measure_id}/release", response=MeasureDetailOut)
@api_operation(SCREENING_DECIDE)
def release(request, measure_id: Id, payload: NoteIn):
    m = selectors.get_measure(request.scope, measure_id)
    services.release_measure(actor=request.actor, measure=m, note=payload.note)
    return _detail(request, measure_id)


@router.post("/tests/{int:test_id}/result", response=MeasureDetailOut)
@api_operation(SCREENING_FOLLOWUP)
def test_result(request, test_id: Id, payload: ResultIn):
    test = selectors.get_test(request.scope, test_id)
    services.record_test_result(actor=request.actor, test=test, result=payload.result, lab=payload.lab)
    return _detail(request, test.measure_id)


def _manual_args(payload: ManualIn) -> dict:
    if payload.starts_on is None:
        raise ValidationError({"starts_on": _("Give the start date.")})
    return {
        "kind": payload.kind,
        "starts_on": payload.starts_on,
        "days": payload.days,
        "test_days": payload.test_days,
        "checks_per_day": payload.checks_per_day,
        "basis_kind": payload.basis_kind,
        "basis_text": payload.basis_text,
        "facts": {"contact_of": payload.contact_of, "tube": payload.tube, "order_ref": payload.order_ref},
    }


@router.post("/people/{int:person_id}/measures", response={201: MeasureDetailOut})
@api_operation(SCREENING_DECIDE)
def propose(request, person_id: Id, payload: ManualIn):
    person = request.scope.get(Person.objects.all(), pk=person_id)
    m = services.propose_measure(
        actor=request.actor, person=person, place=payload.place, **_manual_args(payload)
    )
    return Status(201, _detail(request, m.pk))


@router.get("/orders", response=list[OrderOut])
@api_operation(SCREENING_VIEW)
def list_orders(request, status: str = ""):
    qs = selectors.orders(request.scope).order_by("-proposed_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return [_order_out(o) for o in qs[:200]]


@router.post("/orders", response={201: OrderOut})
@api_operation(SCREENING_DECIDE)
def create_order(request, payload: OrderIn):
    scope = request.scope
    if scope.is_empty:
        raise ValidationError(_("Your account has no jurisdiction."))
    people = list(scope.filter(Person.objects.filter(pk__in=payload.person_ids)))
    result = services.propose_bulk(
        actor=request.actor, unit=scope.root, name=payload.name, people=people, **_manual_args(payload)
    )
    return Status(201, _order_out(result.order, skipped=len(result.skipped)))


@router.get("/orders/{int:order_id}", response=OrderOut)
@api_operation(SCREENING_VIEW)
def get_order(request, order_id: Id):
    return _order_out(selectors.get_order(request.scope, order_id))


@router.post("/orders/{int:order_id}/approve", response=OrderOut)
@api_operation(SCREENING_APPROVE)
def approve_order(request, order_id: Id, payload: ApproveOrderIn):
    order = selectors.get_order(request.scope, order_id)
    services.approve_bulk(
        actor=request.actor, order=order, confirm_count=payload.confirm_count, note=payload.note
    )
    return _order_out(selectors.get_order(request.scope, order_id))


@router.post("/orders/{int:order_id}/reject", response=OrderOut)
@api_operation(SCREENING_APPROVE)
def reject_order(request, order_id: Id, payload: ReasonIn):
    order = selectors.get_order(request.scope, order_id)
    services.reject_bulk(actor=request.actor, order=order, reason=payload.reason)
    return _order_out(selectors.get_order(request.scope, order_id))
