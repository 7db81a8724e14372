"""Check-ins over the API (mounted at /api/v1/testing): what the registrar's phone page and
site apps call. Every scan carries a client-generated id; uploads are idempotent and batched."""

import json
import logging
import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from wangge.core.access import api_operation, has_permission, scope_of
from wangge.core.api_conventions import Id, Line, Text, ValidationErrorOut, unprocessable
from wangge.core.unavailable import UNAVAILABLE_ERRORS
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import MAX_BATCH, ScanIn
from wangge.testing.models import Sample, Tube, TubeStatus
from wangge.testing.permissions import TESTING_REGISTER

log = logging.getLogger(__name__)

router = Router(tags=["testing: at the table"])


class WalkInIn(BaseModel):
    name: Line = Field(..., max_length=60)
    phone: str = ""
    grid_id: Id | None = None


class ScanSchema(BaseModel):
    client_id: uuid.UUID
    tube: str = Field(..., max_length=60)
    code: str = Field("", max_length=200)
    id_number: str = Field("", max_length=40)
    id_type: str = "resident_id"
    scanned_at: datetime | None = None
    capacity: int | None = None
    retest: bool = False
    walk_in: WalkInIn | None = None


class OneScanIn(ScanSchema):
    table_no: int = 1


class RemovalIn(BaseModel):
    client_id: uuid.UUID
    reason: Text = Field(..., max_length=200)


class OpenIn(BaseModel):
    """Open a new tube at the table. `seal`: the tube still open there, to seal first (in the
    same transaction); without it, opening is refused while another tube holds people."""

    tube: str = Field(..., max_length=60)
    capacity: int | None = None
    retest: bool = False
    seal: str = Field("", max_length=60)


class OpenOneIn(OpenIn):
    table_no: int = 1


class UploadIn(BaseModel):
    table_no: int = 1
    scans: list[ScanSchema] = Field(default_factory=list, max_length=MAX_BATCH)
    removals: list[RemovalIn] = Field(default_factory=list, max_length=MAX_BATCH)
    seals: list[str] = Field(default_factory=list, max_length=MAX_BATCH)
    opens: list[OpenIn] = Field(default_factory=list, max_length=MAX_BATCH)


class OutcomeOut(BaseModel):
    client_id: str
    status: str
    reason: str
    message: str
    person_name: str
    person_id: str
    tube: str
    filled: int
    capacity: int
    tube_full: bool


class ActionOut(BaseModel):
    key: str
    ok: bool
    message: str = ""
    # The database was unavailable for this action alone: send it again (its scans stand).
    retry: bool = False


class UploadOut(BaseModel):
    results: list[OutcomeOut]
    removals: list[ActionOut]
    seals: list[ActionOut]
    opens: list[ActionOut] = []


class TubeMemberOut(Schema):
    client_id: str
    person_name: str
    person_id: str


class TubeOut(Schema):
    id: int
    barcode: str
    kind: str
    capacity: int
    filled: int
    status: str
    members: list[TubeMemberOut]


Detail = ValidationErrorOut
# The table's scans and uploads are plain pydantic models, not ninja Schemas: ninja's Schema
# wraps every object it validates for attribute access to ORM instances, which these JSON-only
# bodies never need, and that wrapping was a fifth of a batch's CPU per scan.


def _answer(body: dict) -> HttpResponse:
    """A 200 answer written straight to JSON: the outcomes are built as the documented schema
    says, and validating a 200-scan answer again cost as much as a tenth of the upload."""
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")


def _scan(item: ScanSchema) -> ScanIn:
    walk = item.walk_in
    return ScanIn(
        client_id=item.client_id,
        tube=item.tube,
        code=item.code,
        id_number=item.id_number,
        id_type=item.id_type,
        scanned_at=item.scanned_at,
        capacity=item.capacity,
        retest=item.retest,
        walk_in_name=walk.name if walk else "",
        walk_in_phone=walk.phone if walk else "",
        walk_in_grid_id=walk.grid_id if walk else None,
    )


