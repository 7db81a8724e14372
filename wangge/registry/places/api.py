"""API of places and people, mounted at /api/v1/registry.

Same rules as the pages: records come from the scoped selectors (out of scope is 404 like
missing), every id in a payload is resolved through the scope, changes go through the
services, reading one person's full record is audited, ID numbers and phones are masked unless
the caller's role may see them.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from wangge.audit import services as audit
from wangge.core import masking
from wangge.core.access import api_operation, has_permission, under
from wangge.core.api_conventions import Id, Limit, Line, Pagination, Text
from wangge.core.schemas import MaskedSchema
from wangge.org import selectors as org_selectors
from wangge.registry import selectors, services
from wangge.registry.models import Building, Household, Person
from wangge.registry.people import search as registry_search
from wangge.registry.permissions import REGISTRY_EDIT, REGISTRY_VIEW, REGISTRY_VIEW_IDS, REGISTRY_VIEW_PHONES
from wangge.registry.places.views import PERSON_RELATED, with_counts

router = Router(tags=["registry"])


def _actor(context):
    request = (context or {}).get("request")
    return getattr(request, "actor", None) or getattr(request, "user", None)


# --- schemas -------------------------------------------------------------------------


class BuildingOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    grid_id: int
    grid_name: str
    unit_count: int
    floor_count: int
    note: str
    room_count: int | None = None
    household_count: int | None = None
    people_count: int | None = None

    @staticmethod
    def resolve_grid_name(obj: Building) -> str:
        return obj.grid.name

    @staticmethod
    def resolve_room_count(obj) -> int | None:
        return getattr(obj, "room_count", None)

    @staticmethod
    def resolve_household_count(obj) -> int | None:
        return getattr(obj, "household_count", None)

    @staticmethod
    def resolve_people_count(obj) -> int | None:
        return getattr(obj, "people_count", None)


class BuildingIn(Schema):
    grid_id: Id
    name: Line
    kind: str = "residential"
    address: Line = ""
    unit_count: int = 1
    floor_count: int = 1
    note: Text = ""


class GridIn(Schema):
    # Optional in the schema so that the record in the path is looked up (404) before the
    # payload is judged: out of scope must answer like missing, whatever the body.
    grid_id: Id | None = None


class HouseholdOut(Schema):
    id: int
    address: str
    building_id: int
    building_name: str
    room_id: int
    unit_label: str
    room_number: str
    floor: int
    head_id: int | None
    head_name: str
    note: str
    closed: bool

    @staticmethod
    def resolve_building_id(obj: Household) -> int:
        return obj.room.building_id

    @staticmethod
    def resolve_building_name(obj: Household) -> str:
        return obj.room.building.name

    @staticmethod
    def resolve_unit_label(obj: Household) -> str:
        return obj.room.unit_label

    @staticmethod
    def resolve_room_number(obj: Household) -> str:
        return obj.room.number

    @staticmethod
    def resolve_floor(obj: Household) -> int:
        return obj.room.floor

    @staticmethod
    def resolve_head_name(obj: Household) -> str:
        return obj.head.name if obj.head_id else ""

    @staticmethod
    def resolve_closed(obj: Household) -> bool:
        return obj.closed_at is not None


class HouseholdIn(Schema):
    building_id: Id
    room_id: Id | None = None
    number: str = ""
    unit_label: Line = ""
    floor: int | None = None
    note: Text = ""


class PersonOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID, "phone": masking.PHONE}

    id: int
    name: str
    id_type: str
    id_number: str
    id_warning: str
    sex: str
    birth_date: date | None
    birth_year: int | None
    phone: str
    status: str
    relation: str
    hukou_place: str
    origin: str
    employer: str
    arrival_date: date | None
    departure_date: date | None
    household_id: int | None
    household_address: str
    grid_id: int
    grid_name: str
    is_active: bool

    @staticmethod
    def resolve_id_number(obj: Person, context) -> str:
        return selectors.shown_id(_actor(context), obj.id_number)

    @staticmethod
    def resolve_phone(obj: Person, context) -> str:
        return selectors.shown_phone(_actor(context), obj.phone)

    @staticmethod
    def resolve_birth_date(obj: Person, context) -> date | None:
        # The full birth date is part of the ID number: only for roles that see full numbers.
        return obj.birth_date if has_permission(_actor(context), REGISTRY_VIEW_IDS) else None

    @staticmethod
    def resolve_birth_year(obj: Person) -> int | None:
        return obj.birth_date.year if obj.birth_date else None

    @staticmethod
    def resolve_household_address(obj: Person) -> str:
        return str(obj.household) if obj.household_id else ""

    @staticmethod
    def resolve_grid_name(obj: Person) -> str:
        return obj.grid.name


class PersonIn(Schema):
    household_id: Id
    name: Line
    id_type: str = "resident_id"
    id_number: str
    relation: Line = ""
    phone: str = ""
    status: str = "registered"
    hukou_place: Line = ""
    origin: Line = ""
    employer: Line = ""
    arrival_date: date | None = None


class PersonPatch(Schema):
    name: Line | None = None
    id_type: str | None = None
    id_number: str | None = None
    relation: Line | None = None
    phone: str | None = None
    status: str | None = None
    hukou_place: Line | None = None
    origin: Line | None = None
    employer: Line | None = None
    arrival_date: date | None = None


class TransferIn(Schema):
    household_id: Id | None = None  # optional for the same reason as GridIn.grid_id
    relation: Line = ""
    reason: Text = ""


class DepartIn(Schema):
    on: date | None = None
    reason: Text = ""


class PeoplePagination(Pagination):
    """The page's rows are chosen without joins; their household, building and grid are then
    fetched for those rows only (see views_places.people_page)."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        result = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(result["items"])
        prefetch_related_objects(items, *PERSON_RELATED)
        result["items"] = items
        return result


