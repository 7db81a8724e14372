"""Reads of measures and bulk orders, always from the actor's scope."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from wangge.core.access import Scope
from wangge.screening.models import BulkOrder, Measure, MeasureStatus, MeasureTest

OPEN = [MeasureStatus.PROPOSED, MeasureStatus.AWAITING_APPROVAL, MeasureStatus.ACTIVE]


def measures(scope: Scope) -> QuerySet[Measure]:
    return scope.filter(Measure.objects.select_related("person", "grid", "category", "policy"))


def get_measure(scope: Scope, measure_id) -> Measure:
    return scope.get(
        Measure.objects.select_related(
            "person", "grid", "category", "policy", "screening", "bulk",
            "proposed_by", "decided_by", "approved_by", "closed_by",
        ),
        pk=measure_id,
    )  # fmt: skip


def get_test(scope: Scope, test_id) -> MeasureTest:
    return scope.get(MeasureTest.objects.select_related("measure", "measure__person"), pk=test_id)


def awaiting_approval_of(scope: Scope, actor) -> QuerySet[Measure]:
    """Decided confining measures waiting for an approval this actor may give (not their own)."""
    return (
        measures(scope)
        .filter(status=MeasureStatus.AWAITING_APPROVAL, bulk__isnull=True)
        .exclude(decided_by=actor)
    )


def release_due(scope: Scope, on: date | None = None) -> QuerySet[Measure]:
    """Measures in force whose last day has come: to be released once their tests are negative."""
    on = on or timezone.localdate()
    return measures(scope).filter(status=MeasureStatus.ACTIVE, ends_on__lte=on)


def filtered(scope: Scope, *, status: str = "", kind: str = "", grid=None, q: str = "") -> QuerySet[Measure]:
    qs = measures(scope)
    if status == "open" or not status:
        qs = qs.filter(status__in=OPEN)
    elif status == "release_due":
        qs = qs.filter(status=MeasureStatus.ACTIVE, ends_on__lte=timezone.localdate())
    elif status != "all":
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if grid is not None:
        qs = qs.filter(path__startswith=grid.path)
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(person__id_number__endswith=q))
    return qs.order_by("-proposed_at", "-id")


def orders(scope: Scope) -> QuerySet[BulkOrder]:
    return scope.filter(BulkOrder.objects.select_related("unit", "proposed_by", "approved_by"))


def get_order(scope: Scope, order_id) -> BulkOrder:
    return scope.get(BulkOrder.objects.select_related("unit", "proposed_by", "approved_by"), pk=order_id)


def latest_for_person(person_id: int) -> Measure | None:
    """A person's open measure, else their latest one (for their own look-up)."""
    qs = Measure.objects.filter(person_id=person_id).exclude(status=MeasureStatus.REJECTED)
    return qs.filter(status__in=OPEN).order_by("-proposed_at").first() or qs.order_by("-proposed_at").first()
