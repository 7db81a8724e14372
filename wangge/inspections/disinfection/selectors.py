"""Missing disinfection days, per plan, grid and office."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet

from wangge.core.access import Scope
from wangge.inspections.models import DisinfectionPlan, DisinfectionRound
from wangge.org.models import Level, OrgUnit
from wangge.venues.models import Venue, VenueStatus


def plans(scope: Scope) -> QuerySet[DisinfectionPlan]:
    return scope.filter(DisinfectionPlan.objects.filter(active=True).select_related("unit", "venue"))


def get_plan(scope: Scope, plan_id) -> DisinfectionPlan:
    return scope.get(DisinfectionPlan.objects.select_related("unit"), pk=plan_id)


@dataclass
class PlanGaps:
    plan: DisinfectionPlan
    missing: list[date]


def missing_days(scope: Scope, *, until: date, days: int = 14) -> list[PlanGaps]:
    """For each plan, the days in the last `days` when a round was due and none was done within
    the plan's frequency (every N days: a gap longer than N days is missing)."""
    since = until - timedelta(days=days - 1)
    plan_list = list(plans(scope))
    done: dict[int, set[date]] = defaultdict(set)
    for plan_id, on in DisinfectionRound.objects.filter(
        plan__in=plan_list, done_on__gte=since - timedelta(days=90), done_on__lte=until
    ).values_list("plan_id", "done_on"):
        done[plan_id].add(on)
    answer = []
    for plan in plan_list:
        missing = []
        day = max(since, plan.starts_on)
        while day <= until:
            window = {day - timedelta(days=k) for k in range(plan.every_days)}
            if not window & done[plan.pk]:
                missing.append(day)
            day += timedelta(days=1)
        if missing:
            answer.append(PlanGaps(plan, missing))
    return answer


def missing_by_unit(gaps: list[PlanGaps]) -> dict[str, int]:
    """Missing plan-days summed per unit path (grid, village, office): a page groups by prefix."""
    out: dict[str, int] = defaultdict(int)
    for g in gaps:
        parts = [p for p in g.plan.path.strip("/").split("/") if p]
        for i in range(1, len(parts) + 1):
            out["/" + "/".join(parts[:i]) + "/"] += len(g.missing)
    return dict(out)


def plan_units(scope: Scope) -> QuerySet[OrgUnit]:
    """Units a plan may be made for: villages, sites and grids in scope (open ones)."""
    return scope.filter(OrgUnit.objects.filter(level__gte=Level.VILLAGE, closed_at__isnull=True)).order_by(
        "path"
    )


def plan_venues(scope: Scope) -> QuerySet[Venue]:
    return scope.filter(Venue.objects.exclude(status=VenueStatus.CLOSED)).order_by("path", "name")


@dataclass
class UnitGaps:
    unit: OrgUnit
    missing: int


def missing_per_unit(scope: Scope, gaps: list[PlanGaps]) -> list[UnitGaps]:
    """Missing plan-days per office and grid in scope (and villages), most first within level."""
    totals = missing_by_unit(gaps)
    if not totals:
        return []
    units = scope.filter(
        OrgUnit.objects.filter(path__in=list(totals), level__in=[Level.OFFICE, Level.VILLAGE, Level.GRID])
    )
    rows = [UnitGaps(u, totals[u.path]) for u in units]
    return sorted(rows, key=lambda r: (r.unit.level, -r.missing, r.unit.path))
