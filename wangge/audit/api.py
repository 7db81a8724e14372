from datetime import date, datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from wangge.audit import selectors
from wangge.audit.display import masked_snapshot
from wangge.audit.permissions import AUDIT_VIEW
from wangge.core.access import api_operation
from wangge.core.api_conventions import Pagination

router = Router(tags=["audit"])


class EventOut(Schema):
    id: int
    at: datetime
    actor_name: str
    action: str
    model: str
    object_id: str
    object_repr: str
    channel: str
    before: dict | None
    after: dict | None

    @staticmethod
    def resolve_before(obj, context):
        return _masked(obj, obj.before, context["request"])

    @staticmethod
    def resolve_after(obj, context):
        return _masked(obj, obj.after, context["request"])


def _masked(obj, snapshot: dict | None, request) -> dict | None:
    """ID numbers and phones in before/after are masked, as on the pages, unless the role needs them."""
    return masked_snapshot(obj.model, snapshot, getattr(request, "actor", None))


@router.get("/events", response=list[EventOut])
@api_operation(AUDIT_VIEW)
@paginate(Pagination)
def list_events(
    request,
    actor: str = "",
    model: str = "",
    action: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
):
    events = selectors.events(
        request.scope,
        actor=actor,
        model=model,
        action=action,
        object_id=object_id,
        date_from=date_from,
        date_to=date_to,
    )
    return events
