"""API of rounds, people due, sites and the configurable lists (mounted at /api/v1/testing).

Paths of this part: /rounds…, /dues/{due_id}/exemption, /sites/{site_id} (GET, PATCH),
/sites/{site_id}/staff, /sites/{site_id}/checks/{item_id} and /checklists. Same scoping and
services as the pages; ID numbers and phones are masked unless the caller's role may see them.
Bodies of routes that name a record have optional fields, so that an unknown record answers
404 before the body is judged.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wangge.core import masking
from wangge.core.access import api_operation, has_permission, under
from wangge.core.api_conventions import Id, Limit, Line, Offset, Text
from wangge.core.masking import mask_phone
from wangge.core.schemas import MaskedSchema
from wangge.org import selectors as org_selectors
from wangge.registry import selectors as registry_selectors
from wangge.roster import selectors as roster_selectors
from wangge.roster.permissions import ROSTER_VIEW_CONTACT
from wangge.testing.models import ChecklistItem, ChecklistKind, Due, RoundKind
from wangge.testing.permissions import TESTING_MANAGE, TESTING_VIEW
from wangge.testing.rounds import checklists as checklist_services
from wangge.testing.rounds import selectors, services
from wangge.testing.rounds import sites as site_services

router = Router(tags=["testing: rounds and sites"])

MAX_LIMIT = 500


class AreaOut(Schema):
    unit_id: int
    unit_name: str
    pool_size: int | None


class RoundOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    owner_id: int
    owner_name: str
    starts_at: datetime
    ends_at: datetime
    default_pool_size: int
    rate_per_table_hour: int
    queue_target: int
    window_minutes: int
    box_limit_hours: int
    population_built_at: datetime | None
    areas: list[AreaOut]
    groups: list[str]
    can_manage: bool
    due: int
    tested: int
    exempt: int
    percent: float


class AreaIn(Schema):
    unit_id: Id
    pool_size: int | None = None


class RoundIn(Schema):
    name: Line = Field(..., max_length=100)
    kind: str = RoundKind.MASS
    owner_id: Id | None = None
    starts_at: datetime
    ends_at: datetime
    areas: list[AreaIn] = Field(default_factory=list, max_length=500)
    default_pool_size: int = 10
    rate_per_table_hour: int = 60
    queue_target: int = 20
    window_minutes: int = 30
    box_limit_hours: int = 4


class RoundPatch(Schema):
    name: Line | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    default_pool_size: int | None = None
    rate_per_table_hour: int | None = None
    queue_target: int | None = None
    window_minutes: int | None = None
    box_limit_hours: int | None = None


class StatusIn(Schema):
    status: str = ""


class PopulationOut(Schema):
    added: int
    due: int


class GroupIn(Schema):
    name: Line = ""
    pool_size: int = 1
    person_ids: list[int] = Field(default_factory=list, max_length=5000)
    id_numbers: list[str] = Field(default_factory=list, max_length=5000)


class GroupOut(Schema):
    name: str
    pool_size: int
    added: int
    not_found: int


class DueOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID, "phone": masking.PHONE}

    id: int
    person_id: int
    name: str
    id_number: str
    phone: str
    grid_id: int
    grid_name: str
    building_id: int | None
    building_name: str
    unit_label: str
    floor: int | None
    pool_size: int
    source: str
    status: str
    exempt_reason: str
    exempt_note: str
    home_sampling: bool
    tested_at: datetime | None
    result: str


class DuePage(Schema):
    count: int
    items: list[DueOut]


class ExemptionIn(Schema):
    reason: Text = ""
    note: Text = ""


class SiteOut(Schema):
    id: int
    round_id: int
    name: str
    unit_id: int
    unit_name: str
    address: str
    latitude: float | None
    longitude: float | None
    tables: int
    opens_at: datetime
    closes_at: datetime
    pool_size: int | None
    grids: list[int]
    buildings: list[int]
    staff_count: int
    ready: bool
    checks_done: int
    checks_total: int


class SiteStaffOut(MaskedSchema):
    masked_fields = {"phone": masking.PHONE}
    masked_model = "roster."

    id: int
    role_id: int
    role: str
    staff_id: int | None
    name: str
    phone: str
    table_no: int | None


class SiteCheckOut(Schema):
    item_id: int
    name: str
    checked: bool


class SiteDetailOut(SiteOut):
    staff: list[SiteStaffOut]
    checks: list[SiteCheckOut]


class SiteIn(Schema):
    name: Line | None = None
    unit_id: Id | None = None
    address: Line | None = None
    latitude: float | None = None
    longitude: float | None = None
    tables: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    pool_size: int | None = None
    grids: list[int] | None = None
    buildings: list[int] | None = None


class SiteStaffIn(Schema):
    role_id: Id | None = None
    staff_id: Id | None = None
    name: Line = ""
    phone: str = ""
    table_no: int | None = None


class SiteCheckIn(Schema):
    checked: bool = True


class ChecklistItemOut(Schema):
    id: int
    kind: str
    name: str
    position: int
    is_active: bool


class ChecklistsOut(Schema):
    readiness: list[ChecklistItemOut]
    staff_roles: list[ChecklistItemOut]
    can_edit: bool


# --- helpers --------------------------------------------------------------------------------


def _round_out(request, rnd) -> dict:
    scope = request.scope
    totals = selectors.coverage_by_child(scope, rnd, selectors.focus_unit(scope, rnd))[0]
    return {
        "id": rnd.pk,
        "name": rnd.name,
        "kind": rnd.kind,
        "status": rnd.status,
        "owner_id": rnd.owner_id,
        "owner_name": rnd.owner.name,
        "starts_at": rnd.starts_at,
        "ends_at": rnd.ends_at,
        "default_pool_size": rnd.default_pool_size,
        "rate_per_table_hour": rnd.rate_per_table_hour,
        "queue_target": rnd.queue_target,
        "window_minutes": rnd.window_minutes,
        "box_limit_hours": rnd.box_limit_hours,
        "population_built_at": rnd.population_built_at,
        "areas": [
            {"unit_id": a.unit_id, "unit_name": a.unit.name, "pool_size": a.pool_size}
            for a in rnd.areas.select_related("unit").order_by("unit__path")
        ],
        "groups": list(rnd.groups.order_by("name").values_list("name", flat=True)),
        "can_manage": has_permission(request.actor, TESTING_MANAGE) and selectors.can_manage(scope, rnd),
        "due": totals.due,
        "tested": totals.tested,
        "exempt": totals.exempt,
        "percent": totals.percent,
    }


def _due_out(request, d: Due) -> dict:
    actor = request.actor
    return {
        "id": d.pk,
        "person_id": d.person_id,
        "name": d.person.name,
        "id_number": registry_selectors.shown_id(actor, d.person.id_number),
        "phone": registry_selectors.shown_phone(actor, d.person.phone),
        "grid_id": d.grid_id,
        "grid_name": d.grid.name,
        "building_id": d.building_id,
        "building_name": d.building.name if d.building_id else "",
        "unit_label": d.unit_label,
        "floor": d.floor,
        "pool_size": d.pool_size,
        "source": d.source,
        "status": d.status,
        "exempt_reason": d.exempt_reason,
        "exempt_note": d.exempt_note,
        "home_sampling": d.home_sampling,
        "tested_at": d.tested_at,
        "result": d.result,
    }


def _site_out(site, readiness=None) -> dict:
    readiness = readiness or site_services.readiness(site)
    return {
        "id": site.pk,
        "round_id": site.round_id,
        "name": site.name,
        "unit_id": site.unit_id,
        "unit_name": site.unit.name,
        "address": site.address,
        "latitude": float(site.latitude) if site.latitude is not None else None,
        "longitude": float(site.longitude) if site.longitude is not None else None,
        "tables": site.tables,
        "opens_at": site.opens_at,
        "closes_at": site.closes_at,
        "pool_size": site.pool_size,
        "grids": sorted(site.grids.values_list("pk", flat=True)),
        "buildings": sorted(site.buildings.values_list("pk", flat=True)),
        "staff_count": site.staff.count(),
        "ready": readiness.is_ready,
        "checks_done": readiness.done,
        "checks_total": readiness.total,
    }


def _site_detail(request, site) -> dict:
    readiness = site_services.readiness(site)
    show_phone = has_permission(request.actor, ROSTER_VIEW_CONTACT)
    staff = [
        {
            "id": m.pk,
            "role_id": m.role_id,
            "role": m.role.name,
            "staff_id": m.staff_id,
            "name": m.name,
            "phone": m.phone if show_phone else mask_phone(m.phone),
            "table_no": m.table_no,
        }
        for m in site.staff.select_related("role").order_by("role__position", "table_no", "name")
    ]
    checks = [{"item_id": i.pk, "name": i.name, "checked": i.pk in readiness.ticked} for i in readiness.items]
    return {**_site_out(site, readiness), "staff": staff, "checks": checks}


def _site_relations(request, payload: SiteIn) -> dict:
    scope = request.scope
    out = {}
    if payload.grids is not None:
        out["grids"] = [org_selectors.get_unit(scope, pk) for pk in payload.grids[:500]]
    if payload.buildings is not None:
        out["buildings"] = [registry_selectors.get_building(scope, pk) for pk in payload.buildings[:2000]]
    return out


def _site_fields(request, payload: SiteIn) -> dict:
    data = payload.dict(exclude_unset=True, exclude={"grids", "buildings", "unit_id"})
    if payload.unit_id is not None:
        data["unit"] = org_selectors.get_unit(request.scope, payload.unit_id)
    return data


# --- rounds --------------------------------------------------------------------------------


@router.get("/rounds", response=list[RoundOut])
@api_operation(TESTING_VIEW)
def list_rounds(request, status: str = ""):
    qs = selectors.rounds(request.scope).select_related("owner").order_by("-starts_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return [_round_out(request, r) for r in qs[:200]]


@router.post("/rounds", response={201: RoundOut})
@api_operation(TESTING_MANAGE)
def create_round(request, payload: RoundIn):
    scope = request.scope
    if scope.is_empty:
        raise ValidationError(_("Your account has no jurisdiction."))
    owner = org_selectors.get_unit(scope, payload.owner_id) if payload.owner_id else scope.root
    areas = [(org_selectors.get_unit(scope, a.unit_id), a.pool_size) for a in payload.areas]
    data = payload.dict(exclude={"owner_id", "areas"})
    rnd = services.create_round(actor=request.actor, owner=owner, areas=areas, **data)
    return Status(201, _round_out(request, selectors.get_round(scope, rnd.pk)))


@router.get("/rounds/{int:round_id}", response=RoundOut)
@api_operation(TESTING_VIEW)
def get_round(request, round_id: Id):
    return _round_out(request, selectors.get_round(request.scope, round_id))


@router.patch("/rounds/{int:round_id}", response=RoundOut)
@api_operation(TESTING_MANAGE)
def update_round(request, round_id: Id, payload: RoundPatch):
    rnd = selectors.get_round(request.scope, round_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_round(actor=request.actor, round=rnd, **changes)
    return _round_out(request, selectors.get_round(request.scope, round_id))


@router.post("/rounds/{int:round_id}/status", response=RoundOut)
@api_operation(TESTING_MANAGE)
def set_round_status(request, round_id: Id, payload: StatusIn):
    rnd = selectors.get_round(request.scope, round_id)
    services.set_status(actor=request.actor, round=rnd, status=payload.status)
    return _round_out(request, selectors.get_round(request.scope, round_id))


@router.post("/rounds/{int:round_id}/population", response=PopulationOut)
@api_operation(TESTING_MANAGE)
def build_population(request, round_id: Id):
    rnd = selectors.get_round(request.scope, round_id)
    added = services.build_population(actor=request.actor, round=rnd)
    return {"added": added, "due": selectors.dues(request.scope, rnd).count()}


@router.post("/rounds/{int:round_id}/groups", response={201: GroupOut})
@api_operation(TESTING_MANAGE)
def add_group(request, round_id: Id, payload: GroupIn):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    people = (
        list(registry_selectors.people(scope).filter(pk__in=payload.person_ids)) if payload.person_ids else []
    )
    numbers = [n.strip().upper() for n in payload.id_numbers if n and n.strip()]
    by_number = list(registry_selectors.people(scope).filter(id_number__in=numbers)) if numbers else []
    not_found = len(set(payload.person_ids) - {p.pk for p in people}) + len(
        set(numbers) - {p.id_number for p in by_number}
    )
    group, added = services.add_group(
        actor=request.actor,
        round=rnd,
        name=payload.name,
        pool_size=payload.pool_size,
        people=people + by_number,
    )
    return Status(
        201, {"name": group.name, "pool_size": group.pool_size, "added": added, "not_found": not_found}
    )


@router.get("/rounds/{int:round_id}/dues", response=DuePage)
@api_operation(TESTING_VIEW)
def list_dues(
    request,
    round_id: Id,
    status: str = "",
    unit_id: Id | None = None,
    building_id: Id | None = None,
    home_sampling: bool | None = None,
    q: str = "",
    limit: Limit = 100,
    offset: Offset = 0,
):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    qs = selectors.dues(scope, rnd).select_related("person", "grid", "building")
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = under(qs, org_selectors.get_unit(scope, unit_id))
    if building_id is not None:
        qs = qs.filter(building_id=building_id)
    if home_sampling is not None:
        qs = qs.filter(home_sampling=home_sampling)
    if q.strip():
        qs = qs.filter(person__name__contains=q.strip()[:60])
    qs = qs.order_by("path", "building__name", "unit_label", "floor", "person__name", "id")
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return {"count": qs.count(), "items": [_due_out(request, d) for d in qs[offset : offset + limit]]}


def _get_due(request, due_id) -> Due:
    return request.scope.get(Due.objects.select_related("person", "grid", "building"), pk=due_id)


@router.post("/dues/{int:due_id}/exemption", response=DueOut)
@api_operation(TESTING_MANAGE)
def exempt(request, due_id: Id, payload: ExemptionIn):
    due = _get_due(request, due_id)
    services.set_exemption(actor=request.actor, due=due, reason=payload.reason, note=payload.note)
    return _due_out(request, _get_due(request, due_id))


@router.delete("/dues/{int:due_id}/exemption", response=DueOut)
@api_operation(TESTING_MANAGE)
def unexempt(request, due_id: Id):
    due = _get_due(request, due_id)
    services.clear_exemption(actor=request.actor, due=due)
    return _due_out(request, _get_due(request, due_id))


# --- sites ---------------------------------------------------------------------------------


@router.get("/rounds/{int:round_id}/sites", response=list[SiteOut])
@api_operation(TESTING_VIEW)
def list_sites(request, round_id: Id):
    rnd = selectors.get_round(request.scope, round_id)
    rows = list(selectors.sites(request.scope, rnd).order_by("path", "name", "id"))
    ready = site_services.readiness_of_sites(rows)
    return [_site_out(s, ready[s.pk]) for s in rows]


@router.post("/rounds/{int:round_id}/sites", response={201: SiteDetailOut})
@api_operation(TESTING_MANAGE)
def create_site(request, round_id: Id, payload: SiteIn):
    rnd = selectors.get_round(request.scope, round_id)
    site = site_services.create_site(
        actor=request.actor, round=rnd, **_site_relations(request, payload), **_site_fields(request, payload)
    )
    return Status(201, _site_detail(request, selectors.get_site(request.scope, site.pk)))


@router.get("/sites/{int:site_id}", response=SiteDetailOut)
@api_operation(TESTING_VIEW)
def get_site(request, site_id: Id):
    return _site_detail(request, selectors.get_site(request.scope, site_id))


@router.patch("/sites/{int:site_id}", response=SiteDetailOut)
@api_operation(TESTING_MANAGE)
def update_site(request, site_id: Id, payload: SiteIn):
    site = selectors.get_site(request.scope, site_id)
    site_services.update_site(
        actor=request.actor, site=site, **_site_relations(request, payload), **_site_fields(request, payload)
    )
    return _site_detail(request, selectors.get_site(request.scope, site_id))


@router.post("/sites/{int:site_id}/staff", response={201: SiteStaffOut})
@api_operation(TESTING_MANAGE)
def add_staff(request, site_id: Id, payload: SiteStaffIn):
    site = selectors.get_site(request.scope, site_id)
    role = ChecklistItem.objects.filter(pk=payload.role_id, kind=ChecklistKind.STAFF_ROLE).first()
    if role is None:
        raise ValidationError({"role_id": _("Choose a role.")})
    staff = roster_selectors.get_staff(request.scope, payload.staff_id) if payload.staff_id else None
    member = site_services.add_site_staff(
        actor=request.actor,
        site=site,
        role=role,
        staff=staff,
        name=payload.name,
        phone=payload.phone,
        table_no=payload.table_no,
    )
    show_phone = has_permission(request.actor, ROSTER_VIEW_CONTACT)
    return Status(
        201,
        {
            "id": member.pk,
            "role_id": role.pk,
            "role": role.name,
            "staff_id": member.staff_id,
            "name": member.name,
            "phone": member.phone if show_phone else mask_phone(member.phone),
            "table_no": member.table_no,
        },
    )


@router.post("/sites/{int:site_id}/checks/{int:item_id}", response=SiteCheckOut)
@api_operation()
def tick(request, site_id: Id, item_id: Id, payload: SiteCheckIn):
    site = selectors.get_site(request.scope, site_id)
    item = ChecklistItem.objects.filter(pk=item_id, kind=ChecklistKind.READINESS).first()
    if item is None:
        from django.http import Http404

        raise Http404
    checked = site_services.tick_check(actor=request.actor, site=site, item=item, checked=payload.checked)
    return {"item_id": item.pk, "name": item.name, "checked": checked}


# --- lists ---------------------------------------------------------------------------------


@router.get("/checklists", response=ChecklistsOut)
@api_operation(TESTING_VIEW)
def list_checklists(request):
    return {
        "readiness": list(checklist_services.readiness_items(active_only=False)),
        "staff_roles": list(checklist_services.staff_roles(active_only=False)),
        "can_edit": checklist_services.can_edit(request.actor),
    }