@router.post("/sites/{site_id}/scan", response={200: OutcomeOut, 422: Detail})
@api_operation(TESTING_REGISTER)
def scan_one(request, site_id: Id, payload: OneScanIn):
    """One scan: tube barcode + personal code (or typed ID number). Safe to retry with the same client_id."""
    site = checkin.site_for_registrar(request.actor, site_id)
    try:
        results = _store(request, site, payload.table_no, [payload])
    except ValidationError as exc:
        return unprocessable(exc)
    return _scan_reply(request, site, payload, results)


@router.post("/sites/{site_id}/upload", response={200: UploadOut, 422: Detail})
@api_operation(TESTING_REGISTER)
def upload(request, site_id: Id, payload: UploadIn):
    """A batch from a phone's queue: scans first, then removals, then seals, then tubes opened
    (each sealing the tube it replaces), in that order. Every part is idempotent: sending the
    same batch again changes nothing."""
    site = checkin.site_for_registrar(request.actor, site_id)
    try:
        results = _store(request, site, payload.table_no, payload.scans)
    except ValidationError as exc:
        return unprocessable(exc)
    return _upload_reply(request, site, payload, results)


def _store(request, site, table_no: int, scans: list) -> list:
    """The scans checked in (one transaction); a ValidationError means nothing was stored."""
    return checkin.ingest(actor=request.actor, site=site, table_no=table_no, scans=[_scan(s) for s in scans])


def _scan_reply(request, site, payload: OneScanIn, results: list) -> HttpResponse:
    """One scan's outcome (the same arguments as `_upload_reply`: `_lean` calls either)."""
    return _answer(results[0].as_dict())


def _upload_reply(request, site, payload: UploadIn, results: list) -> HttpResponse:
    # Each action has its own outcome: one that meets an outage after the scans were stored is
    # answered "send again", never turning the stored scans' answer into an error.
    removals = [_own_outcome(str(r.client_id), _remove, request, site, r) for r in payload.removals]
    seals = [_own_outcome(_code(b), _seal, request, site, payload.table_no, b) for b in payload.seals]
    opens = [_own_outcome(_code(i.tube), _open, request, site, payload.table_no, i) for i in payload.opens]
    return _answer(
        {"results": [r.as_dict() for r in results], "removals": removals, "seals": seals, "opens": opens}
    )


# ----------------------------------------------------------------------------- the lean path
# The same two calls for a bearer token, before the page middleware (wangge.core.lean). Until the
# scans are stored, anything unusual returns None and the routes above answer as always: a body
# that does not validate (their 422), no permission (403), a site out of scope (404), a refusal
# of the whole batch (422), an outage (503). Once the scans are stored, the answer is this one.
LEAN_SITE = r"/api/v1/testing/sites/(?P<site_id>[1-9][0-9]{0,17})"


def _lean(model: type[OneScanIn] | type[UploadIn], reply):
    def handler(request, site_id: str) -> HttpResponse | None:
        try:
            payload = model.model_validate_json(request.body)
        except PydanticValidationError:
            return None
        actor = request.user
        if not has_permission(actor, TESTING_REGISTER):
            return None
        request.actor, request.scope = actor, scope_of(actor)
        scans = [payload] if isinstance(payload, OneScanIn) else payload.scans
        if len(scans) == 1 and (
            isinstance(payload, OneScanIn) or not (payload.removals or payload.seals or payload.opens)
        ):
            # The common scan (the phone page sends most one at a time), stored by the database
            # in one call; anything else goes on below.
            try:
                outcome = checkin.check_in_one(
                    actor=actor, site_id=int(site_id), table_no=payload.table_no, scan=_scan(scans[0])
                )
            except UNAVAILABLE_ERRORS:
                return None
            if outcome is not None:
                if isinstance(payload, OneScanIn):
                    return _answer(outcome.as_dict())
                return _answer({"results": [outcome.as_dict()], "removals": [], "seals": [], "opens": []})
        try:
            site = checkin.site_for_registrar(actor, site_id)
            results = _store(request, site, payload.table_no, scans)
        except (Http404, ValidationError, *UNAVAILABLE_ERRORS):
            return None
        return reply(request, site, payload, results)

    return handler


