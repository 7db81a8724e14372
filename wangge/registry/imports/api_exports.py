"""Exports over the API, mounted at /api/v1/registry/exports: the registry's lists as a file
download, exactly as the pages' "Export to Excel" gives them (wangge.registry.imports.exports).

One route per list (people, households, buildings, rentals, tenants): an unknown list is an
unknown path (404 `{"detail": ...}`). Same rules as the page: the export permission, the
caller's jurisdiction (none: an empty file), ID numbers and phones masked unless the role may see
them, formula-looking cells neutralised, one audit row per export (list, format, filters, count).
"""

from typing import Annotated, Any, Literal

from ninja import Query, Router
from pydantic import Field

from wangge.core.access import api_operation
from wangge.core.api_conventions import LINE_PATTERN, Id
from wangge.registry.imports import exports
from wangge.registry.permissions import REGISTRY_EXPORT

router = Router(tags=["registry"])

Format = Literal["xlsx", "csv"]
Search = Annotated[str, Field(pattern=LINE_PATTERN, max_length=100)]
Word = Annotated[str, Field(pattern=LINE_PATTERN, max_length=40)]
UNIT = Query(None, description="Only under this unit of your jurisdiction (404 if it is not in it).")
SEARCH = Query("", description="Search words, as in the list page's search box.")
PERSON_STATUS = Query("", description="Only people of this type (registered, migrant, tenant, provisional).")
DEPARTED = Query(False, description="Also the people who have left.")
BUILDING_KIND = Query("", description="Only buildings of this kind (residential, dormitory…).")
RENTAL_STATUS = Query("", description="Only rentals in this state (let, vacant, self_use).")
TENANCY_STATUS = Query("", description="current: still living there; moved_out: gone.")
VISIT_STATUS = Query("", description="follow_up: a follow-up still to do; or an outcome.")
FORMAT = Query(
    "xlsx",
    alias="format",
    description="xlsx (the default), or csv: UTF-8 with a byte-order mark, same columns.",
)

COMMON = """

Answers the file itself (`Content-Disposition: attachment`), xlsx or CSV. Only your
jurisdiction's records (an account without one gets an empty file); ID numbers and phones are
masked unless your role may see them in full; a cell that starts like a formula (= + - @) is
prefixed with an apostrophe. Each export is audited: the list, the format, the filters and the
number of rows (never the contents). The columns are those of the import templates, so the file
can be imported again."""

FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The list as a file download.",
            "content": {
                exports.XLSX: {"schema": {"type": "string", "format": "binary"}},
                exports.CSV: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}


def _export(request, list_name: str, fmt: str, **filters: Any):
    """The list page's filters under its own names (exports.filtered reads them, the audit keeps them)."""
    params = {k: v for k, v in filters.items() if v not in (None, "", False)}
    qs = exports.filtered(request.scope, list_name, params)
    return exports.export_response(request, list_name, qs, fmt=fmt, params=params)


@router.get(
    "/people",
    summary="Export people",
    description="The people of the registry (those who left only with `include_departed`)." + COMMON,
    openapi_extra=FILE_RESPONSE,
)
@api_operation(REGISTRY_EXPORT)
def export_people(
    request,
    unit_id: Id | None = UNIT,
    status: Word = PERSON_STATUS,
    q: Search = SEARCH,
    include_departed: bool = DEPARTED,
    fmt: Format = FORMAT,
):
    return _export(
        request, "people", fmt, unit=unit_id, status=status, q=q, departed="1" if include_departed else ""
    )


@router.get(
    "/households",
    summary="Export households",
    description="The open households, with their head and how many people live there." + COMMON,
    openapi_extra=FILE_RESPONSE,
)
@api_operation(REGISTRY_EXPORT)
def export_households(request, unit_id: Id | None = UNIT, q: Search = SEARCH, fmt: Format = FORMAT):
    return _export(request, "households", fmt, unit=unit_id, q=q)


@router.get(
    "/buildings",
    summary="Export buildings",
    description="The buildings, with their grid, kind, units and floors." + COMMON,
    openapi_extra=FILE_RESPONSE,
)
@api_operation(REGISTRY_EXPORT)
def export_buildings(
    request,
    unit_id: Id | None = UNIT,
    kind: Word = BUILDING_KIND,
    q: Search = SEARCH,
    fmt: Format = FORMAT,
):
    return _export(request, "buildings", fmt, unit=unit_id, status=kind, q=q)


@router.get(
    "/rentals",
    summary="Export rentals and shops",
    description="The rentals and shops, with their landlord and manager; their tenants are "
    "exported by /tenants." + COMMON,
    openapi_extra=FILE_RESPONSE,
)
@api_operation(REGISTRY_EXPORT)
def export_rentals(
    request,
    unit_id: Id | None = UNIT,
    status: Word = RENTAL_STATUS,
    q: Search = SEARCH,
    fmt: Format = FORMAT,
):
    return _export(request, "rentals", fmt, unit=unit_id, status=status, q=q)


@router.get(
    "/tenants",
    summary="Export the tenants of rentals",
    description="Every tenancy: the rental, the tenant, when they moved in and out." + COMMON,
    openapi_extra=FILE_RESPONSE,
)
@api_operation(REGISTRY_EXPORT)
def export_tenants(
    request,
    unit_id: Id | None = UNIT,
    status: Literal["", "current", "moved_out"] = TENANCY_STATUS,
    q: Search = SEARCH,
    fmt: Format = FORMAT,
):
    return _export(request, "tenants", fmt, unit=unit_id, status=status, q=q)


@router.get(
    "/visits",
    summary="Export visits",
    description="Visits to households and rentals: when, by whom, the outcome and any follow-up "
    "(`status=follow_up`: those still to follow up; or an outcome)." + COMMON,
    openapi_extra=FILE_RESPONSE,
)
@api_operation(REGISTRY_EXPORT)
def export_visits(
    request,
    unit_id: Id | None = UNIT,
    status: Literal["", "follow_up", "met", "nobody_home", "refused", "issue_found"] = VISIT_STATUS,
    q: Search = SEARCH,
    fmt: Format = FORMAT,
):
    return _export(request, "visits", fmt, unit=unit_id, status=status, q=q)
