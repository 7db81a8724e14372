"""Lab results, conflicts, the re-test list and alerts over the API (mounted at /api/v1/testing).

A lab posts its results as JSON rows or uploads its file; either way every row gets an outcome
(applied, unchanged, conflict or error with the reason) and the valid rows are kept."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from wangge.core import masking
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Text, ValidationErrorOut, unprocessable
from wangge.core.schemas import MaskedSchema
from wangge.registry import selectors as registry_selectors
from wangge.testing.models import Alert, ResultReport, ResultSource, Retest
from wangge.testing.permissions import TESTING_RESULTS, TESTING_VIEW
from wangge.testing.results import lab_files as results_import
from wangge.testing.results import services as result_services
from wangge.testing.rounds import selectors

router = Router(tags=["testing: results"])

MAX_ROWS = 5000


Detail = ValidationErrorOut


class LabResultIn(Schema):
    barcode: str = Field("", max_length=60)
    result: str = Field("", max_length=20)
    reported_at: datetime | None = None
    # Only for a tube the lab has not received, and only by a role allowed to.
    unreceived_reason: str = Field("", max_length=200)


class ResultsIn(Schema):
    results: list[LabResultIn] = Field(default_factory=list, max_length=MAX_ROWS)
    lab: str = Field("", max_length=100)


class ResultOutcomeOut(Schema):
    row: int | None = None
    barcode: str
    status: str
    message: str
    members: int = 0


class ResultsOut(Schema):
    applied: int
    unchanged: int
    conflicts: int
    errors: int
    outcomes: list[ResultOutcomeOut]


class ConflictOut(Schema):
    id: int
    barcode: str
    result: str
    reported_at: datetime
    lab: str
    source: str
    result_in_force: str
    resolved: bool
    applied: bool
    result_kept: str = ""
    resolution_note: str = ""


class ConflictResolveIn(Schema):
    accept: bool = False
    note: Text = Field("", max_length=200)


class RetestOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID, "phone": masking.PHONE}

    id: int
    person_name: str
    id_number: str
    phone: str
    address: str
    grid: str
    origin_tube: str
    reason: str
    status: str
    result: str


class MemberOut(Schema):
    person_name: str
    address: str
    retest_status: str


class AlertOut(Schema):
    id: int
    round_id: int
    tube: str
    result: str
    grid_id: int
    grid: str
    people: int
    created_at: datetime
    acknowledged_at: datetime | None
    recipients: list[dict]
    members: list[MemberOut]


def _counts(outcomes: list[dict]) -> dict:
    return {
        "applied": sum(o["status"] == result_services.APPLIED for o in outcomes),
        "unchanged": sum(o["status"] == result_services.UNCHANGED for o in outcomes),
        "conflicts": sum(o["status"] == result_services.CONFLICT for o in outcomes),
        "errors": sum(o["status"] == result_services.ERROR for o in outcomes),
        "outcomes": outcomes,
    }


@router.post("/rounds/{round_id}/results", response={200: ResultsOut, 422: Detail})
@api_operation(TESTING_RESULTS)
def post_results(request, round_id: Id, payload: ResultsIn):
    """Results as rows [{barcode, result (阴性/阳性/无效 or negative/positive/invalid), reported_at?}]."""
    rnd = selectors.get_round(request.scope, round_id)
    rows = [
        result_services.ResultRow(
            barcode=r.barcode,
            result=r.result,
            reported_at=r.reported_at,
            row_no=i,
            reason=r.unreceived_reason,
        )
        for i, r in enumerate(payload.results, start=1)
    ]
    try:
        outcomes = result_services.record_results(
            actor=request.actor, round=rnd, rows=rows, lab=payload.lab, source=ResultSource.API
        )
    except ValidationError as exc:
        return unprocessable(exc)
    return _counts([o.as_dict() for o in outcomes])


@router.post("/rounds/{round_id}/results/file", response={200: ResultsOut, 422: Detail})
@api_operation(TESTING_RESULTS)
def post_results_file(
    request,
    round_id: Id,
    file: File[UploadedFile] = None,
    lab: Form[str] = "",
    mode: Form[str] = "valid_rows",
    unreceived_reason: Form[str] = "",
):
    """A lab file (xlsx, xls or CSV in UTF-8/GBK) as multipart field `file`: the valid rows are
    applied, every other row is answered with its reason. `mode` "all_or_nothing": nothing is
    applied when any row is wrong (422)."""
    rnd = selectors.get_round(request.scope, round_id)
    if file is None:
        return unprocessable(_('Send the lab file as the multipart field "file".'))
    if file.size and file.size > 10 * 1024 * 1024:
        return unprocessable(_("The file is larger than 10 MB."))
    try:
        rows = results_import.parse_file(file.file, file.name or "")
        applied = results_import.apply_rows(
            actor=request.actor,
            round=rnd,
            rows=rows,
            lab=lab or "",
            source=ResultSource.FILE,
            all_or_nothing=mode == "all_or_nothing",
            unreceived_reason=(unreceived_reason or "")[:200],
        )
    except ValidationError as exc:
        return unprocessable(exc)
    outcomes = [o.as_dict() for o in applied.outcomes if o.status != result_services.ERROR]
    outcomes += [
        {
            "row": e.get("row_no"),
            "barcode": e.get("barcode", ""),
            "status": result_services.ERROR,
            "message": e.get("error", ""),
            "members": 0,
        }
        for e in applied.errors
    ]
    outcomes.sort(key=lambda o: o["row"] or 0)
    return _counts(outcomes)


@router.get("/rounds/{round_id}/results/conflicts", response=list[ConflictOut])
@api_operation(TESTING_RESULTS)
def list_conflicts(request, round_id: Id, open_only: bool = False):
    rnd = selectors.get_round(request.scope, round_id)
    qs = request.scope.filter(
        ResultReport.objects.filter(tube__round=rnd, conflict=True).select_related("tube"),
        path_field="tube__path",
    ).order_by(F("resolved_at").asc(nulls_first=True), "-recorded_at", "-id")
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return [
        {
            "id": r.pk,
            "barcode": r.tube.barcode,
            "result": r.result,
            "reported_at": r.reported_at,
            "lab": r.lab,
            "source": r.source,
            "result_in_force": r.tube.result,
            "resolved": r.resolved_at is not None,
            "applied": r.applied,
            "result_kept": r.result_kept,
            "resolution_note": r.resolution_note,
        }
        for r in qs[:1000]
    ]


@router.post("/results/{report_id}/resolve", response={200: ConflictOut, 422: Detail})
@api_operation(TESTING_RESULTS)
def resolve(request, report_id: Id, payload: ConflictResolveIn):
    """Settle a conflict: accept=true takes the new result, false keeps the earlier one; note required."""
    report = request.scope.get(
        ResultReport.objects.select_related("tube"), path_field="tube__path", pk=report_id
    )
    try:
        report = result_services.resolve_conflict(
            actor=request.actor, report=report, accept=payload.accept, note=payload.note
        )
    except ValidationError as exc:
        return unprocessable(exc)
    report.tube.refresh_from_db()
    return {
        "id": report.pk,
        "barcode": report.tube.barcode,
        "result": report.result,
        "reported_at": report.reported_at,
        "lab": report.lab,
        "source": report.source,
        "result_in_force": report.tube.result,
        "resolved": True,
        "applied": report.applied,
        "result_kept": report.result_kept,
        "resolution_note": report.resolution_note,
    }


@router.get("/rounds/{round_id}/retests", response=list[RetestOut])
@api_operation(TESTING_VIEW)
def list_retests(request, round_id: Id, status: str = "", grid_id: Id | None = None):
    """The re-test list in the caller's scope; ID numbers and phones masked unless the role shows them."""
    rnd = selectors.get_round(request.scope, round_id)
    qs = request.scope.filter(Retest.objects.filter(round=rnd)).select_related(
        "person__household__room__building", "due__grid", "origin_tube"
    )
    if status:
        qs = qs.filter(status=status)
    if grid_id is not None:
        qs = qs.filter(due__grid_id=grid_id)
    user = request.actor
    return [
        {
            "id": r.pk,
            "person_name": r.person.name,
            "id_number": registry_selectors.shown_id(user, r.person.id_number),
            "phone": registry_selectors.shown_phone(user, r.person.phone),
            "address": str(r.person.household) if r.person.household_id else "",
            "grid": r.due.grid.name,
            "origin_tube": r.origin_tube.barcode,
            "reason": r.reason,
            "status": r.status,
            "result": r.result,
        }
        for r in qs.order_by("path", "created_at", "id")[:5000]
    ]