lean_scan = _lean(OneScanIn, _scan_reply)
lean_upload = _lean(UploadIn, _upload_reply)


def _code(barcode: str | None) -> str:
    return "".join((barcode or "").split()).upper()


def _action(key: str, ok: bool, message: str = "", retry: bool = False) -> dict:
    """One action's outcome with every field of ActionOut (the answer is not validated again)."""
    return {"key": key, "ok": ok, "message": message, "retry": retry}


def _own_outcome(key: str, action, *args) -> dict:
    try:
        return action(*args)
    except UNAVAILABLE_ERRORS as exc:
        log.warning("upload action %s met an outage: %s", action.__name__, type(exc).__name__)
        return _action(key, False, str(_("Not saved yet; it will be sent again.")), retry=True)


def _open(request, site, table_no: int, item: OpenIn) -> dict:
    code = _code(item.tube)
    try:
        checkin.open_tube(
            actor=request.actor,
            site=site,
            table_no=table_no,
            barcode=item.tube,
            capacity=item.capacity,
            retest=item.retest,
            seal=item.seal,
        )
    except ValidationError as exc:
        return _action(code, False, "; ".join(exc.messages))
    return _action(code, True)


def _remove(request, site, item: RemovalIn) -> dict:
    sample = request.scope.filter(Sample.objects.filter(site=site, client_id=item.client_id)).first()
    if sample is None:
        return _action(str(item.client_id), False, str(checkin.not_found_text()))
    try:
        with transaction.atomic():
            checkin.remove_sample(actor=request.actor, sample=sample, reason=item.reason)
    except ValidationError as exc:
        return _action(str(item.client_id), False, "; ".join(exc.messages))
    return _action(str(item.client_id), True)


def _seal(request, site, table_no: int, barcode: str) -> dict:
    code = _code(barcode)
    tube = Tube.objects.filter(site=site, round=site.round, barcode=code).first()
    if tube is None:
        return _action(code, False, str(_("No tube with this barcode at this site.")))
    try:
        with transaction.atomic():
            checkin.seal_tube(actor=request.actor, tube=tube)
    except ValidationError as exc:
        return _action(code, False, "; ".join(exc.messages))
    return _action(code, True)


@router.post("/sites/{site_id}/tubes/open", response={200: TubeOut, 422: Detail})
@api_operation(TESTING_REGISTER)
def open_one(request, site_id: Id, payload: OpenOneIn):
    """Open a new tube at a table. Refused (422, naming the open tube) while another tube there
    holds people, unless `seal` names it: then it is sealed and the new one opened together."""
    site = checkin.site_for_registrar(request.actor, site_id)
    try:
        tube = checkin.open_tube(
            actor=request.actor,
            site=site,
            table_no=payload.table_no,
            barcode=payload.tube,
            capacity=payload.capacity,
            retest=payload.retest,
            seal=payload.seal,
        )
    except ValidationError as exc:
        return unprocessable(exc)
    return _tube_out(request, tube)


def _tube_out(request, tube: Tube) -> dict:
    from wangge.core.masking import mask_id

    members = request.scope.filter(
        Sample.objects.filter(tube=tube, removed_at__isnull=True).select_related("person")
    ).order_by("scanned_at", "id")
    return {
        "id": tube.pk,
        "barcode": tube.barcode,
        "kind": tube.kind,
        "capacity": tube.capacity,
        "filled": tube.filled,
        "status": tube.status,
        "members": [
            {
                "client_id": str(s.client_id),
                "person_name": s.person.name,
                "person_id": mask_id(s.person.id_number),
            }
            for s in members
        ],
    }


@router.get("/sites/{site_id}/tubes", response=list[TubeOut])
@api_operation(TESTING_REGISTER)
def open_tubes(request, site_id: Id, table_no: int = 1):
    """The open tubes of a table with their members (masked IDs): what a reloaded phone shows."""
    site = checkin.site_for_registrar(request.actor, site_id)
    tubes = Tube.objects.filter(site=site, table_no=table_no, status=TubeStatus.OPEN).order_by(
        "opened_at", "id"
    )
    return [_tube_out(request, tube) for tube in tubes]
