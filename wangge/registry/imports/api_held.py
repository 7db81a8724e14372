"""Rows of rental rolls waiting for their village over the API: list, place, confirm."""

from ninja import Router, Schema

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id
from wangge.org.models import Level, OrgUnit
from wangge.registry.imports import holding
from wangge.registry.models import HeldRowReason
from wangge.registry.permissions import REGISTRY_IMPORT

router = Router(tags=["registry"])


class HeldRowOut(Schema):
    id: int
    village_id: int
    reason: str
    address: str
    group_no: int | None
    street: str
    house_number: int | None
    landlord_name: str
    tenant_name: str
    error: str


class HeldRowsPlaceIn(Schema):
    village_id: Id
    grid_id: Id
    group_no: int | None = None
    street: str = ""
    ids: list[int] = []
    save_rule: bool = False


class HeldRowsConfirmIn(Schema):
    village_id: Id
    ids: list[int]


class HeldRowsPlaced(Schema):
    placed: int
    requeued: int
    errors: list[dict[str, str | int]]


def _held_out(h) -> dict:
    return {
        "id": h.pk,
        "village_id": h.village_id,
        "reason": h.reason,
        "address": h.address,
        "group_no": h.group_no,
        "street": h.street,
        "house_number": h.house_number,
        "landlord_name": h.values.get("landlord_name", ""),
        "tenant_name": h.values.get("tenant_name", ""),
        "error": h.error,
    }


def _village(request, village_id: int) -> OrgUnit:
    return request.scope.get(OrgUnit.objects.filter(level=Level.VILLAGE), pk=village_id)


def _placed(result) -> dict:
    return {
        "placed": result.placed,
        "requeued": result.requeued,
        "errors": [{"id": h.pk, "error": e} for h, e in result.errors],
    }


@router.get("", response=list[HeldRowOut])
@api_operation(REGISTRY_IMPORT)
def held_rows(request, village_id: Id | None = None, reason: str = ""):
    """Roll rows waiting for the village: `unplaced` (no rule gives the house a grid) and
    `transfer` (the tenant lives elsewhere in the registry). ID numbers are not given out here."""
    village = _village(request, village_id) if village_id is not None else None
    qs = holding.waiting(request.actor, village)
    if reason in HeldRowReason.values:
        qs = qs.filter(reason=reason)
    return [_held_out(h) for h in qs[:1000]]


@router.post("/place", response=HeldRowsPlaced)
@api_operation(REGISTRY_IMPORT)
def place(request, payload: HeldRowsPlaceIn):
    """Place waiting houses in a grid: a whole group (`group_no`), a street (`street`) or some
    rows (`ids`); `save_rule` keeps the group or street as an address rule for later rolls."""
    village = _village(request, payload.village_id)
    grid = request.scope.get(holding.village_grids(village), pk=payload.grid_id)
    if payload.group_no is not None:
        result = holding.place_group(
            actor=request.actor,
            village=village,
            group_no=payload.group_no,
            grid=grid,
            save_rule=payload.save_rule,
        )
    elif payload.street:
        result = holding.place_street(
            actor=request.actor,
            village=village,
            street=payload.street,
            grid=grid,
            save_rule=payload.save_rule,
        )
    else:
        result = holding.place_rows(actor=request.actor, village=village, ids=payload.ids, grid=grid)
    return _placed(result)


@router.post("/confirm", response=HeldRowsPlaced)
@api_operation(REGISTRY_IMPORT)
def confirm(request, payload: HeldRowsConfirmIn):
    """Confirm tenants' moves: their old tenancies end, they leave their household."""
    village = _village(request, payload.village_id)
    return _placed(holding.confirm_transfers(actor=request.actor, village=village, ids=payload.ids))
