"""API of venues and their kinds, mounted at /api/v1/venues. Same scoping and services as the
pages; the responsible person's phone is masked unless the caller's role may see it.

GET /kinds, GET "" (?kind_id=&unit_id=&risk_level=&status=&q=&limit=&offset=), POST "",
GET /{venue_id}, PATCH /{venue_id}, POST /{venue_id}/status."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from wangge.core import masking
from wangge.core.access import api_operation, get_or_404, under
from wangge.core.api_conventions import Id, Limit, Line, Offset, Text
from wangge.core.schemas import MaskedSchema
from wangge.org import selectors as org_selectors
from wangge.registry.models import Rental, RentalKind
from wangge.venues import selectors
from wangge.venues.models import Venue, VenueKind
from wangge.venues.permissions import VENUES_MANAGE, VENUES_VIEW
from wangge.venues.places import services

router = Router(tags=["venues"])

MAX_LIMIT = 500


class KindOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    keeps_visitor_register: bool
    active: bool
    staff_category_id: int | None


class VenueOut(MaskedSchema):
    masked_fields = {"responsible_phone": masking.PHONE}

    id: int
    kind_id: int
    kind_name: str
    name: str
    address: str
    grid_id: int
    grid_name: str
    shop_id: int | None
    responsible_name: str
    responsible_phone: str
    enterprise_code: str
    staff_count: int
    risk_level: str
    status: str
    created_at: datetime


class VenuePage(Schema):
    count: int
    items: list[VenueOut]


class VenueIn(Schema):
    kind_id: Id
    grid_id: Id | None = None
    shop_id: Id | None = None
    name: Line = ""
    address: Line = ""
    responsible_name: Line = ""
    responsible_phone: Line = ""
    enterprise_code: Line = ""
    staff_count: int = 0
    risk_level: str = "low"
    note: Text = ""


class VenuePatch(Schema):
    kind_id: Id | None = None
    grid_id: Id | None = None
    name: Line | None = None
    address: Line | None = None
    responsible_name: Line | None = None
    responsible_phone: Line | None = None
    enterprise_code: Line | None = None
    staff_count: int | None = None
    risk_level: str | None = None
    note: Text | None = None


class VenueStatusIn(Schema):
    # Optional so that an unknown venue answers 404 before the body is judged.
    action: str = ""
    reason: Line = ""


def venue_out(v: Venue) -> dict:
    return {
        "id": v.pk,
        "kind_id": v.kind_id,
        "kind_name": v.kind.name,
        "name": v.name,
        "address": v.address,
        "grid_id": v.grid_id,
        "grid_name": v.grid.name,
        "shop_id": v.shop_id,
        "responsible_name": v.responsible_name,
        "responsible_phone": v.responsible_phone,
        "enterprise_code": v.enterprise_code,
        "staff_count": v.staff_count,
        "risk_level": v.risk_level,
        "status": v.status,
        "created_at": v.created_at,
    }


@router.get("/kinds", response=list[KindOut])
@api_operation(VENUES_VIEW)
def list_kinds(request):
    return list(selectors.kinds())


@router.get("", response=VenuePage)
@api_operation(VENUES_VIEW)
def list_venues(
    request,
    kind_id: Id | None = None,
    unit_id: Id | None = None,
    risk_level: str = "",
    status: str = "",
    q: Line = "",
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = selectors.venues_in_scope(request.scope).select_related("kind", "grid")
    if unit_id is not None:
        qs = under(qs, org_selectors.get_unit(request.scope, unit_id))
    if kind_id is not None:
        qs = qs.filter(kind_id=kind_id)
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    limit = max(1, min(limit, MAX_LIMIT))
    qs = qs.order_by("path", "name", "id")
    return {"count": qs.count(), "items": [venue_out(v) for v in qs[offset : offset + limit]]}


@router.post("", response={201: VenueOut})
@api_operation(VENUES_MANAGE)
def create_venue(request, payload: VenueIn):
    scope = request.scope
    kind = get_or_404(VenueKind.objects.all(), pk=payload.kind_id)
    grid = org_selectors.get_unit(scope, payload.grid_id) if payload.grid_id else None
    shop = (
        scope.get(Rental.objects.filter(kind=RentalKind.SHOP), pk=payload.shop_id)
        if payload.shop_id
        else None
    )
    data = payload.dict(exclude={"kind_id", "grid_id", "shop_id"})
    venue = services.create_venue(actor=request.actor, kind=kind, grid=grid, shop=shop, **data)
    return Status(201, venue_out(selectors.get_venue(scope, venue.pk)))


@router.get("/{int:venue_id}", response=VenueOut)
@api_operation(VENUES_VIEW)
def get_venue(request, venue_id: Id):
    return venue_out(selectors.get_venue(request.scope, venue_id))


@router.patch("/{int:venue_id}", response=VenueOut)
@api_operation(VENUES_MANAGE)
def update_venue(request, venue_id: Id, payload: VenuePatch):
    scope = request.scope
    venue = selectors.get_venue(scope, venue_id)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    grid = org_selectors.get_unit(scope, data.pop("grid_id")) if "grid_id" in data else None
    if "kind_id" in data:
        data["kind"] = get_or_404(VenueKind.objects.all(), pk=data.pop("kind_id"))
    services.update_venue(actor=request.actor, venue=venue, grid=grid, **data)
    return venue_out(selectors.get_venue(scope, venue_id))


ACTIONS = {"close": services.close_venue, "suspend": services.suspend_venue, "reopen": services.reopen_venue}


@router.post("/{int:venue_id}/status", response=VenueOut)
@api_operation(VENUES_MANAGE)
def change_status(request, venue_id: Id, payload: VenueStatusIn):
    venue = selectors.get_venue(request.scope, venue_id)
    service = ACTIONS.get(payload.action)
    if service is None:
        raise ValidationError({"action": _("Choose close, suspend or reopen.")})
    service(actor=request.actor, venue=venue, reason=payload.reason)
    return venue_out(selectors.get_venue(request.scope, venue_id))
