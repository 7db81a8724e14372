"""API of venue inspections (mounted at /api/v1/inspections): campaigns and their summaries,
inspections and the phone's sync, photos, rectification orders, venues due, checklists,
disinfection plans and their rounds.

Same scoping and services as the pages. Nothing here is meant for a venue account: plans and due
lists are internal (四不两直); a venue sees its own orders through the venues part's pages.
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Limit, Line, Offset, Text
from wangge.inspections.campaigns import selectors as campaign_selectors
from wangge.inspections.campaigns import services as campaign_services
from wangge.inspections.campaigns.summary import summarise
from wangge.inspections.checklists import selectors as checklist_selectors
from wangge.inspections.disinfection import selectors as disinfection_selectors
from wangge.inspections.disinfection import services as disinfection
from wangge.inspections.inspecting import photos
from wangge.inspections.inspecting import selectors as inspection_selectors
from wangge.inspections.inspecting import services as inspecting
from wangge.inspections.models import Answer, Order
from wangge.inspections.orders import selectors as order_selectors
from wangge.inspections.orders import services as orders
from wangge.inspections.permissions import (
    INSPECTIONS_DISINFECT,
    INSPECTIONS_INSPECT,
    INSPECTIONS_LEAD,
    INSPECTIONS_VIEW,
)
from wangge.roster.models import StaffMember

router = Router(tags=["inspections"])
MAX_OPS = 2000


class InspectionTeamMemberOut(Schema):
    staff_id: int
    name: str
    department_id: int | None
    department: str
    leader: bool


class InspectionCampaignOut(Schema):
    id: int
    kind: str
    name: str
    on_date: date
    unit_id: int
    leader: str | None
    inspections: int
    team: list[InspectionTeamMemberOut] = []
    departments: list[str] = []


class InspectionTeamIn(Schema):
    # Judged after the campaign is found: an unknown campaign answers 404 whatever is sent.
    team: list[int] | None = Field(None, max_length=100)
    leader: int | None = None


class InspectionSummaryOut(Schema):
    campaign_id: int
    zh: str
    en: str
    inspected: int
    failed: int
    orders: int


class InspectionAnswerOut(Schema):
    item_id: int
    section: str
    text: str
    points: int
    critical: bool
    photo_on_fail: bool
    note_on_fail: bool
    data_check: str
    suggested: str
    evidence: str
    result: str
    note: str
    photos: list[int]


class VenueInspectionOut(Schema):
    id: int
    venue_id: int
    venue_name: str
    kind: str
    campaign_id: int | None
    rectification_id: int | None
    on_date: date
    status: str
    template_version: int
    score: int
    max_score: int
    verdict: str
    signed_at: datetime | None
    answers: list[InspectionAnswerOut]


class InspectionOrderOut(Schema):
    id: int
    notice_no: str
    venue_id: int
    venue_name: str
    what: str
    immediate: bool
    deadline: date
    status: str
    overdue: bool
    acknowledged_at: datetime | None
    extensions: int
    extension_reason: str
    suspends_venue: bool


class InspectionDueOut(Schema):
    venue_id: int
    venue_name: str
    kind: str
    last_on: date | None
    due_on: date | None
    open_orders: int
    watched: bool


class InspectionOpIn(Schema):
    opid: Line = Field(max_length=64)
    kind: Line = Field(max_length=10, description="answer | submit | sign")
    inspection: Id
    item: int | None = None
    result: Line = Field("", max_length=4)
    note: Text = Field("", max_length=500)
    client_id: uuid.UUID | None = None
    days: int = Field(0, ge=0, le=60)
    suspend: bool = False
    reason: Text = Field("", max_length=300)


class InspectionSyncIn(Schema):
    ops: list[InspectionOpIn] = Field(..., max_length=MAX_OPS)


class InspectionOpOut(Schema):
    opid: str
    ok: bool
    status: str
    message: str
    score: int | None = None
    max_score: int | None = None
    verdict: str | None = None
    order: dict | None = None
    order_status: str | None = None
    order_deadline: str | None = None


class InspectionSyncOut(Schema):
    results: list[InspectionOpOut]


class InspectionPhotoOut(Schema):
    id: int
    stored: bool
    width: int
    height: int


class InspectionReinspectIn(Schema):
    client_id: uuid.UUID | None = None


def _campaign(c) -> dict[str, Any]:
    return {
        "id": c.pk, "kind": c.kind, "name": c.name, "on_date": c.on_date, "unit_id": c.unit_id,
        "leader": c.leader.name if c.leader else None, "inspections": getattr(c, "n_inspections", 0),
        "team": [
            {
                "staff_id": m.staff_id, "name": m.staff.name, "department_id": m.department_id,
                "department": m.department.name if m.department else "", "leader": m.is_leader,
            }
            for m in c.members.all()
        ],
        "departments": [d.name for d in c.departments.all()],
    }  # fmt: skip


def inspection_out(i) -> dict[str, Any]:
    answers = list(inspection_selectors.answers_of(i))
    return {
        "id": i.pk, "venue_id": i.venue_id, "venue_name": i.venue.name, "kind": i.kind,
        "campaign_id": i.campaign_id, "rectification_id": i.order_id, "on_date": i.on_date, "status": i.status,
        "template_version": i.template.version, "score": i.score, "max_score": i.max_score,
        "verdict": i.verdict, "signed_at": i.signed_at,
        "answers": [
            {
                "item_id": a.item_id, "section": a.section, "text": a.text, "points": a.points,
                "critical": a.critical, "photo_on_fail": a.photo_on_fail, "note_on_fail": a.note_on_fail,
                "data_check": a.data_check, "suggested": a.suggested, "evidence": a.evidence,
                "result": a.result, "note": a.note, "photos": [p.pk for p in a.photos.all()],
            }
            for a in answers
        ],
    }  # fmt: skip


def order_out(o: Order) -> dict[str, Any]:
    return {
        "id": o.pk, "notice_no": o.notice_no, "venue_id": o.venue_id, "venue_name": o.venue.name,
        "what": o.what, "immediate": o.immediate, "deadline": o.deadline, "status": o.status,
        "overdue": o.is_overdue, "acknowledged_at": o.acknowledged_at, "extensions": o.extensions,
        "extension_reason": o.extension_reason, "suspends_venue": o.suspends_venue,
    }  # fmt: skip


@router.get("/campaigns", response=list[InspectionCampaignOut])
@api_operation(INSPECTIONS_VIEW)
def list_campaigns(request, offset: Offset = 0, limit: Limit = 100):
    qs = campaign_selectors.campaigns(request.scope).order_by("-on_date", "-id")
    qs = qs.prefetch_related("members__staff", "members__department", "departments")
    return [_campaign(c) for c in qs[offset : offset + limit]]


@router.put("/campaigns/{int:campaign_id}/team", response=InspectionCampaignOut)
@api_operation(INSPECTIONS_LEAD)
def set_campaign_team(request, campaign_id: Id, payload: InspectionTeamIn):
    """The campaign's team (roster staff of the campaign's unit, each with their department) and
    its leader, one of the team; the campaign's departments follow from the team."""
    c = campaign_selectors.get_campaign(request.scope, campaign_id)
    if not payload.team or payload.leader is None:
        raise ValidationError(_("Send the team and its leader."))
    wanted = [*payload.team, payload.leader]
    found = {
        s.pk: s
        for s in request.scope.filter(StaffMember.objects.filter(pk__in=wanted).select_related("department"))
    }
    if any(pk not in found for pk in wanted):
        raise ValidationError(_("Choose staff of your area."))
    campaign_services.set_team(
        actor=request.actor,
        scope=request.scope,
        campaign=c,
        team=[found[pk] for pk in payload.team],
        leader=found[payload.leader],
    )
    qs = campaign_selectors.campaigns(request.scope).filter(pk=c.pk)
    return _campaign(qs.prefetch_related("members__staff", "members__department", "departments").get())


