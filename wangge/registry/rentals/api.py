"""API of rentals and shops, tenants, visits and party-member links, mounted at
/api/v1/registry/rentals. Same scoping and services as the pages; ID numbers and phones are
masked unless the caller's role may see them."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from wangge.audit import services as audit
from wangge.core import masking
from wangge.core.access import api_operation, under
from wangge.core.api_conventions import Days, Id, Limit, Line, Offset, Text
from wangge.core.schemas import MaskedSchema
from wangge.org import selectors as org_selectors
from wangge.registry import selectors
from wangge.registry.models import Rental
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_VIEW
from wangge.registry.rentals import services as rental_services
from wangge.registry.visits import services as visit_services
from wangge.roster import selectors as roster_selectors

router = Router(tags=["registry: rentals, visits, party links"])

MAX_LIMIT = 500


class RentalOut(MaskedSchema):
    masked_fields = {
        "landlord_id_number": masking.ID,
        "landlord_phone": masking.PHONE,
        "manager_phone": masking.PHONE,
    }

    id: int
    kind: str
    name: str
    address: str
    building_id: int
    building_name: str
    grid_id: int
    grid_name: str
    room_id: int | None
    landlord_id: int
    landlord_name: str
    landlord_id_number: str
    landlord_phone: str
    manager_name: str
    manager_phone: str
    status: str
    rooms: int
    capacity: int
    current_tenants: int
    occupancy_limit: int
    over_occupied: bool
    late_report: bool
    pledge_signed_on: date | None
    has_pledge_scan: bool
    placards_posted_on: date | None
    placards_posted_by: str
    last_visit: datetime | None


class RentalPage(Schema):
    count: int
    items: list[RentalOut]


class RentalIn(Schema):
    building_id: Id
    landlord_id: Id
    room_id: Id | None = None
    kind: str = "dwelling"
    name: Line = ""
    address: Line = ""
    manager_name: Line = ""
    manager_phone: str = ""
    status: str = "let"
    rooms: int = 1
    capacity: int = 1
    note: Text = ""


class RentalPatch(Schema):
    landlord_id: Id | None = None
    kind: str | None = None
    name: Line | None = None
    address: Line | None = None
    manager_name: Line | None = None
    manager_phone: str | None = None
    status: str | None = None
    rooms: int | None = None
    capacity: int | None = None
    note: Text | None = None


class TenancyOut(Schema):
    id: int
    rental_id: int
    person_id: int
    person_name: str
    move_in: date
    move_out: date | None
    reported_on: date
    from_risk_area: bool
    reported_late: bool


class TenantIn(Schema):
    # Optional in the schema so that an unknown rental answers 404 before the body is judged.
    person_id: Id | None = None
    move_in: date | None = None
    reported_on: date | None = None
    from_risk_area: bool = False


class TenancyEndIn(Schema):
    move_out: date | None = None


class VisitOut(Schema):
    id: int
    household_id: int | None
    rental_id: int | None
    visitor_name: str
    visited_at: datetime
    outcome: str
    notes: str
    follow_up_needed: bool
    follow_up_done_at: datetime | None


class VisitPage(Schema):
    count: int
    items: list[VisitOut]


class VisitIn(Schema):
    household_id: Id | None = None
    rental_id: Id | None = None
    outcome: str
    visited_at: datetime | None = None
    notes: Text = ""
    follow_up_needed: bool = False


class UnvisitedOut(Schema):
    kind: str
    id: int
    label: str
    grid_id: int
    grid_name: str
    last_visit: datetime | None


class UnvisitedPage(Schema):
    count: int
    items: list[UnvisitedOut]


class PartyLinkOut(MaskedSchema):
    masked_fields = {"head_phone": masking.PHONE}

    id: int
    member_id: int
    member_name: str
    household_id: int
    household: str
    head_name: str
    head_phone: str
    start_date: date
    end_date: date | None


class PartyLinkIn(Schema):
    member_id: Id
    household_id: Id
    start_date: date | None = None


class PartyLinkEndIn(Schema):
    end_date: date | None = None


def _window(qs, limit: int, offset: int):
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return qs.count(), qs[offset : offset + limit]


def _rental_out(request, r: Rental) -> dict:
    actor = request.actor
    return {
        "id": r.pk,
        "kind": r.kind,
        "name": r.name,
        "address": r.address,
        "building_id": r.building_id,
        "building_name": r.building.name,
        "grid_id": r.building.grid_id,
        "grid_name": r.building.grid.name,
        "room_id": r.room_id,
        "landlord_id": r.landlord_id,
        "landlord_name": r.landlord.name,
        "landlord_id_number": selectors.shown_id(actor, r.landlord.id_number),
        "landlord_phone": selectors.shown_phone(actor, r.landlord.phone),
        "manager_name": r.manager_name,
        "manager_phone": selectors.shown_phone(actor, r.manager_phone),
        "status": r.status,
        "rooms": r.rooms,
        "capacity": r.capacity,
        "current_tenants": r.current_tenants,
        "occupancy_limit": r.occupancy_limit,
        "over_occupied": r.over_occupied,
        "late_report": r.late_report,
        "pledge_signed_on": r.pledge_signed_on,
        "has_pledge_scan": bool(r.pledge_file),
        "placards_posted_on": r.placards_posted_on,
        "placards_posted_by": r.placards_posted_by,
        "last_visit": r.last_visit,
    }


def _flagged(request, rental_id: int) -> Rental:
    return request.scope.get(
        rental_services.with_flags(Rental.objects.select_related("building__grid", "landlord")), pk=rental_id
    )


def _tenancy_out(t) -> dict:
    late = getattr(t, "reported_late", None)
    return {
        "id": t.pk,
        "rental_id": t.rental_id,
        "person_id": t.person_id,
        "person_name": t.person.name,
        "move_in": t.move_in,
        "move_out": t.move_out,
        "reported_on": t.reported_on,
        "from_risk_area": t.from_risk_area,
        "reported_late": rental_services.is_late(t) if late is None else bool(late),
    }


def _link_out(request, link) -> dict:
    head = link.household.head
    return {
        "id": link.pk,
        "member_id": link.member_id,
        "member_name": link.member.name,
        "household_id": link.household_id,
        "household": str(link.household),
        "head_name": head.name if head else "",
        "head_phone": selectors.shown_phone(request.actor, head.phone) if head else "",
        "start_date": link.start_date,
        "end_date": link.end_date,
    }


# --- rentals -----------------------------------------------------------------------------


@router.get("", response=RentalPage)
@api_operation(REGISTRY_VIEW)
def list_rentals(
    request,
    unit_id: Id | None = None,
    kind: str = "",
    status: str = "",
    flag: str = "",
    days: Days = 30,
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = rental_services.with_flags(rental_services.rentals(request.scope))
    if unit_id is not None:
        qs = under(qs, org_selectors.get_unit(request.scope, unit_id))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if flag:
        qs = rental_services.filter_flag(qs, flag, unvisited_days=max(1, days))
    count, items = _window(qs.order_by("path", "address", "id"), limit, offset)
    return {"count": count, "items": [_rental_out(request, r) for r in items]}


@router.post("", response={201: RentalOut})
@api_operation(REGISTRY_EDIT)
def create_rental(request, payload: RentalIn):
    scope = request.scope
    building = selectors.get_building(scope, payload.building_id)
    landlord = selectors.get_person(scope, payload.landlord_id)
    room = selectors.get_room(scope, payload.room_id) if payload.room_id else None
    data = payload.dict(exclude={"building_id", "landlord_id", "room_id"})
    rental = rental_services.create_rental(
        actor=request.actor, building=building, landlord=landlord, room=room, **data
    )
    return Status(201, _rental_out(request, _flagged(request, rental.pk)))


@router.get("/{int:rental_id}", response=RentalOut)
@api_operation(REGISTRY_VIEW)
def get_rental(request, rental_id: Id):
    rental = _flagged(request, rental_id)
    audit.record_view(actor=request.actor, obj=rental)
    return _rental_out(request, rental)


@router.patch("/{int:rental_id}", response=RentalOut)
@api_operation(REGISTRY_EDIT)
def update_rental(request, rental_id: Id, payload: RentalPatch):
    rental = rental_services.get_rental(request.scope, rental_id)
    changes = payload.dict(exclude_unset=True)
    landlord_id = changes.pop("landlord_id", None)
    landlord = selectors.get_person(request.scope, landlord_id) if landlord_id else None
    changes = {k: v for k, v in changes.items() if v is not None}
    rental_services.update_rental(actor=request.actor, rental=rental, landlord=landlord, **changes)
    return _rental_out(request, _flagged(request, rental.pk))


@router.get("/{int:rental_id}/tenants", response=list[TenancyOut])
@api_operation(REGISTRY_VIEW)
def list_tenants(request, rental_id: Id, current: bool = False):
    rental = rental_services.get_rental(request.scope, rental_id)
    qs = rental_services.tenancies_of(rental)
    if current:
        qs = qs.filter(rental_services.current_tenancies_q())
    return [_tenancy_out(t) for t in qs]


@router.post("/{int:rental_id}/tenants", response={201: TenancyOut})
@api_operation(REGISTRY_EDIT)
def add_tenant(request, rental_id: Id, payload: TenantIn):
    rental = rental_services.get_rental(request.scope, rental_id)
    if payload.person_id is None:
        raise ValidationError({"person_id": _("Say who moves in.")})
    person = selectors.get_person(request.scope, payload.person_id)
    tenancy = rental_services.add_tenant(
        actor=request.actor,
        rental=rental,
        person=person,
        move_in=payload.move_in,
        reported_on=payload.reported_on,
        from_risk_area=payload.from_risk_area,
    )
    return Status(201, _tenancy_out(tenancy))


@router.post("/tenancies/{int:tenancy_id}/end", response=TenancyOut)
@api_operation(REGISTRY_EDIT)
def end_tenancy(request, tenancy_id: Id, payload: TenancyEndIn):
    tenancy = rental_services.get_tenancy(request.scope, tenancy_id)
    return _tenancy_out(
        rental_services.end_tenancy(actor=request.actor, tenancy=tenancy, move_out=payload.move_out)
    )


# --- visits --------------------------------------------------------------------------------


@router.get("/visits", response=VisitPage)
@api_operation(REGISTRY_VIEW)
def list_visits(
    request,
    household_id: Id | None = None,
    rental_id: Id | None = None,
    open_follow_up: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = visit_services.visits(request.scope)
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    if rental_id is not None:
        qs = qs.filter(rental_id=rental_id)
    if open_follow_up:
        qs = qs.filter(follow_up_needed=True, follow_up_done_at__isnull=True)
    count, items = _window(qs.order_by("-visited_at", "-id"), limit, offset)
    return {"count": count, "items": list(items)}


@router.post("/visits", response={201: VisitOut})
@api_operation(REGISTRY_EDIT)
def create_visit(request, payload: VisitIn):
    household = selectors.get_household(request.scope, payload.household_id) if payload.household_id else None
    rental = rental_services.get_rental(request.scope, payload.rental_id) if payload.rental_id else None
    visit = visit_services.record_visit(
        actor=request.actor,
        household=household,
        rental=rental,
        outcome=payload.outcome,
        visited_at=payload.visited_at,
        notes=payload.notes,
        follow_up_needed=payload.follow_up_needed,
    )
    return Status(201, visit)


@router.post("/visits/{int:visit_id}/follow-up-done", response=VisitOut)
@api_operation(REGISTRY_EDIT)
def follow_up_done(request, visit_id: Id):
    visit = visit_services.get_visit(request.scope, visit_id)
    return visit_services.complete_follow_up(actor=request.actor, visit=visit)


@router.get("/unvisited", response=UnvisitedPage)
@api_operation(REGISTRY_VIEW)
def list_unvisited(
    request,
    what: str = "households",
    days: Days = visit_services.DEFAULT_UNVISITED_DAYS,
    unit_id: Id | None = None,
    sort: str = "grid",
    limit: Limit = 100,
    offset: Offset = 0,
):
    under = org_selectors.get_unit(request.scope, unit_id).path if unit_id is not None else ""
    days = max(1, days)
    if what == "rentals":
        qs = visit_services.unvisited_rentals(request.scope, days=days, under_path=under, sort=sort)
        count, items = _window(qs, limit, offset)
        rows = [
            {
                "kind": "rental",
                "id": r.pk,
                "label": str(r),
                "grid_id": r.building.grid_id,
                "grid_name": r.building.grid.name,
                "last_visit": r.last_visit,
            }
            for r in items
        ]
    else:
        qs = visit_services.unvisited_households(request.scope, days=days, under_path=under, sort=sort)
        count, items = _window(qs, limit, offset)
        rows = [
            {
                "kind": "household",
                "id": h.pk,
                "label": str(h),
                "grid_id": h.room.building.grid_id,
                "grid_name": h.room.building.grid.name,
                "last_visit": h.last_visit,
            }
            for h in items
        ]
    return {"count": count, "items": rows}


# --- party-member links ---------------------------------------------------------------------


@router.get("/party-links", response=list[PartyLinkOut])
@api_operation(REGISTRY_VIEW)
def list_party_links(
    request, member_id: Id | None = None, current: bool = True, limit: Limit = MAX_LIMIT, offset: Offset = 0
):
    qs = visit_services.current_links(request.scope) if current else visit_services.party_links(request.scope)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    _count, items = _window(qs.order_by("path", "id"), limit, offset)
    return [_link_out(request, link) for link in items]


@router.post("/party-links", response={201: PartyLinkOut})
@api_operation(REGISTRY_EDIT)
def create_party_link(request, payload: PartyLinkIn):
    member = roster_selectors.get_staff(request.scope, payload.member_id)
    household = selectors.get_household(request.scope, payload.household_id)
    link = visit_services.link_household(
        actor=request.actor, member=member, household=household, start_date=payload.start_date
    )
    return Status(201, _link_out(request, visit_services.get_link(request.scope, link.pk)))


@router.post("/party-links/{int:link_id}/end", response=PartyLinkOut)
@api_operation(REGISTRY_EDIT)
def end_party_link(request, link_id: Id, payload: PartyLinkEndIn):
    link = visit_services.get_link(request.scope, link_id)
    visit_services.end_link(actor=request.actor, link=link, end_date=payload.end_date)
    return _link_out(request, visit_services.get_link(request.scope, link.pk))
