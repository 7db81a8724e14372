"""The lab's queue (reads only): what it received and what still waits.

- boxes handed over at the site but not yet received by the lab (on the way), oldest first;
- boxes the lab received in the last day, with how many of their tubes still wait for a result;
- tubes the lab received that have no result yet, oldest receipt first, with their age;
- conflicting results not yet settled.

Everything is read through the reader's scope (a box and a tube carry their site's path; a
report its tube's), so a lab sees the sites it serves and nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from wangge.core.access import Scope
from wangge.testing.models import Box, BoxStatus, ResultReport, Tube, TubeStatus
from wangge.testing.transport import services as transport

LIMIT = 50
RECENT = timedelta(hours=24)
HOME_CACHE_SECONDS = 30


@dataclass
class Waiting:
    """One item of the queue: a box, a tube or a conflicting report, with how long it has waited
    (since the box left the site, since the lab received the tube, since the report came)."""

    item: Any
    age: timedelta | None
    late: bool = False

    @property
    def age_text(self) -> str:
        return transport.duration_text(self.age)

    @property
    def age_minutes(self) -> int | None:
        return int(self.age.total_seconds() // 60) if self.age is not None else None


@dataclass
class LabQueue:
    in_transit: list[Waiting] = field(default_factory=list)
    received: list[Box] = field(default_factory=list)  # annotated: tube_count, waiting
    awaiting: list[Waiting] = field(default_factory=list)
    conflicts: list[Waiting] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())


def _awaiting(scope: Scope):
    return scope.filter(
        Tube.objects.filter(box__status=BoxStatus.RECEIVED, status=TubeStatus.SEALED, result="")
    )


def _open_conflicts(scope: Scope):
    return scope.filter(
        ResultReport.objects.filter(conflict=True, resolved_at__isnull=True), path_field="tube__path"
    )


def counts(scope: Scope, now: datetime | None = None) -> dict[str, int]:
    """How many of each (three queries)."""
    now = now or timezone.now()
    boxes = scope.filter(Box.objects.filter(status__in=[BoxStatus.IN_TRANSIT, BoxStatus.RECEIVED])).aggregate(
        in_transit=Count("id", filter=Q(status=BoxStatus.IN_TRANSIT)),
        received=Count("id", filter=Q(status=BoxStatus.RECEIVED, received_at__gte=now - RECENT)),
    )
    return {
        "in_transit": boxes["in_transit"] or 0,
        "received": boxes["received"] or 0,
        "awaiting": _awaiting(scope).count(),
        "conflicts": _open_conflicts(scope).count(),
    }


def cached_counts(scope: Scope) -> dict[str, int]:
    """The counts for the home panel, kept for a short while per scope: the home page stays a
    handful of queries; the queue page itself is always read afresh."""
    if scope.is_empty:
        return dict.fromkeys(("in_transit", "received", "awaiting", "conflicts"), 0)
    key = "testing:lab-queue-counts:" + hashlib.sha256((scope.path or "").encode()).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = counts(scope)
        cache.set(key, found, HOME_CACHE_SECONDS)
    return found


def lab_queue(scope: Scope, now: datetime | None = None) -> LabQueue:
    now = now or timezone.now()
    queue = LabQueue(counts=counts(scope, now))
    in_transit = (
        scope.filter(Box.objects.filter(status=BoxStatus.IN_TRANSIT))
        .select_related("site", "round")
        .annotate(tube_count=Count("tubes"))
        .order_by("left_site_at", "id")[:LIMIT]
    )
    boxes = transport.mark_late(list(in_transit), now)
    queue.in_transit = [
        Waiting(
            box, now - box.left_site_at if box.left_site_at else None, late=bool(getattr(box, "late", False))
        )
        for box in boxes
    ]
    received = (
        scope.filter(Box.objects.filter(status=BoxStatus.RECEIVED, received_at__gte=now - RECENT))
        .select_related("site", "round")
        .annotate(tube_count=Count("tubes"), waiting=Count("tubes", filter=Q(tubes__result="")))
        .order_by("-received_at", "-id")[:LIMIT]
    )
    queue.received = list(received)
    awaiting = (
        _awaiting(scope).select_related("box", "site", "round").order_by("box__received_at", "id")[:LIMIT]
    )
    queue.awaiting = [
        Waiting(tube, now - tube.box.received_at if tube.box and tube.box.received_at else None)
        for tube in awaiting
    ]
    conflicts = _open_conflicts(scope).select_related("tube__round").order_by("recorded_at", "id")[:LIMIT]
    queue.conflicts = [Waiting(report, now - report.recorded_at) for report in conflicts]
    return queue