@router.get("/campaigns/{int:campaign_id}/summary", response=InspectionSummaryOut)
@api_operation(INSPECTIONS_VIEW)
def campaign_summary(request, campaign_id: Id):
    """The campaign's summary in Chinese and English: counts by kind, verdict, failures, orders."""
    c = campaign_selectors.get_campaign(request.scope, campaign_id)
    s = summarise(c)
    return {
        "campaign_id": c.pk,
        "zh": s.zh,
        "en": s.en,
        "inspected": s.inspected,
        "failed": s.failed,
        "orders": s.orders,
    }


@router.get("/inspections/{int:inspection_id}", response=VenueInspectionOut)
@api_operation(INSPECTIONS_VIEW)
def get_inspection(request, inspection_id: Id):
    return inspection_out(inspection_selectors.get_inspection(request.scope, inspection_id))


@router.post("/sync", response=InspectionSyncOut)
@api_operation(INSPECTIONS_INSPECT)
def sync(request, payload: InspectionSyncIn):
    """A phone's queue, in order: answers (pass / fail / na, with a note), submissions (score,
    verdict and, for a failure, the rectification order with its deadline) and signatures.
    Each operation is answered once: a replay answers "duplicate"; an item already answered from
    another phone answers "refused" with the reason, and nothing is overwritten."""
    ops = [op.dict() for op in payload.ops]
    for op in ops:
        if op.get("client_id") is not None:
            op["client_id"] = str(op["client_id"])
    return {"results": inspecting.sync(actor=request.actor, scope=request.scope, ops=ops)}


