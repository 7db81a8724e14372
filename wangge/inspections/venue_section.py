"""The venue page's section of inspections (added through the venues part's section hook): its
recent inspections and its open rectification orders, for those who may see inspections; a
button to inspect it now for inspectors. A venue's own account gets nothing here (unannounced
inspections: it never sees what is planned)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wangge.core.access import has_permission, scope_of
from wangge.inspections.models import Inspection, Order, OrderStatus, VenueWatch
from wangge.inspections.permissions import INSPECTIONS_INSPECT, INSPECTIONS_VIEW
from wangge.venues.models import VenueStatus

HISTORY = 10


def context(request: HttpRequest, venue: Any) -> dict[str, Any] | None:
    user: Any = getattr(request, "user", None)
    if user is None or not has_permission(user, INSPECTIONS_VIEW):
        return None
    scope = getattr(request, "scope", None) or scope_of(user)
    if not scope.covers_path(venue.path):
        return None
    inspections = list(
        scope.filter(Inspection.objects.filter(venue=venue))
        .select_related("campaign")
        .order_by("-on_date", "-id")[:HISTORY]
    )
    orders = list(
        scope.filter(Order.objects.filter(venue=venue, status=OrderStatus.OPEN)).order_by("deadline", "id")
    )
    watch = VenueWatch.objects.filter(venue=venue, flagged_at__isnull=False).first()
    return {
        "venue": venue,
        "inspections": inspections,
        "orders": orders,
        "watch": watch,
        "can_inspect": has_permission(user, INSPECTIONS_INSPECT) and venue.status != VenueStatus.CLOSED,
    }
