"""Coverage API, mounted at /api/v1/testing: counts per level, a grid's floors, the people still
to be sampled (phones and ID numbers masked unless the caller's role may see them) and the
progress series. Paths: /rounds/{round_id}/coverage…, /rounds/{round_id}/untested,
/rounds/{round_id}/progress. Rounds and units outside the caller's scope answer 404."""

from datetime import datetime

from django.http import Http404
from ninja import Field, Router, Schema

from wangge.core import masking
from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Limit, Offset
from wangge.core.schemas import MaskedSchema
from wangge.org.models import Level
from wangge.registry.selectors import shown_id, shown_phone
from wangge.testing.coverage import selectors as coverage
from wangge.testing.models import ExemptReason
from wangge.testing.permissions import TESTING_VIEW
from wangge.testing.rounds import selectors

router = Router(tags=["testing: coverage"])

MAX_LIMIT = 500


class CoverageRowOut(Schema):
    unit_id: int | None
    name: str
    level: int | None
    due: int
    tested: int
    exempt: int
    resulted: int
    positive: int
    retest: int
    untested: int
    percent: float


class CoverageOut(Schema):
    round_id: int
    unit: CoverageRowOut
    children: list[CoverageRowOut]


class PlaceOut(Schema):
    building_id: int | None
    building_name: str
    unit_label: str
    floor: int | None
    due: int
    tested: int
    exempt: int
    resulted: int
    untested: int
    percent: float


class GridOut(Schema):
    round_id: int
    grid: CoverageRowOut
    places: list[PlaceOut]


class CoverageSlotOut(Schema):
    id: int
    label: str
    site_name: str
    starts_at: datetime
    ends_at: datetime


class PersonDueOut(MaskedSchema):
    masked_fields = {"id_number": masking.ID, "phone": masking.PHONE}

    due_id: int
    person_id: int
    name: str
    id_number: str
    phone: str
    grid_id: int
    grid_name: str
    building_id: int | None
    building_name: str
    unit_label: str
    floor: int | None
    room: str
    address: str
    status: str
    home_sampling: bool
    exempt_reason: str
    exempt_note: str
    slot: CoverageSlotOut | None


class PeoplePage(Schema):
    count: int
    items: list[PersonDueOut]


class SiteSeries(Schema):
    id: int
    name: str
    short: str = Field(description="The name without what all the sites' names share, for a chart's legend.")
    samples: list[int]


class TableSeries(Schema):
    site_id: int
    table_no: int
    name: str
    short: str = Field(description="A label that fits a chart's axis (the site's short name and the table).")
    samples: list[int]


class ProgressOut(Schema):
    round_id: int
    unit_id: int
    hours: list[str]
    times: list[str] = Field(description="The same hours as ISO 8601 local times, for a time axis.")
    sampled: list[int]
    cumulative: list[int]
    due: int
    source: str
    sites: list[SiteSeries]
    tables: list[TableSeries]


@router.get("/rounds/{round_id}/coverage", response=CoverageOut)
@api_operation(TESTING_VIEW)
def coverage_of_unit(request, round_id: Id, unit_id: Id | None = None):
    """Counts of a unit (default: where the caller's view of the round starts) and of each child."""
    rnd = selectors.get_round(request.scope, round_id)
    unit = coverage.unit_in_round(request.scope, rnd, unit_id)
    if unit.level == Level.GRID:
        totals, children = selectors.coverage_of_grid(request.scope, rnd, unit), []
    else:
        totals, children = selectors.coverage_by_child(request.scope, rnd, unit)
    return {
        "round_id": rnd.pk,
        "unit": coverage.row_dict(totals),
        "children": [coverage.row_dict(c) for c in children],
    }


@router.get("/rounds/{round_id}/coverage/grid/{unit_id}", response=GridOut)
@api_operation(TESTING_VIEW)
def coverage_of_grid(request, round_id: Id, unit_id: Id):
    """One grid by building, unit and floor."""
    rnd = selectors.get_round(request.scope, round_id)
    grid = coverage.unit_in_round(request.scope, rnd, unit_id)
    if grid.level != Level.GRID:
        raise Http404
    places = coverage.places(request.scope, rnd, grid)
    return {
        "round_id": rnd.pk,
        "grid": coverage.row_dict(selectors.coverage_of_grid(request.scope, rnd, grid)),
        "places": [
            {
                "building_id": p["building_id"],
                "building_name": p["building__name"] or "",
                "unit_label": p["unit_label"],
                "floor": p["floor"],
                **{k: p[k] for k in ("due", "tested", "exempt", "resulted", "untested", "percent")},
            }
            for p in places
        ],
    }


@router.get("/rounds/{round_id}/untested", response=PeoplePage)
@api_operation(TESTING_VIEW)
def untested(
    request,
    round_id: Id,
    unit_id: Id | None = None,
    building_id: Id | None = None,
    list: str = coverage.UNTESTED,  # noqa: A002 - the query parameter's name
    reason: str = "",
    limit: Limit = 100,
    offset: Offset = 0,
):
    """People still to be sampled (`list=untested`, default), to be sampled at home (`home`) or
    exempt (`exempt`, optionally one `reason`), paginated with limit/offset."""
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    unit = coverage.unit_in_round(scope, rnd, unit_id)
    building = coverage.building_in_scope(scope, building_id)
    if building is not None and not building.path.startswith(unit.path):
        raise Http404
    kind = list if list in coverage.LIST_KINDS else coverage.UNTESTED
    reason = reason if reason in ExemptReason.values else ""
    qs = coverage.people(scope, rnd, unit, kind=kind, building=building, reason=reason)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    rows = [*qs[offset : offset + limit]]
    coverage.attach_slots(scope, rnd, rows)
    user = request.actor
    items = [
        {
            "due_id": d.pk,
            "person_id": d.person_id,
            "name": d.person.name,
            "id_number": shown_id(user, d.person.id_number),
            "phone": shown_phone(user, d.person.phone),
            "grid_id": d.grid_id,
            "grid_name": d.grid.name,
            "building_id": d.building_id,
            "building_name": d.building.name if d.building else "",
            "unit_label": d.unit_label,
            "floor": d.floor,
            "room": coverage.room_of(d),
            "address": coverage.address_of(d),
            "status": d.status,
            "home_sampling": d.home_sampling,
            "exempt_reason": d.exempt_reason,
            "exempt_note": d.exempt_note,
            "slot": (
                {
                    "id": d.slot.pk,
                    "label": d.slot.label,
                    "site_name": d.slot.site.name,
                    "starts_at": d.slot.starts_at,
                    "ends_at": d.slot.ends_at,
                }
                if d.slot
                else None
            ),
        }
        for d in rows
    ]
    return {"count": qs.count(), "items": items}


@router.get("/rounds/{round_id}/progress", response=ProgressOut)
@api_operation(TESTING_VIEW)
def progress(request, round_id: Id, unit_id: Id | None = None):
    """Samples per hour (and cumulative, against the people due), per site and per table."""
    rnd = selectors.get_round(request.scope, round_id)
    unit = coverage.unit_in_round(request.scope, rnd, unit_id)
    data = coverage.progress(request.scope, rnd, unit).as_dict()
    return {"round_id": rnd.pk, "unit_id": unit.pk, **data}
