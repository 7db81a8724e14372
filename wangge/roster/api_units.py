"""Who answers for the units: mounted under /units beside the tree's own routes."""

from datetime import date

from ninja import Router, Schema
from ninja.pagination import paginate

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Pagination
from wangge.org import selectors as org_selectors
from wangge.org.api import UnitOut
from wangge.org.permissions import ORG_VIEW
from wangge.roster import selectors

router = Router(tags=["units"])


class ResponsibleOut(Schema):
    assignment_id: int
    staff_id: int
    name: str
    role: str
    role_label: str
    start_date: date
    end_date: date | None


@router.get("/without-leader", response=list[UnitOut])
@api_operation(ORG_VIEW)
@paginate(Pagination)
def grids_without_leader(request, under_id: Id | None = None):
    under = org_selectors.get_unit(request.scope, under_id) if under_id else None
    return selectors.grids_without_leader(request.scope, under=under)


@router.get("/{unit_id}/responsible", response=list[ResponsibleOut])
@api_operation(ORG_VIEW)
def responsible(request, unit_id: Id, on: date | None = None):
    unit = org_selectors.get_unit(request.scope, unit_id)
    return [
        {
            "assignment_id": a.pk,
            "staff_id": a.staff_id,
            "name": a.staff.name,
            "role": a.role,
            "role_label": str(a.get_role_display()),
            "start_date": a.start_date,
            "end_date": a.end_date,
        }
        for a in selectors.responsible_for(unit, on=on)
    ]