# --- buildings -----------------------------------------------------------------------


@router.get("/buildings", response=list[BuildingOut])
@api_operation(REGISTRY_VIEW)
@paginate(Pagination)
def list_buildings(request, unit_id: Id | None = None, q: str = ""):
    qs = selectors.buildings(request.scope)
    if unit_id is not None:
        qs = under(qs, org_selectors.get_unit(request.scope, unit_id))
    q = q.strip()[:60]
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(address__icontains=q)
    return with_counts(request.scope, qs.order_by("path", "name", "id"))


@router.get("/buildings/{building_id}", response=BuildingOut)
@api_operation(REGISTRY_VIEW)
def get_building(request, building_id: Id):
    selectors.get_building(request.scope, building_id)
    return with_counts(request.scope, selectors.buildings(request.scope).filter(pk=building_id)).get()


@router.post("/buildings", response={201: BuildingOut})
@api_operation(REGISTRY_EDIT)
def create_building(request, payload: BuildingIn):
    grid = org_selectors.get_unit(request.scope, payload.grid_id)
    building = services.create_building(actor=request.actor, grid=grid, **payload.dict(exclude={"grid_id"}))
    return Status(201, building)


@router.post("/buildings/{building_id}/move", response=BuildingOut)
@api_operation(REGISTRY_EDIT)
def move_building(request, building_id: Id, payload: GridIn):
    building = selectors.get_building(request.scope, building_id)
    if payload.grid_id is None:
        raise ValidationError({"grid_id": _("Choose the grid to move to.")})
    grid = org_selectors.get_unit(request.scope, payload.grid_id)
    building = services.move_building(actor=request.actor, building=building, grid=grid)
    return selectors.get_building(request.scope, building.pk)


# --- households ----------------------------------------------------------------------


@router.get("/households", response=list[HouseholdOut])
@api_operation(REGISTRY_VIEW)
@paginate(Pagination)
def list_households(request, building_id: Id | None = None, q: str = "", include_closed: bool = False):
    qs = selectors.households(request.scope, include_closed=include_closed)
    if building_id is not None:
        qs = qs.filter(room__building=selectors.get_building(request.scope, building_id))
    if q.strip():
        qs = registry_search.filter_households(qs, q)
    return qs.order_by("path", "address", "id")


@router.get("/households/{household_id}", response=HouseholdOut)
@api_operation(REGISTRY_VIEW)
def get_household(request, household_id: Id):
    return selectors.get_household(request.scope, household_id)


@router.post("/households", response={201: HouseholdOut})
@api_operation(REGISTRY_EDIT)
def create_household(request, payload: HouseholdIn):
    building = selectors.get_building(request.scope, payload.building_id)
    if payload.room_id is not None:
        room = selectors.get_room(request.scope, payload.room_id)
        if room.building_id != building.pk:
            raise ValidationError({"room_id": _("Choose a room of this building.")})
    else:
        room = services.get_or_create_room(
            actor=request.actor,
            building=building,
            number=payload.number,
            unit_label=payload.unit_label,
            floor=payload.floor,
        )
    household = services.create_household(actor=request.actor, room=room, note=payload.note)
    return Status(201, selectors.get_household(request.scope, household.pk))


