"""Reads of the entry log: a checkpoint's entries, counts per checkpoint per day, and the day's
figure in the page's own words. Always from a Scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from wangge.core.access import Scope
from wangge.duty.models import Entry, EntryKind


def entries(scope: Scope) -> QuerySet[Entry, Any]:
    return scope.filter(Entry.objects.select_related("checkpoint"))


def entries_of(scope: Scope, checkpoint_id: int, day: date) -> QuerySet[Entry, Any]:
    return entries(scope).filter(checkpoint_id=checkpoint_id, day=day).order_by("-at", "-id")


@dataclass
class DayCount:
    checkpoint_id: int
    name: str
    people_in: int = 0
    people_out: int = 0
    vehicles: int = 0
    from_risk_areas: int = 0
    fever: int = 0
    screened: int = 0
    escalated: int = 0

    @property
    def total(self) -> int:
        return self.people_in + self.people_out + self.vehicles


def counts(scope: Scope, day: date) -> list[DayCount]:
    """Per checkpoint on a day: people in and out, vehicles, arrivals from risk areas, fevers, and
    the screening records and escalations the entries raised. One query."""
    rows = (
        entries(scope)
        .filter(day=day)
        .values("checkpoint_id", "checkpoint__name")
        .annotate(
            people_in=Count("id", filter=Q(kind=EntryKind.PERSON, direction="in")),
            people_out=Count("id", filter=Q(kind=EntryKind.PERSON, direction="out")),
            vehicles=Count("id", filter=Q(kind=EntryKind.VEHICLE)),
            from_risk_areas=Count("id", filter=~Q(risk_level="")),
            fever=Count("id", filter=Q(temperature__gte=37.3)),
            screened=Count("id", filter=Q(screening__isnull=False)),
            escalated=Count("id", filter=Q(escalation__isnull=False)),
        )
        .order_by("checkpoint__name")
    )
    return [
        DayCount(
            checkpoint_id=r["checkpoint_id"],
            name=r["checkpoint__name"],
            people_in=r["people_in"],
            people_out=r["people_out"],
            vehicles=r["vehicles"],
            from_risk_areas=r["from_risk_areas"],
            fever=r["fever"],
            screened=r["screened"],
            escalated=r["escalated"],
        )
        for r in rows
    ]
