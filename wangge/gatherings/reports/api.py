"""API of gatherings (mounted at /api/v1/gatherings): the same services and scoping as the pages.

GET / (paginated; status, when=today|week), GET /{gathering_id}, POST / (a grid worker reports;
idempotent by client_token), POST /check (what the rules say, nothing written), POST
/{gathering_id}/forward|approve|refuse, POST /{gathering_id}/day-checks (idempotent by client_id),
POST /{gathering_id}/after-record, GET /rules. The host's ID number and phone are masked by role.
"""

import datetime
import uuid

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.core import masking
from wangge.core.access import api_operation, not_found
from wangge.core.api_conventions import Id, Line, Pagination, Text
from wangge.core.schemas import MaskedSchema
from wangge.gatherings.approvals import services as approvals
from wangge.gatherings.day import selectors as day
from wangge.gatherings.day import services as day_services
from wangge.gatherings.models import Gathering, GatheringKind
from wangge.gatherings.permissions import (
    GATHERINGS_REPORT,
    GATHERINGS_SUPERVISE,
    GATHERINGS_VIEW,
)
from wangge.gatherings.reports import services
from wangge.gatherings.rules import selectors as rules
from wangge.org.models import OrgUnit

router = Router(tags=["gatherings"])


class MealSchema(Schema):
    on: datetime.date
    diners: int = Field(ge=1, le=100000)
    tables: int = Field(0, ge=0, le=10000)
    label: Line = Field("", max_length=20)


class GatheringOut(MaskedSchema):
    masked_fields = {"host_id_number": masking.ID, "host_phone": masking.PHONE}

    id: int
    lookup_code: str
    kind: str
    kind_name: str
    host_name: str
    host_id_number: str
    host_phone: str
    host_person_id: int | None
    unit_id: int
    unit_name: str
    place_kind: str
    address: str
    venue_id: int | None
    starts_on: datetime.date
    ends_on: datetime.date
    meals: list[MealSchema]
    max_diners: int
    caterer_kind: str
    caterer: str
    outside_guests: bool
    band: str
    stage: str
    status: str
    verdict: list[str]
    conditions: list[str]
    refusal: str
    supervisor_id: int | None
    guests_total: int
    guests_flagged: int
    reported_by: str
    reported_at: datetime.datetime


def _out(g: Gathering) -> dict:
    return {
        "id": g.pk, "lookup_code": g.lookup_code, "kind": g.kind.code, "kind_name": g.kind.name,
        "host_name": g.host_name, "host_id_number": g.host_id_number, "host_phone": g.host_phone,
        "host_person_id": g.host_id, "unit_id": g.unit_id, "unit_name": g.unit.name, "place_kind": g.place_kind,
        "address": g.address, "venue_id": g.venue_id, "starts_on": g.starts_on, "ends_on": g.ends_on,
        "meals": [{"on": m.on, "diners": m.diners, "tables": m.tables, "label": m.label} for m in g.meals.all()],
        "max_diners": g.max_diners, "caterer_kind": g.caterer_kind, "caterer": g.caterer,
        "outside_guests": g.outside_guests, "band": g.band, "stage": g.stage, "status": g.status,
        "verdict": list(g.verdict or []), "conditions": list(g.conditions or []), "refusal": g.refusal,
        "supervisor_id": g.supervisor_id, "guests_total": g.guests_total, "guests_flagged": g.guests_flagged,
        "reported_by": g.reported_by, "reported_at": g.reported_at,
    }  # fmt: skip


def _get(request, gathering_id: int) -> Gathering:
    return request.scope.get(Gathering.objects.select_related("kind", "unit"), pk=gathering_id)


@router.get("/", response=list[GatheringOut])
@api_operation(GATHERINGS_VIEW)
@paginate(Pagination)
def list_gatherings(request, status: str = "", when: str = ""):
    qs = day.search(request.scope, status=status[:12], when=when[:8]).prefetch_related("meals")
    return [_out(g) for g in qs]


class GatheringCheckIn(Schema):
    kind: Line = Field(max_length=40)
    starts_on: datetime.date
    meals: list[MealSchema] = Field(min_length=1, max_length=10)