# --- people --------------------------------------------------------------------------


@router.get("/people", response=list[PersonOut])
@api_operation(REGISTRY_VIEW)
@paginate(PeoplePagination)
def list_people(
    request,
    q: str = "",
    unit_id: Id | None = None,
    building_id: Id | None = None,
    household_id: Id | None = None,
    status: str = "",
    include_departed: bool = False,
):
    scope = request.scope
    qs = selectors.people(scope, include_departed=include_departed)
    if unit_id is not None:
        qs = under(qs, org_selectors.get_unit(scope, unit_id))
    if building_id is not None:
        qs = qs.filter(household__room__building=selectors.get_building(scope, building_id))
    if household_id is not None:
        qs = qs.filter(household=selectors.get_household(scope, household_id))
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = registry_search.filter_people(qs, q)
    return qs.order_by("path", "name", "id")


@router.get("/people/{person_id}", response=PersonOut)
@api_operation(REGISTRY_VIEW)
def get_person(request, person_id: Id):
    person = selectors.get_person(request.scope, person_id)
    audit.record_view(actor=request.actor, obj=person)
    return person


@router.post("/people", response={201: PersonOut})
@api_operation(REGISTRY_EDIT)
def register_person(request, payload: PersonIn):
    household = selectors.get_household(request.scope, payload.household_id)
    person = services.register_person(
        actor=request.actor, household=household, **payload.dict(exclude={"household_id"})
    )
    return Status(201, selectors.get_person(request.scope, person.pk))


@router.patch("/people/{person_id}", response=PersonOut)
@api_operation(REGISTRY_EDIT)
def update_person(request, person_id: Id, payload: PersonPatch):
    person = selectors.get_person(request.scope, person_id)
    changes = payload.dict(exclude_unset=True)
    # Whoever may not see the full number may not overwrite it blindly either.
    if ({"id_type", "id_number"} & changes.keys()) and not has_permission(request.actor, REGISTRY_VIEW_IDS):
        raise PermissionDenied(_("Your role may not change ID numbers."))
    if "phone" in changes and not has_permission(request.actor, REGISTRY_VIEW_PHONES):
        raise PermissionDenied(_("Your role may not change phone numbers."))
    document = {}
    if "id_number" in changes or "id_type" in changes:
        document = {
            "id_type": changes.pop("id_type", None) or person.id_type,
            "id_number": changes.pop("id_number", None) or person.id_number,
        }
    changes = {k: ("" if v is None and k != "arrival_date" else v) for k, v in changes.items()}
    services.update_person(actor=request.actor, person=person, **document, **changes)
    return selectors.get_person(request.scope, person.pk)


@router.post("/people/{person_id}/transfer", response=PersonOut)
@api_operation(REGISTRY_EDIT)
def transfer_person(request, person_id: Id, payload: TransferIn):
    person = selectors.get_person(request.scope, person_id)
    if payload.household_id is None:
        raise ValidationError({"household_id": _("Choose the household to move to.")})
    household = selectors.get_household(request.scope, payload.household_id)
    services.transfer_person(
        actor=request.actor,
        person=person,
        household=household,
        relation=payload.relation,
        reason=payload.reason,
    )
    return selectors.get_person(request.scope, person.pk)


@router.post("/people/{person_id}/depart", response=PersonOut)
@api_operation(REGISTRY_EDIT)
def depart_person(request, person_id: Id, payload: DepartIn):
    person = selectors.get_person(request.scope, person_id)
    services.record_departure(actor=request.actor, person=person, on=payload.on, reason=payload.reason)
    return selectors.get_person(request.scope, person.pk)


class SearchOut(Schema):
    q: str
    kind: str
    people: list[PersonOut]
    households: list[HouseholdOut]
    more_people: bool
    more_households: bool


@router.get("/search", response=SearchOut)
@api_operation(REGISTRY_VIEW)
def search(request, q: str = "", limit: Limit = 30):
    return registry_search.search(request.scope, q, limit=max(1, min(limit, 100)))
