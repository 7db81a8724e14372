"""What screening adds to a person's page in the registry: the measure in force as a banner, and
the person's measures (with their test days), screening records, sightings and categories."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from wangge.core.access import has_permission, scope_of
from wangge.screening.models import Measure, MeasureStatus, MeasureTest, ScreeningRecord
from wangge.screening.permissions import SCREENING_VIEW

OPEN = (MeasureStatus.PROPOSED, MeasureStatus.AWAITING_APPROVAL, MeasureStatus.ACTIVE)


def measure_banner(request: HttpRequest, person: Any) -> dict | None:
    if not has_permission(request.user, SCREENING_VIEW):
        return None
    scope = scope_of(request.user)
    open_measures = list(
        scope.filter(Measure.objects.filter(person=person, status__in=OPEN)).order_by("ends_on", "pk")
    )
    if not open_measures:
        return None
    today = timezone.localdate()
    for m in open_measures:
        m.days_left = (m.ends_on - today).days + 1 if m.status == MeasureStatus.ACTIVE else None
    return {"measures": open_measures}


def screening_history(request: HttpRequest, person: Any) -> dict | None:
    if not has_permission(request.user, SCREENING_VIEW):
        return None
    scope = scope_of(request.user)
    measures = list(
        scope.filter(Measure.objects.filter(person=person).select_related("category")).order_by(
            "-starts_on", "-pk"
        )[:20]
    )
    tests = {}
    for t in MeasureTest.objects.filter(measure__in=measures).order_by("on_date", "day_no"):
        tests.setdefault(t.measure_id, []).append(t)
    for m in measures:
        m.test_days = tests.get(m.pk, [])
    records = list(
        scope.filter(ScreeningRecord.objects.filter(person=person).select_related("category"))
        .prefetch_related("sightings")
        .order_by("-arrival_date", "-pk")[:20]
    )
    categories = sorted(
        {m.category.name for m in measures if m.category_id}
        | {r.category.name for r in records if r.category_id}
    )
    if not (measures or records):
        return None
    return {"measures": measures, "records": records, "categories": categories}
