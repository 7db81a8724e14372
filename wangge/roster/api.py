from datetime import date

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from wangge.audit import services as audit
from wangge.core import masking
from wangge.core.access import api_operation, has_permission
from wangge.core.api_conventions import Id, Line, Pagination, Text
from wangge.core.masking import mask_phone
from wangge.core.schemas import MaskedSchema
from wangge.org import selectors as org_selectors
from wangge.roster import selectors, services
from wangge.roster.models import StaffMember
from wangge.roster.permissions import ROSTER_EDIT, ROSTER_VIEW, ROSTER_VIEW_CONTACT

router = Router(tags=["roster"])


class StaffOut(MaskedSchema):
    masked_fields = {"phone": masking.PHONE}
    masked_model = "roster."

    id: int
    name: str
    gender: str
    phone: str
    kind: str
    kind_label: str
    title: str
    is_party_member: bool
    unit_id: int
    unit_name: str
    department_id: int | None
    is_active: bool


class StaffIn(Schema):
    unit_id: Id
    name: Line
    kind: str = "other"
    gender: str = ""
    phone: str = ""
    title: Line = ""
    is_party_member: bool = False
    department_id: Id | None = None
    note: Text = ""


class StaffPatch(Schema):
    unit_id: Id | None = None
    name: Line | None = None
    kind: str | None = None
    gender: str | None = None
    phone: str | None = None
    title: Line | None = None
    is_party_member: bool | None = None
    note: Text | None = None
    is_active: bool | None = None


class AssignmentOut(Schema):
    id: int
    staff_id: int
    staff_name: str
    unit_id: int
    unit_name: str
    role: str
    start_date: date
    end_date: date | None
    note: str


class AssignmentIn(Schema):
    staff_id: Id
    unit_id: Id
    role: str
    start_date: date | None = None
    end_date: date | None = None
    note: Text = ""


class EndIn(Schema):
    end_date: date | None = None


class WorkingGroupOut(Schema):
    id: int
    office_id: int
    name: str
    line_of_work: str


def _staff_out(request, staff: StaffMember) -> dict:
    full = has_permission(request.actor, ROSTER_VIEW_CONTACT)
    return {
        "id": staff.pk,
        "name": staff.name,
        "gender": staff.gender,
        "phone": staff.phone if full else mask_phone(staff.phone),
        "kind": staff.kind,
        "kind_label": str(staff.get_kind_display()),
        "title": staff.title,
        "is_party_member": staff.is_party_member,
        "unit_id": staff.unit_id,
        "unit_name": staff.unit.name,
        "department_id": staff.department_id,
        "is_active": staff.is_active,
    }


def _assignment_out(a) -> dict:
    return {
        "id": a.pk,
        "staff_id": a.staff_id,
        "staff_name": a.staff.name,
        "unit_id": a.unit_id,
        "unit_name": a.unit.name,
        "role": a.role,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "note": a.note,
    }


@router.get("/staff", response=list[StaffOut])
@api_operation(ROSTER_VIEW)
@paginate(Pagination)
def list_staff(
    request,
    q: str = "",
    under_id: Id | None = None,
    kind: str = "",
    role: str = "",
    include_inactive: bool = False,
):
    under = org_selectors.get_unit(request.scope, under_id) if under_id else None
    qs = selectors.search_staff(
        request.scope, q=q, under=under, kind=kind, role=role, include_inactive=include_inactive
    )
    return [_staff_out(request, s) for s in qs]


@router.get("/staff/{staff_id}", response=StaffOut)
@api_operation(ROSTER_VIEW)
def get_staff(request, staff_id: Id):
    staff = selectors.get_staff(request.scope, staff_id)
    audit.record_view(actor=request.actor, obj=staff)
    return _staff_out(request, staff)


@router.post("/staff", response={201: StaffOut})
@api_operation(ROSTER_EDIT)
def create_staff(request, payload: StaffIn):
    unit = org_selectors.get_unit(request.scope, payload.unit_id)
    department = (
        selectors.departments(request.scope).filter(pk=payload.department_id).first()
        if payload.department_id
        else None
    )
    data = payload.dict(exclude={"unit_id", "department_id"})
    staff = services.create_staff(actor=request.actor, unit=unit, department=department, **data)
    return Status(201, _staff_out(request, staff))


@router.patch("/staff/{staff_id}", response=StaffOut)
@api_operation(ROSTER_EDIT)
def update_staff(request, staff_id: Id, payload: StaffPatch):
    staff = selectors.get_staff(request.scope, staff_id)
    changes = payload.dict(exclude_unset=True)
    unit_id = changes.pop("unit_id", None)
    unit = org_selectors.get_unit(request.scope, unit_id) if unit_id else None
    staff = services.update_staff(actor=request.actor, staff=staff, unit=unit, **changes)
    return _staff_out(request, staff)


@router.get("/assignments", response=list[AssignmentOut])
@api_operation(ROSTER_VIEW)
@paginate(Pagination)
def list_assignments(request, unit_id: Id | None = None, staff_id: Id | None = None, current: bool = True):
    qs = selectors.assignments(request.scope)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if staff_id is not None:
        qs = qs.filter(staff_id=staff_id)
    if current:
        qs = qs.current()
    return [_assignment_out(a) for a in qs.order_by("path", "role", "id")]


@router.post("/assignments", response={201: AssignmentOut})
@api_operation(ROSTER_EDIT)
def create_assignment(request, payload: AssignmentIn):
    unit = org_selectors.get_unit(request.scope, payload.unit_id)
    staff = selectors.get_staff(request.scope, payload.staff_id)
    a = services.assign(
        actor=request.actor,
        staff=staff,
        unit=unit,
        role=payload.role,
        start_date=payload.start_date,
        end_date=payload.end_date,
        note=payload.note,
    )
    return Status(201, _assignment_out(a))


@router.post("/assignments/{assignment_id}/end", response=AssignmentOut)
@api_operation(ROSTER_EDIT)
def end_assignment(request, assignment_id: Id, payload: EndIn):
    a = selectors.get_assignment(request.scope, assignment_id)
    return _assignment_out(
        services.end_assignment(actor=request.actor, assignment=a, end_date=payload.end_date)
    )


@router.get("/working-groups", response=list[WorkingGroupOut])
@api_operation(ROSTER_VIEW)
def list_working_groups(request):
    return list(selectors.working_groups(request.scope))
