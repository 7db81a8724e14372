"""Boxes and handovers over the API (mounted at /api/v1/testing): what a transporter's phone or a
lab's system calls. Every box is fetched through the caller's scope."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line, ValidationErrorOut, unprocessable
from wangge.testing.models import Handover
from wangge.testing.permissions import TESTING_RESULTS, TESTING_TRANSPORT, TESTING_VIEW
from wangge.testing.rounds import selectors
from wangge.testing.transport import selectors as queues
from wangge.testing.transport import services as transport

router = Router(tags=["testing: transport"])


Detail = ValidationErrorOut


class HandoverOut(Schema):
    id: int
    stage: str
    at: datetime
    from_name: str
    to_name: str
    tube_barcodes: list[str]


class BoxOut(Schema):
    id: int
    code: str
    site_id: int
    site_name: str
    status: str
    tube_count: int
    created_at: datetime
    left_site_at: datetime | None
    received_at: datetime | None
    late: bool
    elapsed_minutes: int | None


class BoxDetailOut(BoxOut):
    tubes: list[str]
    handovers: list[HandoverOut]


class UnboxedOut(Schema):
    barcode: str
    site_id: int
    sealed_at: datetime | None


class LateOut(Schema):
    boxes: list[BoxOut]
    unboxed_tubes: list[UnboxedOut]


class QueueBoxOut(Schema):
    id: int
    code: str
    round_id: int
    site_name: str
    tube_count: int
    left_site_at: datetime | None
    received_at: datetime | None
    age_minutes: int | None = None
    late: bool = False
    waiting: int | None = None
    url: str


class QueueTubeOut(Schema):
    id: int
    barcode: str
    round_id: int
    site_name: str
    box_code: str
    received_at: datetime | None
    age_minutes: int | None
    url: str
    results_url: str


class QueueConflictOut(Schema):
    id: int
    barcode: str
    round_id: int
    result: str
    result_in_force: str
    recorded_at: datetime
    age_minutes: int | None = None
    url: str


class LabQueueOut(Schema):
    counts: dict[str, int]
    in_transit: list[QueueBoxOut]
    received: list[QueueBoxOut]
    awaiting: list[QueueTubeOut]
    conflicts: list[QueueConflictOut]


class BoxIn(Schema):
    site_id: Id | None = None
    code: str = Field("", max_length=60)


class TubesIn(Schema):
    tubes: list[str] = Field(default_factory=list, max_length=transport.MAX_TUBES)


class TubeOutcomeOut(Schema):
    barcode: str
    ok: bool
    message: str


class HandoverIn(Schema):
    stage: str = ""
    at: datetime | None = None
    from_name: Line = Field("", max_length=60)
    to_name: Line = Field("", max_length=60)


def _box(box) -> dict:
    return {
        "id": box.pk,
        "code": box.code,
        "site_id": box.site_id,
        "site_name": box.site.name,
        "status": box.status,
        "tube_count": box.tube_count,
        "created_at": box.created_at,
        "left_site_at": box.left_site_at,
        "received_at": box.received_at,
        "late": box.late,
        "elapsed_minutes": int(box.elapsed.total_seconds() // 60) if box.elapsed is not None else None,
    }


def _detail(request, box_id) -> dict:
    box = transport.get_box(request.scope, box_id)
    transport.mark_late([box])
    data = _box(box)
    data["tubes"] = list(transport.tubes_of(box).values_list("barcode", flat=True))
    data["handovers"] = [
        {
            "id": h.pk,
            "stage": h.stage,
            "at": h.at,
            "from_name": h.from_name,
            "to_name": h.to_name,
            "tube_barcodes": h.tube_barcodes,
        }
        for h in Handover.objects.filter(box=box)
    ]
    return data


def _error(exc: ValidationError):
    return unprocessable(exc)


@router.get("/rounds/{round_id}/boxes", response=list[BoxOut])
@api_operation(TESTING_VIEW)
def list_boxes(request, round_id: Id, late: bool = False):
    """The boxes of a round in the caller's scope, with the late flag (late=true: late ones only)."""
    rnd = selectors.get_round(request.scope, round_id)
    items = transport.mark_late(list(transport.boxes(request.scope, rnd)))
    return [_box(b) for b in items if b.late or not late]


@router.get("/rounds/{round_id}/boxes/late", response=LateOut)
@api_operation(TESTING_VIEW)
def late_boxes(request, round_id: Id):
    """Late boxes, and sealed tubes in no box for longer than the round's limit."""
    rnd = selectors.get_round(request.scope, round_id)
    report = transport.late(request.scope, rnd)
    return {
        "boxes": [_box(b) for b in report.boxes],
        "unboxed_tubes": [
            {"barcode": t.barcode, "site_id": t.site_id, "sealed_at": t.sealed_at} for t in report.unboxed
        ],
    }


@router.post("/rounds/{round_id}/boxes", response={201: BoxDetailOut, 422: Detail})
@api_operation(TESTING_TRANSPORT)
def create_box(request, round_id: Id, payload: BoxIn):
    rnd = selectors.get_round(request.scope, round_id)
    site = selectors.sites(request.scope, rnd).filter(pk=payload.site_id).first()
    if site is None:
        return unprocessable(_("Choose a site of this round."))
    try:
        box = transport.create_box(actor=request.actor, site=site, code=payload.code)
    except ValidationError as exc:
        return _error(exc)
    return Status(201, _detail(request, box.pk))


