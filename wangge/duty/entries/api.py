"""API of the entry log (mounted at /api/v1/duty): the phone's batch upload, idempotent by each
entry's client_id, a checkpoint's entries of a day, and the counts per checkpoint per day."""

from datetime import date, datetime

from ninja import Field, Router, Schema

from wangge.core import masking
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line
from wangge.core.schemas import MaskedSchema
from wangge.duty.entries import selectors
from wangge.duty.entries import services as entries
from wangge.duty.models import Checkpoint, Entry
from wangge.duty.permissions import DUTY_LOG, DUTY_VIEW

router = Router(tags=["duty: entries"])


class DutyEntryIn(Schema):
    client_id: Line = Field(
        ..., max_length=40, description="A UUID made on the phone: a retry stores nothing twice."
    )
    kind: Line = Field("person", max_length=8, description="person or vehicle")
    code: Line = Field(
        "", max_length=200, description="The personal code scanned (WG:…) or its short code typed."
    )
    id_type: Line = Field("resident_id", max_length=16)
    id_number: Line = Field("", max_length=32)
    name: Line = Field("", max_length=60)
    plate: Line = Field("", max_length=12)
    passengers: int = Field(0, ge=0, le=99)
    origin: Line = Field("", max_length=200, description="Where from, e.g. 北京市朝阳区.")
    code_colour: Line = Field("", max_length=8, description="green, yellow, red or empty")
    temperature: float | None = Field(None, ge=30, le=45)
    purpose: Line = Field("", max_length=200)
    direction: Line = Field("in", max_length=4, description="in or out")
    at: datetime | None = None


class DutyUploadIn(Schema):
    entries: list[DutyEntryIn] = Field(default_factory=list, max_length=entries.MAX_BATCH)


class DutyEntryResultOut(Schema):
    client_id: str
    status: str = Field(..., description="accepted, duplicate (already stored) or refused (with a message)")
    message: str
    entry_id: int | None
    risk_level: str
    screening_id: int | None
    escalation_id: int | None


class DutyUploadOut(Schema):
    results: list[DutyEntryResultOut]


class DutyEntryOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID}

    id: int
    client_id: str
    kind: str
    name: str
    id_number: str
    plate: str
    origin: str
    code_colour: str
    temperature: float | None
    purpose: str
    direction: str
    at: datetime
    risk_level: str
    screening_id: int | None
    escalation_id: int | None


class DutyCountOut(Schema):
    checkpoint_id: int
    name: str
    people_in: int
    people_out: int
    vehicles: int
    from_risk_areas: int
    fever: int
    screened: int
    escalated: int


@router.post("/checkpoints/{int:checkpoint_id}/entries", response=DutyUploadOut)
@api_operation(DUTY_LOG)
def upload(request, checkpoint_id: Id, payload: DutyUploadIn):
    """A batch of entries from the phone, stored in order, each exactly once (by client_id)."""
    cp = request.scope.get(Checkpoint.objects.select_related("grid"), pk=checkpoint_id)
    items = [entries.EntryIn(**e.dict()) for e in payload.entries]
    results = entries.log_entries(actor=request.actor, checkpoint=cp, items=items)
    return {"results": [r.__dict__ for r in results]}


def _out(e: Entry) -> dict:
    return {
        "id": e.pk,
        "client_id": str(e.client_id),
        "kind": e.kind,
        "name": e.name,
        "id_number": e.id_number,
        "plate": e.plate,
        "origin": e.origin,
        "code_colour": e.code_colour,
        "temperature": float(e.temperature) if e.temperature is not None else None,
        "purpose": e.purpose,
        "direction": e.direction,
        "at": e.at,
        "risk_level": e.risk_level,
        "screening_id": e.screening_id,
        "escalation_id": e.escalation_id,
    }


@router.get("/checkpoints/{int:checkpoint_id}/entries", response=list[DutyEntryOut])
@api_operation(DUTY_VIEW)
def list_entries(request, checkpoint_id: Id, day: date | None = None):
    cp = request.scope.get(Checkpoint.objects.all(), pk=checkpoint_id)
    from django.utils import timezone

    rows = selectors.entries_of(request.scope, cp.pk, day or timezone.localdate())[:500]
    return [_out(e) for e in rows]


@router.get("/counts", response=list[DutyCountOut])
@api_operation(DUTY_VIEW)
def counts(request, day: date | None = None):
    """Entries per checkpoint on a day (today by default)."""
    from django.utils import timezone

    return [c.__dict__ for c in selectors.counts(request.scope, day or timezone.localdate())]
