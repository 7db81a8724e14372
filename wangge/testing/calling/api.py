"""API of the calling plan, notices and the outbox, mounted at /api/v1/testing. Same scoping and
services as the pages (wangge.testing.calling.services); phones are masked unless the caller may see them."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from wangge.core import masking
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Limit, Offset, ValidationErrorOut, unprocessable
from wangge.core.schemas import MaskedSchema
from wangge.registry.selectors import shown_phone
from wangge.testing.calling import selectors as calling_selectors
from wangge.testing.calling import services as calling
from wangge.testing.models import DeliveryStatus, Notice, NoticeDelivery, OutboxMessage
from wangge.testing.permissions import TESTING_MANAGE, TESTING_VIEW
from wangge.testing.rounds import selectors

router = Router(tags=["testing: calling plan and notices"])

MAX_LIMIT = 1000


class SlotOut(Schema):
    id: int
    site_id: int
    site_name: str
    kind: str
    grid_id: int
    building_id: int | None
    unit_label: str
    floor: int | None
    employer: str
    label: str
    starts_at: datetime
    ends_at: datetime
    people: int
    edited: bool
    after_closing: bool
    queue_per_table: float | None
    over_capacity: bool
    notice_id: int | None


class PlanOut(Schema):
    count: int
    items: list[SlotOut]


class SummaryOut(Schema):
    slots: int
    people: int
    sites: int
    unassigned: int
    over_capacity: int
    over_capacity_sites: list[str]
    unassigned_batches: list[str]
    kept: int
    replaced: int
    seconds: float


class SlotPatch(Schema):
    # Optional so that an unknown slot answers 404 before the body is judged.
    site_id: Id | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class DeliveryOut(MaskedSchema):
    masked_fields = {"phone": masking.PHONE}

    id: int
    person_id: int
    person_name: str
    phone: str
    status: str
    detail: str
    provider_id: str
    sent_at: datetime | None


class NoticeOut(Schema):
    id: int
    slot_id: int
    channel: str
    text: str
    created_at: datetime
    counts: dict[str, int]
    count: int
    items: list[DeliveryOut]


class OutboxOut(MaskedSchema):
    masked_fields = {"phone": masking.PHONE}

    id: int
    channel: str
    phone: str
    text: str
    ref: str
    created_at: datetime


class OutboxPage(Schema):
    count: int
    items: list[OutboxOut]


def _window(qs, limit: int, offset: int):
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return qs.count(), list(qs[offset : offset + limit])


def _slot_out(slot, queues, notices) -> dict:
    queue, over = (queues or {}).get((slot.site_id, slot.starts_at, slot.ends_at), (None, False))
    return {
        "id": slot.pk,
        "site_id": slot.site_id,
        "site_name": slot.site.name,
        "kind": slot.kind,
        "grid_id": slot.grid_id,
        "building_id": slot.building_id,
        "unit_label": slot.unit_label,
        "floor": slot.floor,
        "employer": slot.employer,
        "label": slot.label,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "people": slot.people,
        "edited": slot.edited,
        "after_closing": slot.ends_at > slot.site.closes_at,
        "queue_per_table": queue,
        "over_capacity": over,
        "notice_id": notices.get(slot.pk),
    }


def _notices_of(slots) -> dict[int, int]:
    return dict(
        Notice.objects.filter(slot_id__in=[s.pk for s in slots])
        .values("slot_id")
        .annotate(last=Max("id"))
        .values_list("slot_id", "last")
    )


def _notice_out(request, notice, limit: int = 500, offset: int = 0, status: str = "") -> dict:
    scope = request.scope
    qs = scope.filter(NoticeDelivery.objects.filter(notice=notice).select_related("person")).order_by("id")
    if status:
        qs = qs.filter(status=status)
    count, items = _window(qs, limit, offset)
    return {
        "id": notice.pk,
        "slot_id": notice.slot_id,
        "channel": notice.channel,
        "text": notice.text,
        "created_at": notice.created_at,
        "counts": calling_selectors.delivery_counts(notice, scope),
        "count": count,
        "items": [
            {
                "id": d.pk,
                "person_id": d.person_id,
                "person_name": d.person.name,
                "phone": shown_phone(request.actor, d.person.phone),
                "status": d.status,
                "detail": d.detail,
                "provider_id": d.provider_id,
                "sent_at": d.sent_at,
            }
            for d in items
        ],
    }


@router.get("/rounds/{int:round_id}/plan", response=PlanOut)
@api_operation(TESTING_VIEW)
def get_plan(request, round_id: Id, site_id: Id | None = None, limit: Limit = 500, offset: Offset = 0):
    """The batches of a round the caller may see (a grid leader: those of their grid)."""
    rnd = selectors.get_round(request.scope, round_id)
    qs = calling_selectors.slots(request.scope, rnd)
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    count, items = _window(
        qs.order_by("site__path", "site__name", "site_id", "starts_at", "id"), limit, offset
    )
    manager = request.actor.can(TESTING_MANAGE) and selectors.can_manage(request.scope, rnd)
    queues = calling_selectors.window_queues(rnd, {s.site_id for s in items}) if manager else None
    notices = _notices_of(items)
    return {"count": count, "items": [_slot_out(s, queues, notices) for s in items]}


@router.post("/rounds/{int:round_id}/plan/build", response={200: SummaryOut})
@api_operation(TESTING_MANAGE)
def build(request, round_id: Id, start_at: datetime | None = None):
    """Build (or rebuild) the plan; `start_at` (query) calls nobody earlier. Slots edited by hand
    or already noticed are kept."""
    rnd = selectors.get_round(request.scope, round_id)
    summary = calling.build_plan(actor=request.actor, round=rnd, start_at=start_at)
    return {
        **summary.as_dict(),
        "unassigned_batches": summary.unassigned_batches,
        "seconds": round(summary.seconds, 3),
    }


@router.patch("/slots/{int:slot_id}", response={200: SlotOut, 422: ValidationErrorOut})
@api_operation(TESTING_MANAGE)
def patch_slot(request, slot_id: Id, payload: SlotPatch):
    scope = request.scope
    slot = calling_selectors.get_slot(scope, slot_id)
    site = slot.site
    if payload.site_id is not None:
        site = selectors.sites(scope, slot.round).filter(pk=payload.site_id).first()
        if site is None:
            return unprocessable(_("Choose a site of this round."))
    try:
        slot = calling.update_slot(
            actor=request.actor,
            slot=slot,
            site=site,
            starts_at=payload.starts_at or slot.starts_at,
            ends_at=payload.ends_at or slot.ends_at,
        )
    except ValidationError as exc:
        return unprocessable(exc)
    slot = calling_selectors.get_slot(scope, slot.pk)
    return _slot_out(slot, None, _notices_of([slot]))


@router.post("/slots/{int:slot_id}/notice", response={201: NoticeOut})
@api_operation(TESTING_MANAGE)
def slot_notice(request, slot_id: Id):
    slot = calling_selectors.get_slot(request.scope, slot_id)
    notice = calling.send_slot_notice(actor=request.actor, slot=slot)
    return Status(201, _notice_out(request, calling_selectors.get_notice(request.scope, notice.pk)))


@router.get("/notices/{int:notice_id}", response=NoticeOut)
@api_operation(TESTING_VIEW)
def get_notice(request, notice_id: Id, status: str = "", limit: Limit = 500, offset: Offset = 0):
    notice = calling_selectors.get_notice(request.scope, notice_id)
    if status and status not in DeliveryStatus.values:
        status = ""
    return _notice_out(request, notice, limit, offset, status)


@router.post("/notices/{int:notice_id}/resend", response=NoticeOut)
@api_operation(TESTING_MANAGE)
def resend(request, notice_id: Id):
    notice = calling_selectors.get_notice(request.scope, notice_id)
    calling.resend_failed(actor=request.actor, notice=notice)
    return _notice_out(request, calling_selectors.get_notice(request.scope, notice.pk))


@router.get("/outbox", response=OutboxPage)
@api_operation(TESTING_VIEW)
def outbox(request, limit: Limit = 100, offset: Offset = 0):
    qs = request.scope.filter(OutboxMessage.objects.all()).order_by("-created_at", "-id")
    count, items = _window(qs, limit, offset)
    return {
        "count": count,
        "items": [
            {
                "id": m.pk,
                "channel": m.channel,
                "phone": shown_phone(request.actor, m.phone),
                "text": m.text,
                "ref": m.ref,
                "created_at": m.created_at,
            }
            for m in items
        ],
    }
