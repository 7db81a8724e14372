"""Imports over the API: upload (multipart), status and progress, run."""

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id
from wangge.org.models import Level, OrgUnit
from wangge.registry.imports import engine
from wangge.registry.models import ImportJob, ImportMode
from wangge.registry.permissions import REGISTRY_IMPORT

router = Router(tags=["registry"])


class ImportJobOut(Schema):
    id: int
    kind: str
    unit_id: int
    status: str
    mode: str
    original_name: str
    sha256: str
    encoding: str
    total_rows: int
    processed_rows: int
    created_rows: int
    updated_rows: int
    unchanged_rows: int
    error_rows: int
    warned_rows: int
    sheet: str
    sheets: list[str]
    message: str
    has_errors_file: bool
    mapping: dict[str, int]
    missing_columns: list[str]


def _out(job: ImportJob) -> dict:
    fields = job.mapping.get("fields", {})
    return {
        "id": job.pk,
        "kind": job.kind,
        "unit_id": job.scope_unit_id,
        "status": job.status,
        "mode": job.mode,
        "original_name": job.original_name,
        "sha256": job.sha256,
        "encoding": job.encoding,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created_rows": job.created_rows,
        "updated_rows": job.updated_rows,
        "unchanged_rows": job.unchanged_rows,
        "error_rows": job.error_rows,
        "warned_rows": job.warned_rows,
        "sheet": job.mapping.get("sheet", ""),
        "sheets": job.sheet_names,
        "message": job.message,
        "has_errors_file": bool(job.errors_file),
        "mapping": fields,
        "missing_columns": engine.missing_required(job.kind, fields),
    }


def _job(request, job_id: int) -> ImportJob:
    return request.scope.get(ImportJob.objects.filter(actor=request.actor), pk=job_id)


@router.post("", response={201: ImportJobOut})
@api_operation(REGISTRY_IMPORT)
def upload(
    request,
    kind: Form[str],
    file: File[UploadedFile],
    mode: Form[str] = ImportMode.VALID_ROWS,
    sheet: Form[str] = "",
    unit_id: Form[Id | None] = None,
):
    """Upload a file: it is read (header, mapping, row count) but nothing is written until /run.
    `sheet`: a workbook's sheet (name or index); empty: the first with a recognised header. A
    rental roll (`kind=rental_roll`) is for one village or community: `unit_id` (not needed when
    the account's jurisdiction is a village)."""
    unit = None
    if unit_id is not None:
        unit = request.scope.get(OrgUnit.objects.filter(level=Level.VILLAGE), pk=unit_id)
    job = engine.create_job(
        actor=request.actor, kind=kind, upload=file, mode=mode, sheet=sheet or None, unit=unit
    )
    return Status(201, _out(job))


@router.get("/{job_id}", response=ImportJobOut)
@api_operation(REGISTRY_IMPORT)
def status(request, job_id: Id):
    return _out(_job(request, job_id))


class RunIn(Schema):
    mode: str | None = None
    mapping: dict[str, int] | None = None


@router.post("/{job_id}/run", response={200: ImportJobOut, 202: ImportJobOut})
@api_operation(REGISTRY_IMPORT)
def run(request, job_id: Id, payload: RunIn | None = None):
    """Validate every row and write (large files are queued: poll GET /{job_id})."""
    job = _job(request, job_id)
    if payload is not None and (payload.mapping is not None or payload.mode):
        engine.set_mapping(
            actor=request.actor,
            job=job,
            fields=payload.mapping if payload.mapping is not None else job.mapping.get("fields", {}),
            mode=payload.mode or job.mode,
        )
    job = engine.start(actor=request.actor, job=job)
    return Status(202 if job.status in ("queued", "running") else 200, _out(job))
