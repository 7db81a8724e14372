"""Reading campaigns, and the venues due for inspection (planned by kind, risk and record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from wangge.core.access import Scope
from wangge.inspections.models import Campaign, Inspection, OrderStatus
from wangge.venues.models import RiskLevel, Venue, VenueStatus

# Days between inspections by kind (hotels weekly …); others monthly.
BASE_INTERVAL = {
    "hotel": 7,
    "restaurant": 14,
    "supermarket": 14,
    "market": 7,
    "middle_school": 14,
    "primary_school": 14,
    "kindergarten": 14,
    "clinic": 14,
    "internet_cafe": 14,
}
DEFAULT_INTERVAL = 30
RISK_FACTOR: dict[str, float] = {RiskLevel.HIGH: 0.5, RiskLevel.MEDIUM: 0.75, RiskLevel.LOW: 1.0}


def campaigns(scope: Scope) -> QuerySet[Campaign]:
    return scope.filter(Campaign.objects.select_related("unit", "leader")).annotate(
        n_inspections=Count("inspections")
    )


def get_campaign(scope: Scope, campaign_id) -> Campaign:
    return scope.get(Campaign.objects.select_related("unit", "leader"), pk=campaign_id)


def campaign_inspections(campaign: Campaign) -> QuerySet[Inspection]:
    return campaign.inspections.select_related("venue", "venue__kind").order_by("id")


def interval_days(kind_code: str, risk: str, watched: bool) -> int:
    days = BASE_INTERVAL.get(kind_code, DEFAULT_INTERVAL) * RISK_FACTOR.get(risk, 1.0)
    if watched:
        days /= 2
    return max(1, int(days))


@dataclass
class Due:
    venue: Venue
    last_on: date | None
    due_on: date | None
    open_orders: int
    watched: bool

    @property
    def overdue_days(self) -> int:
        if self.due_on is None:
            return 0
        return (timezone.localdate() - self.due_on).days


def due_for_inspection(scope: Scope, *, on: date | None = None, limit: int = 200) -> list[Due]:
    """Venues whose next inspection has come: never inspected, or past their interval; venues
    with open orders first, then the longest overdue. Internal: never shown to a venue account."""
    on = on or timezone.localdate()
    venues = (
        scope.filter(Venue.objects.exclude(status=VenueStatus.CLOSED))
        .select_related("kind")
        .annotate(
            last_on=Max("inspections__on_date"),
            open_orders=Count("orders", filter=Q(orders__status=OrderStatus.OPEN), distinct=True),
            watched=Count("inspection_watch", filter=Q(inspection_watch__flagged_at__isnull=False)),
        )
    )
    answer = []
    for v in venues:
        due_on = (
            None
            if v.last_on is None
            else v.last_on + timedelta(days=interval_days(v.kind.code, v.risk_level, bool(v.watched)))
        )
        if v.open_orders or due_on is None or due_on <= on:
            answer.append(Due(v, v.last_on, due_on, v.open_orders, bool(v.watched)))
    answer.sort(key=lambda d: (-d.open_orders, d.due_on or date.min, d.venue.name))
    return answer[:limit]
