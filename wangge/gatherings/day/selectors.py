"""Reads of the day: gatherings today and this week, to supervise today, after-event records
overdue (due within a day of the last day), counts per office and village. Always from a Scope."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils import timezone

from wangge.core.access import Scope
from wangge.gatherings.models import Gathering, Status
from wangge.org.models import Level, OrgUnit

HELD = (Status.APPROVED, Status.CLOSED)


def _base(scope: Scope) -> QuerySet[Gathering]:
    return scope.filter(Gathering.objects.select_related("kind", "unit"))


def between(scope: Scope, first: datetime.date, last: datetime.date) -> QuerySet[Gathering]:
    """Gatherings filed or approved that are held on some day between first and last."""
    return (
        _base(scope)
        .filter(status__in=HELD, starts_on__lte=last, ends_on__gte=first)
        .order_by("starts_on", "id")
    )


def today(scope: Scope) -> QuerySet[Gathering]:
    day = timezone.localdate()
    return between(scope, day, day)


def this_week(scope: Scope) -> QuerySet[Gathering]:
    day = timezone.localdate()
    return between(scope, day, day + datetime.timedelta(days=6))


def to_supervise_today(scope: Scope, user) -> QuerySet[Gathering]:
    return today(scope).filter(status=Status.APPROVED, supervisor=user)


def after_overdue(scope: Scope) -> QuerySet[Gathering]:
    """Approved gatherings whose after-event record was due by the day after the last day."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return _base(scope).filter(status=Status.APPROVED, ends_on__lt=yesterday).order_by("ends_on", "id")


def after_due(scope: Scope) -> QuerySet[Gathering]:
    """Approved gatherings held (begun) and not closed: their after-event record is to be made."""
    return (
        _base(scope)
        .filter(status=Status.APPROVED, starts_on__lte=timezone.localdate())
        .order_by("ends_on", "id")
    )


def per_unit(scope: Scope) -> list[dict]:
    """Today and this week, per office and per village of the scope."""
    day = timezone.localdate()
    week_end = day + datetime.timedelta(days=6)
    rows = list(between(scope, day, week_end).values_list("path", "starts_on", "ends_on"))
    units = scope.filter(
        OrgUnit.objects.filter(level__in=(Level.OFFICE, Level.VILLAGE), closed_at__isnull=True)
    )
    counts: dict[int, dict] = defaultdict(lambda: {"today": 0, "week": 0})
    by_id = {u.pk: u for u in units}
    for path, starts_on, ends_on in rows:
        for unit_id in (int(p) for p in path.strip("/").split("/") if p):
            if unit_id in by_id:
                c = counts[unit_id]
                c["week"] += 1
                if starts_on <= day <= ends_on:
                    c["today"] += 1
    out = []
    for unit in sorted(by_id.values(), key=lambda u: u.path):
        if unit.pk in counts:
            out.append({"unit": unit, "office": unit.level == Level.OFFICE, **counts[unit.pk]})
    return out


def pending_for(scope: Scope) -> QuerySet[Gathering]:
    return _base(scope).filter(status=Status.PENDING).order_by("starts_on", "id")


def search(scope: Scope, *, status: str = "", when: str = "", q: str = "") -> QuerySet[Gathering]:
    qs = _base(scope)
    if status:
        qs = qs.filter(status=status)
    day = timezone.localdate()
    if when == "today":
        qs = qs.filter(starts_on__lte=day, ends_on__gte=day)
    elif when == "week":
        qs = qs.filter(starts_on__lte=day + datetime.timedelta(days=6), ends_on__gte=day)
    if q:
        qs = qs.filter(Q(host_name__icontains=q) | Q(address__icontains=q) | Q(lookup_code=q.upper()))
    return qs.order_by("-starts_on", "-id")
