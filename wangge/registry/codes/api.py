"""Personal codes over the API (mounted at /api/v1/registry/codes): resolve a scanned code or a
typed ID number within the caller's scope, and fetch a person's token for printing apps."""

from ninja import Router, Schema, Status

from wangge.audit import services as audit
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id
from wangge.core.masking import mask_id
from wangge.registry import selectors
from wangge.registry.codes import services as codes
from wangge.registry.permissions import REGISTRY_VIEW

router = Router(tags=["registry"])


class CodeResolveIn(Schema):
    token: str = ""
    id_number: str = ""
    id_type: str = ""


class PersonCodeOut(Schema):
    id: int
    name: str
    id_masked: str
    household_id: int | None
    household: str
    grid_id: int
    grid: str
    status: str
    status_label: str
    is_active: bool
    via_merge: bool


class PersonTokenOut(Schema):
    person_id: int
    token: str


class Detail(Schema):
    detail: str


@router.post("/resolve", response={200: PersonCodeOut, 404: Detail, 410: Detail})
@api_operation(REGISTRY_VIEW)
def resolve(request, payload: CodeResolveIn):
    """A scanned code (or the short code under it, typed) or a typed document number → the
    person, in your jurisdiction only. Unknown and out-of-scope codes answer alike (404); a
    revoked QR code in scope answers 410; a short code with a wrong check character answers 404
    saying to check the code."""
    result = codes.resolve(
        request.scope, token=payload.token, id_number=payload.id_number, id_type=payload.id_type
    )
    if result.outcome == codes.REVOKED:
        return Status(410, {"detail": result.message})
    if result.outcome != codes.FOUND:
        return Status(404, {"detail": result.message})
    person = result.person
    audit.record_view(actor=request.actor, obj=person)
    return {
        "id": person.pk,
        "name": person.name,
        "id_masked": mask_id(person.id_number),
        "household_id": person.household_id,
        "household": str(person.household) if person.household_id else "",
        "grid_id": person.grid_id,
        "grid": person.grid.name,
        "status": person.status,
        "status_label": person.get_status_display(),
        "is_active": person.is_active,
        "via_merge": result.via_merge,
    }


@router.get("/{int:person_id}", response=PersonTokenOut)
@api_operation(REGISTRY_VIEW)
def person_token(request, person_id: Id):
    person = selectors.get_person(request.scope, person_id)
    audit.record_view(actor=request.actor, obj=person)
    return {"person_id": person.pk, "token": codes.make_token(person)}
