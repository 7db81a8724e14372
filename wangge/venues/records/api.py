"""API of what a venue keeps, mounted at /api/v1/venues/{venue_id}/…: the staff health record
(with each member's category, last sample and whether on time), the disinfection log and the
visitor register. Lines are idempotent by client_id: a replayed upload answers the stored line."""

import uuid
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema, Status

from wangge.core import masking
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line
from wangge.core.schemas import MaskedSchema
from wangge.venues import evidence, selectors
from wangge.venues.models import DisinfectionEntry, VisitorEntry
from wangge.venues.permissions import VENUES_RECORDS, VENUES_VIEW
from wangge.venues.records import services

router = Router(tags=["venues: records"])

MAX_LINES = 200


class VenueStaffOut(MaskedSchema):
    masked_fields = {"phone": masking.PHONE}

    id: int
    person_id: int
    name: str
    phone: str
    job: str
    category_name: str
    interval_days: int
    last_sampled_on: date | None
    on_time: bool
    since: date | None


# Body fields are optional in the schemas so that an unknown venue answers 404 before the body
# is judged (a foreign venue and a missing one look alike); the services say what is missing.
class VenueStaffIn(Schema):
    name: Line = ""
    id_type: str = "resident_id"
    id_number: Line = ""
    phone: Line = ""
    job: Line = ""
    since: date | None = None


class DisinfectionOut(Schema):
    id: int
    client_id: uuid.UUID | None
    done_on: date
    done_at: time | None
    area: str
    agent: str
    done_by: str


class DisinfectionIn(Schema):
    client_id: uuid.UUID | None = None
    done_on: date | None = None
    done_at: time | None = None
    area: Line = ""
    agent: Line = ""
    done_by: Line = ""


class VisitorOut(MaskedSchema):
    masked_fields = {"phone": masking.PHONE}

    id: int
    client_id: uuid.UUID | None
    at: datetime
    name: str
    phone: str
    code_colour: str
    temperature: Decimal
    purpose: str


class VisitorIn(Schema):
    client_id: uuid.UUID | None = None
    at: datetime | None = None
    name: Line = ""
    phone: Line = ""
    code_colour: str = ""
    temperature: Decimal | None = None
    purpose: Line = ""


def _staff_out(venue) -> list[dict]:
    testing = {t.person_id: t for t in evidence.staff_testing(venue, on=timezone.localdate())}
    answer = []
    for s in selectors.current_staff(venue):
        t = testing.get(s.person_id)
        answer.append(
            {
                "id": s.pk,
                "person_id": s.person_id,
                "name": s.person.name,
                "phone": s.person.phone,
                "job": s.job,
                "category_name": s.category.name if s.category else "",
                "interval_days": t.interval_days if t else 0,
                "last_sampled_on": t.last_sampled_on if t else None,
                "on_time": t.on_time if t else True,
                "since": s.since,
            }
        )
    return answer


@router.get("/{int:venue_id}/staff", response=list[VenueStaffOut])
@api_operation(VENUES_VIEW)
def list_staff(request, venue_id: Id):
    return _staff_out(selectors.get_venue(request.scope, venue_id))


@router.post("/{int:venue_id}/staff", response={201: list[VenueStaffOut]})
@api_operation(VENUES_RECORDS)
def add_staff(request, venue_id: Id, payload: VenueStaffIn):
    venue = selectors.get_venue(request.scope, venue_id)
    services.add_staff(actor=request.actor, venue=venue, **payload.dict())
    return Status(201, _staff_out(venue))


@router.get("/{int:venue_id}/disinfections", response=list[DisinfectionOut])
@api_operation(VENUES_VIEW)
def list_disinfections(request, venue_id: Id, since: date | None = None):
    venue = selectors.get_venue(request.scope, venue_id)
    qs = selectors.disinfections(venue)
    if since is not None:
        qs = qs.filter(done_on__gte=since)
    return list(qs[:MAX_LINES])


@router.post("/{int:venue_id}/disinfections", response={201: DisinfectionOut})
@api_operation(VENUES_RECORDS)
def log_disinfection(request, venue_id: Id, payload: DisinfectionIn):
    venue = selectors.get_venue(request.scope, venue_id)
    entry: DisinfectionEntry = services.log_disinfection(actor=request.actor, venue=venue, **payload.dict())
    return Status(201, entry)


@router.get("/{int:venue_id}/visitors", response=list[VisitorOut])
@api_operation(VENUES_VIEW)
def list_visitors(request, venue_id: Id):
    venue = selectors.get_venue(request.scope, venue_id)
    return [
        {
            "id": v.pk,
            "client_id": v.client_id,
            "at": v.at,
            "name": v.name,
            "phone": v.phone,
            "code_colour": v.code_colour,
            "temperature": v.temperature,
            "purpose": v.purpose,
        }
        for v in selectors.visitors(venue)[:MAX_LINES]
    ]


@router.post("/{int:venue_id}/visitors", response={201: VisitorOut})
@api_operation(VENUES_RECORDS)
def log_visitor(request, venue_id: Id, payload: VisitorIn):
    venue = selectors.get_venue(request.scope, venue_id)
    entry: VisitorEntry = services.log_visitor(actor=request.actor, venue=venue, **payload.dict())
    return Status(
        201,
        {
            "id": entry.pk,
            "client_id": entry.client_id,
            "at": entry.at,
            "name": entry.name,
            "phone": entry.phone,
            "code_colour": entry.code_colour,
            "temperature": entry.temperature,
            "purpose": entry.purpose,
        },
    )