@router.post("/inspections/{int:inspection_id}/photos", response=InspectionPhotoOut)
@api_operation(INSPECTIONS_INSPECT)
def upload_photo(
    request,
    inspection_id: Id,
    item: Form[int | None] = None,
    client_id: Form[uuid.UUID | None] = None,
    file: File[UploadedFile | None] = None,
):
    """A photo of an item (JPEG, PNG or WebP, 5 MB at most), re-encoded without its metadata and
    kept privately; sent again with the same client id, it is stored once. The form's fields are
    judged after the inspection is found (an unknown inspection answers 404)."""
    inspection = inspection_selectors.get_inspection_to_answer(request.scope, request.actor, inspection_id)
    if item is None or client_id is None or file is None:
        raise ValidationError(_("Send the item, the photo's id and the photo."))
    answer = Answer.objects.filter(inspection=inspection, item_id=item).first()
    if answer is None:
        raise ValidationError(_("This item is not on this inspection."))
    if (file.size or 0) > photos.MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (%(mb)s MB at most).") % {"mb": photos.MAX_BYTES // 2**20}
        )
    photo, stored = photos.add_photo(
        actor=request.actor, answer=answer, client_id=client_id, data=file.read()
    )
    return {"id": photo.pk, "stored": stored, "width": photo.width, "height": photo.height}


@router.post("/inspections/{int:inspection_id}/sign", response=VenueInspectionOut)
@api_operation(INSPECTIONS_LEAD)
def sign(request, inspection_id: Id):
    i = inspection_selectors.get_inspection(request.scope, inspection_id)
    inspecting.sign(actor=request.actor, inspection=i)
    return inspection_out(inspection_selectors.get_inspection(request.scope, inspection_id))


@router.get("/orders", response=list[InspectionOrderOut])
@api_operation(INSPECTIONS_VIEW)
def list_orders(request, show: str = "open", offset: Offset = 0, limit: Limit = 100):
    """show: open, overdue, reinspect (deadline reached) or all."""
    scope = request.scope
    qs = {
        "overdue": order_selectors.overdue,
        "reinspect": order_selectors.to_reinspect,
    }.get(show, order_selectors.orders)(scope)
    if show == "open":
        qs = qs.filter(status="open")
    return [order_out(o) for o in qs.order_by("deadline", "id")[offset : offset + limit]]


@router.get("/orders/{int:rectification_id}", response=InspectionOrderOut)
@api_operation(INSPECTIONS_VIEW)
def get_order(request, rectification_id: Id):
    return order_out(order_selectors.get_order(request.scope, rectification_id))


@router.post("/orders/{int:rectification_id}/acknowledge", response=InspectionOrderOut)
@api_operation(INSPECTIONS_VIEW)
def acknowledge(request, rectification_id: Id):
    o = order_selectors.get_order(request.scope, rectification_id)
    return order_out(orders.acknowledge_order(actor=request.actor, order=o))


@router.post("/orders/{int:rectification_id}/reinspections", response=VenueInspectionOut)
@api_operation(INSPECTIONS_INSPECT)
def reinspect(request, rectification_id: Id, payload: InspectionReinspectIn):
    """Start the re-inspection of an order's failed items (refused for a closed order)."""
    o = order_selectors.get_order(request.scope, rectification_id)
    i = inspecting.start_inspection(actor=request.actor, venue=o.venue, order=o, client_id=payload.client_id)
    return inspection_out(inspection_selectors.get_inspection(request.scope, i.pk))


@router.get("/due", response=list[InspectionDueOut])
@api_operation(INSPECTIONS_INSPECT)
def due(request, limit: Limit = 100):
    """Venues due for inspection (internal: never shown to a venue account)."""
    return [
        {
            "venue_id": d.venue.pk, "venue_name": d.venue.name, "kind": d.venue.kind.code, "last_on": d.last_on,
            "due_on": d.due_on, "open_orders": d.open_orders, "watched": d.watched,
        }
        for d in campaign_selectors.due_for_inspection(request.scope, limit=limit)
    ]  # fmt: skip


class InspectionChecklistOut(Schema):
    id: int
    kind: str
    name: str
    version: int
    items: int


