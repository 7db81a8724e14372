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
class LabQueue:
    in_transit: list[Box] = field(default_factory=list)
    received: list[Box] = field(default_factory=list)
    awaiting: list[Tube] = field(default_factory=list)
    conflicts: list[ResultReport] = field(default_factory=list)
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
    return cache.get_or_set(key, lambda: counts(scope), HOME_CACHE_SECONDS)


def lab_queue(scope: Scope, now: datetime | None = None) -> LabQueue:
    now = now or timezone.now()
    queue = LabQueue(counts=counts(scope, now))
    in_transit = (
        scope.filter(Box.objects.filter(status=BoxStatus.IN_TRANSIT))
        .select_related("site", "round")
        .annotate(tube_count=Count("tubes"))
        .order_by("left_site_at", "id")[:LIMIT]
    )
    queue.in_transit = transport.mark_late(list(in_transit), now)
    for box in queue.in_transit:
        box.age = now - box.left_site_at if box.left_site_at else None
        box.age_text = transport.duration_text(box.age)
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
    queue.awaiting = list(awaiting)
    for tube in queue.awaiting:
        tube.age = now - tube.box.received_at if tube.box and tube.box.received_at else None
        tube.age_text = transport.duration_text(tube.age)
    queue.conflicts = list(
        _open_conflicts(scope).select_related("tube__round").order_by("recorded_at", "id")[:LIMIT]
    )
    for report in queue.conflicts:
        report.age_text = transport.duration_text(now - report.recorded_at)
    return queue