class VerdictOut(Schema):
    band: str
    banned: bool
    needs_plan: bool
    postpone: bool
    messages: list[str]
    errors: dict[str, str]
    conditions: list[str]


def _kind(code: str) -> GatheringKind:
    kind = GatheringKind.objects.filter(code=code, active=True).first()
    if kind is None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError({"kind": _("Unknown kind of gathering.")})
    return kind


@router.post("/check", response=VerdictOut)
@api_operation(GATHERINGS_VIEW)
def check_rules(request, payload: GatheringCheckIn):
    meals = [services.MealIn(on=m.on, diners=m.diners, tables=m.tables, label=m.label) for m in payload.meals]
    v = services.verdict_for(kind=_kind(payload.kind), starts_on=payload.starts_on, meals=meals)
    return {"band": v.band, "banned": v.banned, "needs_plan": v.needs_plan, "postpone": v.postpone,
            "messages": v.messages, "errors": v.errors, "conditions": v.conditions}  # fmt: skip


class GatheringReportIn(Schema):
    client_token: uuid.UUID
    kind: Line = Field(max_length=40)
    unit_id: Id
    host_name: Line = Field(max_length=60)
    host_id_type: Line = Field("resident_id", max_length=16)
    host_id_number: Line = Field(max_length=32)
    host_phone: Line = Field(max_length=20)
    place_kind: Line = Field("address", max_length=10)
    address: Line = Field("", max_length=250)
    venue_id: Id | None = None
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    meals: list[MealSchema] = Field(min_length=1, max_length=10)
    caterer_kind: Line = Field("village_chef", max_length=14)
    caterer: Line = Field("", max_length=100)
    outside_guests: bool = False
    outside_from: Line = Field("", max_length=200)
    plan: Text = Field("", max_length=4000)
    note: Text = Field("", max_length=1000)
    title: Line = Field("", max_length=100)


@router.post("/", response={201: GatheringOut, 200: GatheringOut})
@api_operation(GATHERINGS_REPORT)
def report(request, payload: GatheringReportIn):
    existing = request.scope.filter(Gathering.objects.filter(client_token=payload.client_token)).first()
    if existing is not None:
        return Status(200, _out(existing))
    unit = request.scope.get(OrgUnit.objects.all(), pk=payload.unit_id)
    venue = None
    if payload.venue_id:
        from wangge.venues.models import Venue

        venue = request.scope.get(Venue.objects.select_related("grid"), pk=payload.venue_id)
    g = services.submit(
        actor=request.actor, client_token=payload.client_token, kind=_kind(payload.kind), unit=unit,
        host_name=payload.host_name, host_id_type=payload.host_id_type, host_id_number=payload.host_id_number,
        host_phone=payload.host_phone, place_kind=payload.place_kind, address=payload.address, venue=venue,
        starts_on=payload.starts_on, ends_on=payload.ends_on or payload.starts_on,
        meals=[services.MealIn(on=m.on, diners=m.diners, tables=m.tables, label=m.label) for m in payload.meals],
        caterer_kind=payload.caterer_kind, caterer=payload.caterer, outside_guests=payload.outside_guests,
        outside_from=payload.outside_from, plan=payload.plan, note=payload.note, title=payload.title,
    )  # fmt: skip
    if not request.scope.covers_path(g.path):  # a token of a report elsewhere
        raise not_found()
    return Status(201, _out(g))


@router.get("/rules", response=list[dict])
@api_operation(GATHERINGS_VIEW)
def list_rules(request):
    return [
        {"id": r.pk, "kind": r.kind.code, "kind_name": r.kind.name, "stance": r.stance, "wording": r.wording,
         "lead_days": r.lead_days, "max_diners_per_meal": r.max_diners_per_meal, "village_band": r.village_band,
         "office_band": r.office_band, "conditions": r.conditions, "valid_from": r.valid_from.isoformat(),
         "valid_to": r.valid_to.isoformat() if r.valid_to else None}
        for r in rules.rules()
    ]  # fmt: skip