def _alert(scope, a: Alert) -> dict:
    members = results_import.alert_members(scope, a)
    return {
        "id": a.pk,
        "round_id": a.round_id,
        "tube": a.tube.barcode,
        "result": a.result,
        "grid_id": a.grid_id,
        "grid": a.grid.name,
        "people": a.people,
        "created_at": a.created_at,
        "acknowledged_at": a.acknowledged_at,
        "recipients": a.recipients,
        "members": [
            {
                "person_name": s.person.name,
                "address": s.address,
                "retest_status": s.retest.status if s.retest else "",
            }
            for s in members
        ],
    }


@router.get("/alerts", response=list[AlertOut])
@api_operation(TESTING_VIEW)
def list_alerts(request, round_id: Id | None = None, open_only: bool = False):
    """Alerts in the caller's scope, newest first, with the members of the grid (names, addresses)."""
    qs = request.scope.filter(Alert.objects.select_related("grid", "tube")).order_by("-created_at", "-id")
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return [_alert(request.scope, a) for a in qs[:200]]


@router.post("/alerts/{alert_id}/ack", response=AlertOut)
@api_operation(TESTING_VIEW)
def ack_alert(request, alert_id: Id):
    """Say the alert was seen and acted on (audited, idempotent)."""
    alert = request.scope.get(Alert.objects.select_related("grid", "tube"), pk=alert_id)
    alert = result_services.acknowledge_alert(actor=request.actor, alert=alert)
    alert = Alert.objects.select_related("grid", "tube").get(pk=alert.pk)
    return _alert(request.scope, alert)
