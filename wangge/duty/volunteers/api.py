"""API of volunteers (mounted at /api/v1/duty): the list, vetting, scheduling into tasks, and
their hours. ID numbers and phones masked by role."""

from datetime import datetime

from ninja import Field, Router, Schema, Status

from wangge.core import masking
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line
from wangge.core.schemas import MaskedSchema
from wangge.duty.permissions import DUTY_VIEW, DUTY_VOLUNTEERS
from wangge.duty.volunteers import selectors, services
from wangge.testing.models import Site
from wangge.testing.rounds.checklists import staff_roles

router = Router(tags=["duty: volunteers"])


class DutyVolunteerOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID, "phone": masking.PHONE}

    id: int
    name: str
    phone: str
    id_number: str
    village_id: int
    village_name: str
    is_party_member: bool
    skills: list[str]
    availability: list[str]
    status: str
    submitted_at: datetime


class DutyVetIn(Schema):
    accept: bool | None = None
    reason: Line = Field("", max_length=200)


class DutyTaskIn(Schema):
    kind: Line = Field("screening_squad", max_length=20)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    site_id: Id | None = None
    site_role_id: Id | None = None
    note: Line = Field("", max_length=200)


class DutyTaskOut(Schema):
    id: int
    volunteer_id: int
    kind: str
    starts_at: datetime
    ends_at: datetime
    site_id: int | None
    site_role_id: int | None


class DutyHoursOut(Schema):
    checkpoint_hours: float
    task_hours: float
    total_hours: float
    turns: int


def _out(v) -> dict:
    return {
        "id": v.pk,
        "name": v.name,
        "phone": v.phone,
        "id_number": v.id_number,
        "village_id": v.village_id,
        "village_name": v.village.name,
        "is_party_member": v.is_party_member,
        "skills": v.skills,
        "availability": v.availability,
        "status": v.status,
        "submitted_at": v.submitted_at,
    }


@router.get("/volunteers", response=list[DutyVolunteerOut])
@api_operation(DUTY_VIEW)
def list_volunteers(request, status: str = ""):
    return [_out(v) for v in selectors.volunteers(request.scope, status).order_by("id")[:500]]


@router.post("/volunteers/{int:volunteer_id}/vet", response=DutyVolunteerOut)
@api_operation(DUTY_VOLUNTEERS)
def vet(request, volunteer_id: Id, payload: DutyVetIn):
    volunteer = selectors.get_volunteer(request.scope, volunteer_id)
    return _out(
        services.vet(
            actor=request.actor, volunteer=volunteer, accept=bool(payload.accept), reason=payload.reason
        )
    )


@router.post("/volunteers/{int:volunteer_id}/tasks", response={201: DutyTaskOut})
@api_operation(DUTY_VOLUNTEERS)
def schedule(request, volunteer_id: Id, payload: DutyTaskIn):
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    volunteer = selectors.get_volunteer(request.scope, volunteer_id)
    if payload.starts_at is None or payload.ends_at is None:
        raise ValidationError({"starts_at": _("Give the start and the end.")})
    site = request.scope.get(Site.objects.all(), pk=payload.site_id) if payload.site_id else None
    role = staff_roles().filter(pk=payload.site_role_id).first() if payload.site_role_id else None
    t = services.schedule_task(
        actor=request.actor,
        volunteer=volunteer,
        kind=payload.kind,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        site=site,
        site_role=role,
        note=payload.note,
    )
    return Status(
        201,
        {
            "id": t.pk,
            "volunteer_id": t.volunteer_id,
            "kind": t.kind,
            "starts_at": t.starts_at,
            "ends_at": t.ends_at,
            "site_id": t.site_id,
            "site_role_id": t.site_role_id,
        },
    )


@router.get("/volunteers/{int:volunteer_id}/hours", response=DutyHoursOut)
@api_operation(DUTY_VIEW)
def hours(request, volunteer_id: Id):
    return services.hours_of(selectors.get_volunteer(request.scope, volunteer_id))
