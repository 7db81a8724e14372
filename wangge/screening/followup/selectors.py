"""Reads of follow-up: measures in force, checks and tests due or overdue, escalations and service requests (the writes are services.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from wangge.core.access import Scope, not_found
from wangge.screening.models import (
    DailyCheck,
    Escalation,
    Measure,
    MeasurePhase,
    MeasureStatus,
    MeasureTest,
    ServiceKind,
    ServiceRequest,
    ServiceStatus,
)

OPEN_SERVICE = (ServiceStatus.OPEN, ServiceStatus.ASSIGNED)


def phase_on(measure: Measure, day: date) -> MeasurePhase | None:
    return MeasurePhase.objects.filter(measure=measure, starts_on__lte=day, ends_on__gte=day).first()


def per_day(phases: list[MeasurePhase], day: date) -> int:
    for p in phases:
        if p.starts_on <= day <= p.ends_on:
            return p.checks_per_day
    return 0


def checks_of(scope: Scope, measure: Measure) -> QuerySet[DailyCheck]:
    return (
        scope.filter(DailyCheck.objects.filter(measure=measure))
        .select_related("checked_by")
        .order_by("-on_date", "-slot")
    )


def next_slot(measure: Measure, day: date) -> int | None:
    """The first check of the day still to be recorded, or None when all are in."""
    phase = phase_on(measure, day)
    if phase is None:
        return None
    done = set(DailyCheck.objects.filter(measure=measure, on_date=day).values_list("slot", flat=True))
    for slot in range(1, phase.checks_per_day + 1):
        if slot not in done:
            return slot
    return None


def next_slots(measures: list[Measure], day: date) -> dict[int, int | None]:
    """`next_slot` for a page of measures in two queries (not two per measure)."""
    ids = [m.pk for m in measures]
    per_day = dict(
        MeasurePhase.objects.filter(measure_id__in=ids, starts_on__lte=day, ends_on__gte=day).values_list(
            "measure_id", "checks_per_day"
        )
    )
    done: dict[int, set[int]] = {}
    for measure_id, slot in DailyCheck.objects.filter(measure_id__in=ids, on_date=day).values_list(
        "measure_id", "slot"
    ):
        done.setdefault(measure_id, set()).add(slot)
    out: dict[int, int | None] = {}
    for measure_id in ids:
        taken = done.get(measure_id, set())
        out[measure_id] = next((n for n in range(1, per_day.get(measure_id, 0) + 1) if n not in taken), None)
    return out


def in_force(scope: Scope, *, grid_id: int | None = None) -> QuerySet[Measure]:
    qs = scope.filter(Measure.objects.filter(status=MeasureStatus.ACTIVE))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    return qs


def get_measure(scope: Scope, measure_id) -> Measure:
    return scope.get(Measure.objects.select_related("person", "grid"), pk=measure_id)


def under_measures(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[Measure]:
    """People under measures in force with today's status: checks due and done, tests due today
    (no result yet), the last temperature taken."""
    today = today or timezone.localdate()
    phase_today = MeasurePhase.objects.filter(
        measure=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
    )
    last_check = DailyCheck.objects.filter(measure=OuterRef("pk"), temperature__isnull=False).order_by(
        "-on_date", "-slot"
    )
    tests_today = (
        MeasureTest.objects.filter(measure=OuterRef("pk"), on_date=today, result="")
        .values("measure")
        .annotate(n=Count("id"))
        .values("n")
    )
    checks_today = (
        DailyCheck.objects.filter(measure=OuterRef("pk"), on_date=today)
        .values("measure")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        in_force(scope, grid_id=grid_id)
        .select_related("person", "grid")
        .annotate(
            checks_due_today=Subquery(phase_today.values("checks_per_day")[:1]),
            checks_done_today=Subquery(checks_today[:1]),
            tests_due_today=Subquery(tests_today[:1]),
            last_temperature=Subquery(last_check.values("temperature")[:1]),
            last_checked_on=Subquery(last_check.values("on_date")[:1]),
        )
        .order_by("grid__path", "grid__name", "person__name", "pk")
    )


def _overdue_filter(today: date) -> Q:
    yesterday = today - timedelta(days=1)
    behind = Q(checked_through__lt=yesterday) & Q(checked_through__lt=F("ends_on"))
    never = Q(checked_through__isnull=True) & Q(starts_on__lte=yesterday)
    return behind | never


def overdue_measures(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[Measure]:
    """Measures in force whose checks are behind: `checked_through` before min(yesterday, end)."""
    today = today or timezone.localdate()
    return (
        in_force(scope, grid_id=grid_id)
        .filter(_overdue_filter(today))
        .select_related("person", "grid")
        .order_by("grid__path", "grid__name", "checked_through", "pk")
    )


@dataclass
class Overdue:
    measure: Measure
    missing_days: list[date] = field(default_factory=list)


def missing_days(measures: list[Measure], *, today: date | None = None) -> list[Overdue]:
    """For each measure, the days up to min(yesterday, end) after `checked_through` without all
    their checks."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    if not measures:
        return []
    ids = [m.pk for m in measures]
    phases: dict[int, list[MeasurePhase]] = defaultdict(list)
    for p in MeasurePhase.objects.filter(measure_id__in=ids):
        phases[p.measure_id].append(p)
    earliest = min((m.checked_through or m.starts_on - timedelta(days=1)) for m in measures)
    counts: dict[tuple[int, date], int] = {
        (r["measure_id"], r["on_date"]): r["n"]
        for r in DailyCheck.objects.filter(measure_id__in=ids, on_date__gt=earliest, on_date__lte=yesterday)
        .values("measure_id", "on_date")
        .annotate(n=Count("id"))
    }
    out = []
    for m in measures:
        day = (m.checked_through or m.starts_on - timedelta(days=1)) + timedelta(days=1)
        last = min(yesterday, m.ends_on)
        days = []
        while day <= last:
            if counts.get((m.pk, day), 0) < per_day(phases[m.pk], day):
                days.append(day)
            day += timedelta(days=1)
        out.append(Overdue(measure=m, missing_days=days))
    return out