@router.get("/checklists", response=list[InspectionChecklistOut])
@api_operation(INSPECTIONS_VIEW)
def checklists(request):
    return [
        {"id": t.pk, "kind": t.kind.code, "name": t.name, "version": t.version, "items": t.n_items}
        for t in checklist_selectors.current_templates()
    ]


class DisinfectionPlanOut(Schema):
    id: int
    unit_id: int
    venue_id: int | None
    place: str
    every_days: int
    starts_on: date
    active: bool
    missing_days: list[date] = Field(default_factory=list, description="Days missed in the last two weeks")


class DisinfectionPlanIn(Schema):
    unit_id: int
    venue_id: int | None = None
    place: Line
    every_days: int = Field(1, ge=1, le=90)
    starts_on: date


class DisinfectionPlanPatch(Schema):
    place: Line | None = None
    every_days: int | None = Field(None, ge=1, le=90)
    starts_on: date | None = None


class DisinfectionRoundIn(Schema):
    on: date | None = None
    done_by: Line = ""
    client_id: uuid.UUID | None = None


class DisinfectionRoundOut(Schema):
    plan_id: int
    on: date
    created: bool


def plan_out(p, missing: list[date] | None = None) -> dict[str, Any]:
    return {
        "id": p.pk, "unit_id": p.unit_id, "venue_id": p.venue_id, "place": p.place, "every_days": p.every_days,
        "starts_on": p.starts_on, "active": p.active, "missing_days": missing or [],
    }  # fmt: skip


@router.get("/disinfection/plans", response=list[DisinfectionPlanOut])
@api_operation(INSPECTIONS_DISINFECT)
def list_plans(request, offset: Offset = 0, limit: Limit = 100):
    """Plans in use, each with the days missed in the last two weeks."""
    missing = {
        g.plan.pk: g.missing
        for g in disinfection_selectors.missing_days(request.scope, until=timezone.localdate())
    }
    qs = disinfection_selectors.plans(request.scope).order_by("path", "place", "id")
    return [plan_out(p, missing.get(p.pk)) for p in qs[offset : offset + limit]]


@router.post("/disinfection/plans", response={201: DisinfectionPlanOut})
@api_operation(INSPECTIONS_DISINFECT)
def create_plan(request, payload: DisinfectionPlanIn):
    scope = request.scope
    unit = scope.get(disinfection_selectors.plan_units(scope), pk=payload.unit_id)
    venue = (
        scope.get(disinfection_selectors.plan_venues(scope), pk=payload.venue_id)
        if payload.venue_id is not None
        else None
    )
    p = disinfection.create_plan(
        actor=request.actor, scope=scope, unit=unit, venue=venue, place=payload.place,
        every_days=payload.every_days, starts_on=payload.starts_on,
    )  # fmt: skip
    return Status(201, plan_out(p))


@router.patch("/disinfection/plans/{int:plan_id}", response=DisinfectionPlanOut)
@api_operation(INSPECTIONS_DISINFECT)
def update_plan(request, plan_id: Id, payload: DisinfectionPlanPatch):
    p = disinfection_selectors.get_plan(request.scope, plan_id)
    p = disinfection.update_plan(
        actor=request.actor, scope=request.scope, plan=p,
        place=payload.place if payload.place is not None else p.place,
        every_days=payload.every_days if payload.every_days is not None else p.every_days,
        starts_on=payload.starts_on or p.starts_on,
    )  # fmt: skip
    return plan_out(p)


@router.post("/disinfection/plans/{int:plan_id}/end", response=DisinfectionPlanOut)
@api_operation(INSPECTIONS_DISINFECT)
def end_plan(request, plan_id: Id):
    p = disinfection_selectors.get_plan(request.scope, plan_id)
    return plan_out(disinfection.end_plan(actor=request.actor, scope=request.scope, plan=p))


@router.post("/disinfection/plans/{int:plan_id}/rounds", response=DisinfectionRoundOut)
@api_operation(INSPECTIONS_DISINFECT)
def record_round(request, plan_id: Id, payload: DisinfectionRoundIn):
    """The plan's disinfection done on a day (today by default); the same day twice is stored once."""
    p = disinfection_selectors.get_plan(request.scope, plan_id)
    on = payload.on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError(_("A disinfection cannot be recorded for a day still to come."))
    rnd, made = disinfection.record_round(
        actor=request.actor, plan=p, on=on, done_by=payload.done_by, client_id=payload.client_id
    )
    return {"plan_id": p.pk, "on": rnd.done_on, "created": made}
