"""API: overview (mounted at /api/v1/screening). GET /overview?unit=<id>: the figures of a unit
(default the caller's jurisdiction) and of its rows (office → village → grid), with the day's
figure in words. A unit outside the caller's scope answers 404."""

from ninja import Router, Schema

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id
from wangge.screening.overview import selectors as ov
from wangge.screening.permissions import SCREENING_VIEW

router = Router(tags=["screening: overview"])


class RowOut(Schema):
    unit_id: int | None
    name: str | None
    by_kind: dict[str, int]
    under_measures: int
    screened_today: int
    categories_today: int
    starting_today: int
    ending_today: int
    released_today: int
    overdue_checks: int
    overdue_tests: int
    open_services: int
    open_escalations: int
    awaiting_approval: int


class OverviewCategoryOut(Schema):
    category_id: int | None
    name: str | None
    under_measures: int
    screened_today: int


class OverviewOut(Schema):
    unit_id: int
    unit_name: str
    level: int
    date: str
    sentence: str
    totals: RowOut
    rows: list[RowOut]
    categories: list[OverviewCategoryOut]


@router.get("/overview", response=OverviewOut)
@api_operation(SCREENING_VIEW)
def overview(request, unit: Id | None = None):
    """The overview of a unit and of each of its rows, and the day in one sentence."""
    focus = ov.focus_unit(request.scope, unit)
    return ov.overview(request.scope, focus).as_dict()