def overdue_tests(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[MeasureTest]:
    """Tests of measures in force whose day has passed, with no result and not sampled."""
    today = today or timezone.localdate()
    qs = scope.filter(
        MeasureTest.objects.filter(measure__status=MeasureStatus.ACTIVE, result="", on_date__lt=today)
    )
    qs = qs.filter(Q(due__isnull=True) | ~Q(due__status="tested"))
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid", "due").order_by(
        "measure__grid__path", "on_date", "pk"
    )


def tests_due_today(
    scope: Scope, *, grid_id: int | None = None, today: date | None = None
) -> QuerySet[MeasureTest]:
    today = today or timezone.localdate()
    qs = scope.filter(
        MeasureTest.objects.filter(measure__status=MeasureStatus.ACTIVE, result="", on_date=today)
    )
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid", "due").order_by(
        "measure__grid__path", "pk"
    )


def awaiting_results(scope: Scope, *, grid_id: int | None = None) -> QuerySet[MeasureTest]:
    """Sampled (in testing) but no result back yet."""
    qs = scope.filter(
        MeasureTest.objects.filter(measure__status=MeasureStatus.ACTIVE, result="", due__status="tested")
    )
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid").order_by("on_date", "pk")


@dataclass
class GridOverdue:
    grid_id: int
    grid_name: str
    people: int = 0  # people whose checks are behind
    missing_days: int = 0  # days without all their checks, summed
    overdue_tests: int = 0
    tests_today: int = 0
    open_services: int = 0


def overdue_per_grid(scope: Scope, *, today: date | None = None) -> list[GridOverdue]:
    """Per grid: people with checks behind and how many days are missing, tests overdue and due
    today, open service requests. Only grids with something to show."""
    today = today or timezone.localdate()
    rows: dict[int, GridOverdue] = {}

    def row(grid_id, name) -> GridOverdue:
        if grid_id not in rows:
            rows[grid_id] = GridOverdue(grid_id=grid_id, grid_name=name)
        return rows[grid_id]

    for o in missing_days(list(overdue_measures(scope, today=today)), today=today):
        r = row(o.measure.grid_id, o.measure.grid.name)
        r.people += 1
        r.missing_days += len(o.missing_days)
    for g in (
        overdue_tests(scope, today=today)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
    ):
        row(g["measure__grid_id"], g["measure__grid__name"]).overdue_tests = g["n"]
    for g in (
        tests_due_today(scope, today=today)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
    ):
        row(g["measure__grid_id"], g["measure__grid__name"]).tests_today = g["n"]
    for g in (
        open_requests(scope)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
    ):
        row(g["measure__grid_id"], g["measure__grid__name"]).open_services = g["n"]
    return sorted(rows.values(), key=lambda r: r.grid_name)


def grids_with_measures(scope: Scope):
    from wangge.org.models import OrgUnit

    ids = in_force(scope).values("grid_id")
    return OrgUnit.objects.filter(pk__in=ids).order_by("path", "name")


def escalation_list(
    scope: Scope, *, open_only: bool = False, grid_id: int | None = None
) -> QuerySet[Escalation]:
    """Open ones first, newest first."""
    qs = scope.filter(Escalation.objects.all())
    if open_only:
        qs = qs.filter(handled_at__isnull=True)
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    return qs.select_related("measure", "measure__person", "measure__grid", "handled_by").order_by(
        F("handled_at").desc(nulls_first=True), "-created_at", "-id"
    )


def get_escalation(scope: Scope, escalation_id) -> Escalation:
    return scope.get(
        Escalation.objects.select_related("measure", "measure__person", "measure__grid"), pk=escalation_id
    )


def staff_choices(scope: Scope):
    from wangge.roster import selectors as roster_selectors

    return roster_selectors.staff(scope).order_by("name", "pk")


def requests(
    scope: Scope, *, status: str | None = None, grid_id: int | None = None, kind: str | None = None
) -> QuerySet[ServiceRequest]:
    qs = scope.filter(ServiceRequest.objects.all())
    if status == "open":
        qs = qs.filter(status__in=OPEN_SERVICE)
    elif status in ServiceStatus.values:
        qs = qs.filter(status=status)
    if grid_id:
        qs = qs.filter(measure__grid_id=grid_id)
    if kind in ServiceKind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("measure", "measure__person", "measure__grid", "assigned_to").order_by(
        "measure__grid__path", "raised_at", "pk"
    )


def open_requests(scope: Scope, *, grid_id: int | None = None) -> QuerySet[ServiceRequest]:
    return requests(scope, status="open", grid_id=grid_id)


def open_requests_per_grid(scope: Scope) -> list[dict]:
    return list(
        open_requests(scope)
        .order_by()
        .values("measure__grid_id", "measure__grid__name")
        .annotate(n=Count("id"))
        .order_by("measure__grid__name")
    )


def get_request(scope: Scope, service_id) -> ServiceRequest:
    try:
        return scope.get(
            ServiceRequest.objects.select_related(
                "measure", "measure__person", "measure__grid", "assigned_to"
            ),
            pk=service_id,
        )
    except (ValueError, TypeError) as exc:
        raise not_found() from exc