@router.get("/{int:gathering_id}", response=GatheringOut)
@api_operation(GATHERINGS_VIEW)
def detail(request, gathering_id: Id):
    return _out(_get(request, gathering_id))


class DecisionIn(Schema):
    note: Text = Field("", max_length=1000)
    conditions: list[Line] | None = Field(None, max_length=12)
    supervisor_id: Id | None = None
    grid_id: Id | None = None


def _grid(request, grid_id):
    return request.scope.get(OrgUnit.objects.all(), pk=grid_id) if grid_id else None


@router.post("/{int:gathering_id}/forward", response=GatheringOut)
@api_operation(GATHERINGS_VIEW)
def forward(request, gathering_id: Id, payload: DecisionIn | None = None):
    g = _get(request, gathering_id)
    payload = payload or DecisionIn()
    return _out(
        approvals.forward(
            actor=request.actor, gathering=g, note=payload.note, grid=_grid(request, payload.grid_id)
        )
    )


@router.post("/{int:gathering_id}/approve", response=GatheringOut)
@api_operation(GATHERINGS_VIEW)
def approve(request, gathering_id: Id, payload: DecisionIn | None = None):
    g = _get(request, gathering_id)
    payload = payload or DecisionIn()
    supervisor = None
    if payload.supervisor_id:
        supervisor = get_object_or_404(User, pk=payload.supervisor_id)
    return _out(
        approvals.approve(
            actor=request.actor,
            gathering=g,
            conditions=payload.conditions,
            supervisor=supervisor,
            note=payload.note,
            grid=_grid(request, payload.grid_id),
        )  # fmt: skip
    )


class RefuseIn(Schema):
    reasons: Text = Field("", max_length=1000)


@router.post("/{int:gathering_id}/refuse", response=GatheringOut)
@api_operation(GATHERINGS_VIEW)
def refuse(request, gathering_id: Id, payload: RefuseIn | None = None):
    g = _get(request, gathering_id)
    return _out(approvals.refuse(actor=request.actor, gathering=g, reasons=(payload or RefuseIn()).reasons))


class DayCheckIn(Schema):
    client_id: uuid.UUID | None = None
    actual_diners: int | None = Field(None, ge=0, le=100000)
    conditions_kept: bool = True
    problems: Text = Field("", max_length=2000)
    at: datetime.datetime | None = Field(
        None, description="When the check was made on the phone (a check queued offline keeps its time)."
    )


class DayCheckOut(Schema):
    id: int
    client_id: uuid.UUID
    gathering_id: int
    actual_diners: int
    conditions_kept: bool
    problems: str
    has_photo: bool
    at: datetime.datetime


@router.post("/{int:gathering_id}/day-checks", response={201: DayCheckOut})
@api_operation(GATHERINGS_SUPERVISE)
def day_check(request, gathering_id: Id, payload: DayCheckIn | None = None):
    g = _get(request, gathering_id)
    payload = payload or DayCheckIn()
    c = day_services.record_day_check(
        actor=request.actor, gathering=g, client_id=payload.client_id, actual_diners=payload.actual_diners,
        conditions_kept=payload.conditions_kept, problems=payload.problems, at=payload.at,
    )  # fmt: skip
    out = {"id": c.pk, "client_id": c.client_id, "gathering_id": c.gathering_id, "actual_diners": c.actual_diners,
           "conditions_kept": c.conditions_kept, "problems": c.problems, "has_photo": bool(c.photo), "at": c.at}  # fmt: skip
    return Status(201, out)


class AfterIn(Schema):
    actual_diners: int | None = Field(None, ge=0, le=100000)
    anyone_unwell: bool = False
    note: Text = Field("", max_length=2000)


@router.post("/{int:gathering_id}/after-record", response=GatheringOut)
@api_operation(GATHERINGS_SUPERVISE)
def after_record(request, gathering_id: Id, payload: AfterIn | None = None):
    g = _get(request, gathering_id)
    payload = payload or AfterIn()
    day_services.record_after(
        actor=request.actor, gathering=g, actual_diners=payload.actual_diners,
        anyone_unwell=payload.anyone_unwell, note=payload.note,
    )  # fmt: skip
    return _out(_get(request, gathering_id))
