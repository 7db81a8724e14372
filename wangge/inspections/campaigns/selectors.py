"""Reading campaigns, and the venues due for inspection (planned by kind, risk and record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, Count, DateField, Exists, Max, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from wangge.core.access import Scope
from wangge.inspections.models import Campaign, Inspection, Order, OrderStatus, VenueWatch
from wangge.roster.models import StaffMember
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


def team_choices(scope: Scope, under=None) -> QuerySet[StaffMember]:
    """Roster staff of the area who belong to a department (a team is drawn from departments),
    under a campaign's unit if given."""
    qs = StaffMember.objects.filter(is_active=True, department__isnull=False).select_related("department")
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return scope.filter(qs).order_by("department__name", "name")


def get_campaign(scope: Scope, campaign_id) -> Campaign:
    return scope.get(Campaign.objects.select_related("unit", "leader"), pk=campaign_id)


def campaign_inspections(campaign: Campaign) -> QuerySet[Inspection]:
    return campaign.inspections.select_related("venue", "venue__kind").order_by("id")


def interval_days(kind_code: str, risk: str, watched: bool) -> int:
    return _interval(BASE_INTERVAL.get(kind_code, DEFAULT_INTERVAL), risk, watched)


def _interval(base: int, risk: str, watched: bool) -> int:
    days = base * RISK_FACTOR.get(risk, 1.0)
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


# The home item's count stops here (shown as "1000"): a district's home never counts 20,000 rows.
DUE_COUNT_CAP = 1000


def _cutoff(on: date) -> Case:
    """The day on or before which a venue's last inspection makes it due, by kind, risk and watch
    (one CASE over the few combinations, computed in Python): the watch is read once."""
    groups: dict[int, list[str]] = {}
    for code, days in BASE_INTERVAL.items():
        groups.setdefault(days, []).append(code)
    kinds = [(Q(kind__code__in=codes), base) for base, codes in groups.items()]
    risks = [(Q(risk_level=r), r) for r in RISK_FACTOR]

    def by_kind_and_risk(watched: bool) -> Case:
        whens = [
            When(kind_q & risk_q, then=Value(on - timedelta(days=_interval(base, risk, watched))))
            for kind_q, base in [*kinds, (~Q(kind__code__in=list(BASE_INTERVAL)), DEFAULT_INTERVAL)]
            for risk_q, risk in risks
        ]
        whens += [
            When(kind_q, then=Value(on - timedelta(days=_interval(base, "", watched))))
            for kind_q, base in kinds
        ]
        default = Value(on - timedelta(days=_interval(DEFAULT_INTERVAL, "", watched)))
        return Case(*whens, default=default, output_field=DateField())

    return Case(When(is_watched=True, then=by_kind_and_risk(True)), default=by_kind_and_risk(False))


def due_count(scope: Scope, *, on: date | None = None, cap: int = DUE_COUNT_CAP) -> int:
    """How many venues due_for_inspection would list (at most `cap`), in one query: due is an
    open order, or no inspection after the venue's cutoff day (never inspected included); each
    read per venue by index, no join fan-out; the count stops at `cap`."""
    on = on or timezone.localdate()
    venues = (
        scope.filter(Venue.objects.exclude(status=VenueStatus.CLOSED))
        .annotate(
            is_watched=Exists(VenueWatch.objects.filter(venue=OuterRef("pk"), flagged_at__isnull=False))
        )
        .annotate(cutoff=_cutoff(on))
        .filter(
            Exists(Order.objects.filter(venue=OuterRef("pk"), status=OrderStatus.OPEN))
            | ~Exists(Inspection.objects.filter(venue=OuterRef("pk"), on_date__gt=OuterRef("cutoff")))
        )
    )
    return venues.order_by().values("pk")[:cap].count()