@router.get("/boxes/{box_id}", response=BoxDetailOut)
@api_operation(TESTING_VIEW)
def get_box(request, box_id: Id):
    return _detail(request, box_id)


@router.delete("/boxes/{box_id}", response={204: None, 422: Detail})
@api_operation(TESTING_TRANSPORT)
def delete_box(request, box_id: Id):
    """Delete an empty box that has not left the site."""
    box = transport.get_box(request.scope, box_id)
    try:
        transport.delete_box(actor=request.actor, box=box)
    except ValidationError as exc:
        return _error(exc)
    return Status(204, None)


@router.post("/boxes/{box_id}/tubes", response={200: list[TubeOutcomeOut], 422: Detail})
@api_operation(TESTING_TRANSPORT)
def add_tubes(request, box_id: Id, payload: TubesIn):
    """Put sealed tubes of the box's site into it: one outcome per barcode."""
    box = transport.get_box(request.scope, box_id)
    try:
        outcomes = transport.add_tubes(actor=request.actor, box=box, barcodes=payload.tubes)
    except ValidationError as exc:
        return _error(exc)
    return [o.as_dict() for o in outcomes]


@router.post("/boxes/{box_id}/remove", response={200: BoxDetailOut, 422: Detail})
@api_operation(TESTING_TRANSPORT)
def remove_tubes(request, box_id: Id, payload: TubesIn):
    """Take tubes out of a box that is still being packed."""
    box = transport.get_box(request.scope, box_id)
    try:
        with transaction.atomic():
            for barcode in payload.tubes:
                transport.remove_tube(actor=request.actor, box=box, barcode=barcode)
    except ValidationError as exc:
        return _error(exc)
    return _detail(request, box.pk)


@router.post("/boxes/{box_id}/handover", response={200: BoxDetailOut, 422: Detail})
@api_operation(TESTING_TRANSPORT)
def handover(request, box_id: Id, payload: HandoverIn):
    """Record a handover: stage site_to_transport (the box leaves the site), then transport_to_lab."""
    box = transport.get_box(request.scope, box_id)
    try:
        transport.handover(
            actor=request.actor,
            box=box,
            stage=payload.stage,
            at=payload.at,
            from_name=payload.from_name,
            to_name=payload.to_name,
        )
    except ValidationError as exc:
        return _error(exc)
    return _detail(request, box.pk)


@router.post("/boxes/{box_id}/receive", response={200: BoxDetailOut, 422: Detail})
@api_operation(TESTING_RESULTS)
def receive(request, box_id: Id, payload: HandoverIn):
    """The lab receives the box from the transporter (the second handover; `stage` is ignored).
    Sent again with the same names and time, it answers the same."""
    box = transport.get_box(request.scope, box_id)
    try:
        transport.receive_box(
            actor=request.actor, box=box, at=payload.at, from_name=payload.from_name, to_name=payload.to_name
        )
    except ValidationError as exc:
        return _error(exc)
    return _detail(request, box.pk)


@router.get("/lab/queue", response=LabQueueOut)
@api_operation(TESTING_RESULTS)
def lab_queue(request):
    """The lab's queue in the caller's scope: boxes on the way (handed over, not received), boxes
    received in the last day, received tubes waiting for a result (with their age) and open
    conflicts; each with the page where it is dealt with."""
    from django.urls import reverse

    queue = queues.lab_queue(request.scope)
    return {
        "counts": queue.counts,
        "in_transit": [
            {
                "id": w.item.pk,
                "code": w.item.code,
                "round_id": w.item.round_id,
                "site_name": w.item.site.name,
                "tube_count": w.item.tube_count,
                "left_site_at": w.item.left_site_at,
                "received_at": w.item.received_at,
                "age_minutes": w.age_minutes,
                "late": w.late,
                "url": reverse("testing:box", kwargs={"box_id": w.item.pk}),
            }
            for w in queue.in_transit
        ],
        "received": [
            {
                "id": b.pk,
                "code": b.code,
                "round_id": b.round_id,
                "site_name": b.site.name,
                "tube_count": b.tube_count,
                "left_site_at": b.left_site_at,
                "received_at": b.received_at,
                "waiting": b.waiting,
                "url": reverse("testing:box", kwargs={"box_id": b.pk}),
            }
            for b in queue.received
        ],
        "awaiting": [
            {
                "id": w.item.pk,
                "barcode": w.item.barcode,
                "round_id": w.item.round_id,
                "site_name": w.item.site.name,
                "box_code": w.item.box.code,
                "received_at": w.item.box.received_at,
                "age_minutes": w.age_minutes,
                "url": reverse("testing:tube", kwargs={"tube_id": w.item.pk}),
                "results_url": reverse("testing:results", kwargs={"round_id": w.item.round_id}),
            }
            for w in queue.awaiting
        ],
        "conflicts": [
            {
                "id": w.item.pk,
                "barcode": w.item.tube.barcode,
                "round_id": w.item.tube.round_id,
                "result": w.item.result,
                "result_in_force": w.item.tube.result,
                "recorded_at": w.item.recorded_at,
                "age_minutes": w.age_minutes,
                "url": reverse("testing:conflicts", kwargs={"round_id": w.item.tube.round_id}),
            }
            for w in queue.conflicts
        ],
    }
