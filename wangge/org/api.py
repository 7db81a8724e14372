from ninja import Router, Schema, Status
from ninja.pagination import paginate

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line, Pagination, Text
from wangge.org import selectors, services
from wangge.org.models import Level, OrgUnit
from wangge.org.permissions import ORG_EDIT, ORG_VIEW

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    level: int
    level_label: str
    parent_id: int | None
    path: str
    depth: int
    closed: bool
    note: str

    @staticmethod
    def resolve_level_label(obj: OrgUnit) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_closed(obj: OrgUnit) -> bool:
        return obj.closed_at is not None


class UnitIn(Schema):
    parent_id: Id
    code: str
    name: Line
    level: Level
    note: Text = ""
    sort_order: int = 0


class UnitPatch(Schema):
    name: Line | None = None
    code: str | None = None
    note: Text | None = None
    sort_order: int | None = None


class MoveIn(Schema):
    new_parent_id: Id


class CloseIn(Schema):
    reason: Text = ""


@router.get("/", response=list[UnitOut])
@api_operation(ORG_VIEW)
@paginate(Pagination)
def list_units(
    request, parent_id: Id | None = None, level: int | None = None, q: str = "", include_closed: bool = False
):
    qs = selectors.units(request.scope, include_closed=include_closed)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if level is not None:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__contains=q) | qs.filter(code__startswith=q)
    return qs.order_by("path")


@router.get("/{unit_id}", response=UnitOut)
@api_operation(ORG_VIEW)
def get_unit(request, unit_id: Id):
    return selectors.get_unit(request.scope, unit_id)


@router.post("/", response={201: UnitOut})
@api_operation(ORG_EDIT)
def create_unit(request, payload: UnitIn):
    parent = selectors.get_unit(request.scope, payload.parent_id)
    unit = services.create_unit(
        actor=request.actor,
        parent=parent,
        code=payload.code,
        name=payload.name,
        level=payload.level,
        note=payload.note,
        sort_order=payload.sort_order,
    )
    return Status(201, unit)


@router.patch("/{unit_id}", response=UnitOut)
@api_operation(ORG_EDIT)
def update_unit(request, unit_id: Id, payload: UnitPatch):
    unit = selectors.get_unit(request.scope, unit_id)
    return services.update_unit(actor=request.actor, unit=unit, **payload.dict(exclude_unset=True))


@router.post("/{unit_id}/move", response=UnitOut)
@api_operation(ORG_EDIT)
def move_unit(request, unit_id: Id, payload: MoveIn):
    unit = selectors.get_unit(request.scope, unit_id)
    new_parent = selectors.get_unit(request.scope, payload.new_parent_id)
    return services.move_unit(actor=request.actor, unit=unit, new_parent=new_parent)


@router.post("/{unit_id}/close", response=UnitOut)
@api_operation(ORG_EDIT)
def close_unit(request, unit_id: Id, payload: CloseIn):
    unit = selectors.get_unit(request.scope, unit_id)
    return services.close_unit(actor=request.actor, unit=unit, reason=payload.reason)


@router.post("/{unit_id}/reopen", response=UnitOut)
@api_operation(ORG_EDIT)
def reopen_unit(request, unit_id: Id):
    unit = selectors.get_unit(request.scope, unit_id)
    return services.reopen_unit(actor=request.actor, unit=unit)
