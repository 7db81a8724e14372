"""API: intake (mounted at /api/v1/screening). Screening records (list, one report, one record),
a 协查 list checked and imported from a multipart upload (and the imported lists read back), and the self-reports waiting to be placed.
Scoped like the pages; ID numbers and phones masked unless the caller's role may see them.
POST /records is safe to retry: a second identical report merges into the first record
(the answer says `created: false`)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.audit import services as audit
from wangge.core import masking
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Limit, Line, Offset, Text
from wangge.core.schemas import MaskedSchema
from wangge.org.models import Level, OrgUnit
from wangge.registry.selectors import shown_id, shown_phone
from wangge.screening.intake import lists as imports
from wangge.screening.intake import services as intake
from wangge.screening.models import (
    Category,
    Measure,
    ScreeningBatch,
    ScreeningRecord,
    ScreeningSource,
    SelfReport,
)
from wangge.screening.permissions import SCREENING_SCREEN, SCREENING_VIEW

router = Router(tags=["screening: intake"])
MAX_LIMIT = 500


class RecordOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID, "phone": masking.PHONE}

    id: int
    person_id: int
    name: str
    id_number: str
    phone: str
    grid_id: int
    source: str
    status: str
    came_from: str
    arrival_date: date | None
    left_area_on: date | None
    risk_level: str
    category_id: int | None
    contact_of: str
    screened_at: datetime
    batch_id: int | None


class RecordPage(Schema):
    count: int
    items: list[RecordOut]


class SightingOut(Schema):
    source: str
    at: datetime
    batch_id: int | None
    row_no: int | None


class RecordDetailOut(RecordOut):
    address: str
    sightings: list[SightingOut]
    measure_ids: list[int]


class ReportIn(Schema):
    source: str = ScreeningSource.DOOR_TO_DOOR
    name: Line = Field(..., max_length=60)
    id_type: str = "resident_id"
    id_number: str = Field(..., max_length=32)
    phone: str = Field("", max_length=20)
    came_from: Line = Field("", max_length=200)
    left_area_on: date | None = None
    arrival_date: date | None = None
    address: Line = Field("", max_length=250)
    category_id: Id | None = None
    contact_of: Line = Field("", max_length=200)
    note: Text = Field("", max_length=2000)
    grid_id: Id | None = None


class ScreenOut(Schema):
    record: RecordOut
    created: bool
    person_created: bool
    measure_id: int | None


class PreviewOut(Schema):
    total: int
    matched: int
    provisional: int
    outside: int
    error: int
    errors: list[dict]
    batch_id: int | None = None
    merged: int | None = None


class BatchOut(Schema):
    id: int
    name: str
    source: str
    reference: str
    unit_id: int
    original_name: str
    total: int
    matched: int
    provisional: int
    merged: int
    outside: int
    error: int
    created_by: str
    created_at: datetime


class BatchDetailOut(BatchOut):
    records: int
    errors: list[dict]


class BatchPage(Schema):
    count: int
    items: list[BatchOut]


class SelfReportOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID, "phone": masking.PHONE}

    id: int
    receipt: str
    name: str
    id_number: str
    phone: str
    came_from: str
    arrival_date: date
    village_id: int
    address: str
    submitted_at: datetime


def _record_out(request, r: ScreeningRecord) -> dict:
    return {
        "id": r.pk,
        "person_id": r.person_id,
        "name": r.person.name,
        "id_number": shown_id(request.user, r.person.id_number),
        "phone": shown_phone(request.user, r.person.phone),
        "grid_id": r.grid_id,
        "source": r.source,
        "status": r.status,
        "came_from": r.came_from,
        "arrival_date": r.arrival_date,
        "left_area_on": r.left_area_on,
        "risk_level": r.risk_level,
        "category_id": r.category_id,
        "contact_of": r.contact_of,
        "screened_at": r.screened_at,
        "batch_id": r.batch_id,
    }


@router.get("/records", response=RecordPage)
@api_operation(SCREENING_VIEW)
def list_records(
    request,
    source: str = "",
    status: str = "",
    risk_level: str = "",
    category_id: Id | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = request.scope.filter(ScreeningRecord.objects.select_related("person"))
    if source:
        qs = qs.filter(source=source)
    if status:
        qs = qs.filter(status=status)
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    qs = qs.order_by("-screened_at", "-id")
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    return {"count": qs.count(), "items": [_record_out(request, r) for r in qs[offset : offset + limit]]}


@router.post("/records", response={200: ScreenOut, 201: ScreenOut})
@api_operation(SCREENING_SCREEN)
def create_record(request, payload: ReportIn):
    grid = None
    if payload.grid_id is not None:
        grid = request.scope.get(OrgUnit.objects.filter(level=Level.GRID), pk=payload.grid_id)
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(pk=payload.category_id, is_active=True).first()
        if category is None:
            raise ValidationError({"category_id": _("Unknown category.")})
    report = intake.Report(
        name=payload.name,
        id_type=payload.id_type,
        id_number=payload.id_number,
        phone=payload.phone,
        came_from=payload.came_from,
        left_area_on=payload.left_area_on,
        arrival_date=payload.arrival_date,
        address=payload.address,
        category=category,
        contact_of=payload.contact_of,
        note=payload.note,
    )
    outcome = intake.screen_one(actor=request.user, source=payload.source, report=report, grid=grid)
    body = {
        "record": _record_out(request, outcome.record),
        "created": outcome.created,
        "person_created": outcome.person_created,
        "measure_id": outcome.measure.pk if outcome.measure is not None else None,
    }
    return Status(201 if outcome.created else 200, body)


@router.get("/records/{int:record_id}", response=RecordDetailOut)
@api_operation(SCREENING_VIEW)
def get_record(request, record_id: Id):
    record = request.scope.get(ScreeningRecord.objects.select_related("person"), pk=record_id)
    audit.record_view(actor=request.user, obj=record, path=record.path)
    return {
        **_record_out(request, record),
        "address": record.address,
        "sightings": [
            {"source": s.source, "at": s.at, "batch_id": s.batch_id, "row_no": s.row_no}
            for s in record.sightings.order_by("at", "id")
        ],
        "measure_ids": list(
            request.scope.filter(Measure.objects.filter(screening=record)).values_list("pk", flat=True)
        ),
    }


@router.post("/imports", response={200: PreviewOut, 201: PreviewOut})
@api_operation(SCREENING_SCREEN)
def import_list(
    request,
    file: File[UploadedFile],
    name: Form[str] = "",
    reference: Form[str] = "",
    mode: Form[str] = "preview",
):
    """mode "preview": check only; "valid": import the valid rows; "all": all or nothing."""
    analysis = imports.analyse(actor=request.user, raw=file, name=file.name or "upload")
    body = {
        **analysis.counts,
        "errors": [{"row": e["row"], "error": e["error"]} for e in analysis.error_list(500)],
    }
    if mode not in (imports.MODE_VALID, imports.MODE_ALL):
        return Status(200, body)
    batch = imports.run_import(
        actor=request.user, analysis=analysis, name=name, reference=reference, mode=mode
    )
    return Status(201, {**body, "batch_id": batch.pk, "merged": batch.merged_rows})


def _batch_out(batch: ScreeningBatch) -> dict:
    return {
        "id": batch.pk,
        "name": batch.name,
        "source": batch.source,
        "reference": batch.reference,
        "unit_id": batch.unit_id,
        "original_name": batch.original_name,
        "total": batch.total_rows,
        "matched": batch.matched_rows,
        "provisional": batch.provisional_rows,
        "merged": batch.merged_rows,
        "outside": batch.outside_rows,
        "error": batch.error_rows,
        "created_by": batch.created_by.get_username() if batch.created_by else "",
        "created_at": batch.created_at,
    }


@router.get("/imports", response=BatchPage)
@api_operation(SCREENING_VIEW)
def list_imports(request, limit: Limit = 100, offset: Offset = 0):
    """Imported lists, newest first: what each one matched, created, merged and refused."""
    qs = request.scope.filter(ScreeningBatch.objects.select_related("created_by")).order_by(
        "-created_at", "-id"
    )
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    return {"count": qs.count(), "items": [_batch_out(b) for b in qs[offset : offset + limit]]}


@router.get("/imports/{int:batch_id}", response=BatchDetailOut)
@api_operation(SCREENING_VIEW)
def get_import(request, batch_id: Id):
    """One imported list: its counts, its refused rows (row number and reason; up to 500) and how
    many screening records it holds."""
    batch = request.scope.get(ScreeningBatch.objects.select_related("created_by"), pk=batch_id)
    return {
        **_batch_out(batch),
        "records": request.scope.filter(ScreeningRecord.objects.filter(batch=batch)).count(),
        "errors": [{"row": e.get("row"), "error": e.get("error")} for e in batch.errors[:500]],
    }


@router.get("/self-reports", response=list[SelfReportOut])
@api_operation(SCREENING_SCREEN)
def list_self_reports(request, limit: Limit = 100, offset: Offset = 0):
    qs = request.scope.filter(SelfReport.objects.filter(record__isnull=True)).order_by("submitted_at", "id")
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    return [
        {
            "id": r.pk,
            "receipt": r.receipt,
            "name": r.name,
            "id_number": shown_id(request.user, r.id_number),
            "phone": shown_phone(request.user, r.phone),
            "came_from": r.came_from,
            "arrival_date": r.arrival_date,
            "village_id": r.village_id,
            "address": r.address,
            "submitted_at": r.submitted_at,
        }
        for r in qs[offset : offset + limit]
    ]
